//! The parsed form of a Dockerfile: instructions, stages, comments and parse errors, every piece
//! with its exact source position.

use std::collections::HashMap;

/// A position in the source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
    /// Byte offset in the file.
    pub offset: usize,
}

impl Pos {
    /// A position from its parts.
    pub fn new(line: u32, col: u32, offset: usize) -> Self {
        Pos { line, col, offset }
    }
}

/// Longest run of bytes of a [`Text`] held by one segment.
const CHUNK: usize = 1024;

/// One run of bytes of [`Text::value`] that comes from one place of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    /// First byte of the run in `value`.
    value_start: usize,
    /// Source position of that byte.
    pos: Pos,
    /// The run is a verbatim copy of the source (so byte `k` of the run is source byte
    /// `pos.offset + k`); otherwise every byte of the run maps to `pos` (unescaped JSON
    /// characters and the like).
    verbatim: bool,
}

/// Logical text of an instruction's arguments: continuation lines joined the way BuildKit joins
/// them (escape char + newline removed, comment lines and empty lines inside a continuation
/// dropped), with the source position of every byte.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// The joined text.
    pub value: String,
    segments: Vec<Segment>,
    /// Position reported for an empty text (and before the first segment).
    anchor: Pos,
}

impl Text {
    /// An empty text anchored at `pos`.
    pub fn empty(anchor: Pos) -> Self {
        Text { value: String::new(), segments: Vec::new(), anchor }
    }

    /// A text that is a verbatim copy of the source starting at `pos`.
    pub fn verbatim(value: &str, pos: Pos) -> Self {
        let mut t = Text::empty(pos);
        t.push_verbatim(value, pos);
        t
    }

    /// Appends a verbatim copy of the source starting at `pos` (all of it on `pos.line`).
    /// Runs are cut into chunks of at most [`CHUNK`] bytes so that [`Text::pos`] stays cheap
    /// on huge lines.
    pub(crate) fn push_verbatim(&mut self, s: &str, pos: Pos) {
        if s.is_empty() {
            return;
        }
        if self.value.is_empty() && self.segments.is_empty() {
            self.anchor = pos;
        }
        let mut pos = pos;
        let mut rest = s;
        while !rest.is_empty() {
            let room = match self.segments.last() {
                Some(last)
                    if last.verbatim
                        && last.pos.line == pos.line
                        && last.pos.offset + (self.value.len() - last.value_start) == pos.offset =>
                {
                    CHUNK.saturating_sub(self.value.len() - last.value_start)
                }
                _ => 0,
            };
            let take = if room > 0 { room } else { CHUNK };
            let mut cut = take.min(rest.len());
            while cut < rest.len() && !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if cut == 0 {
                // A character longer than the room left: start a new chunk.
                cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
            }
            let (piece, tail) = rest.split_at(cut.min(rest.len()));
            if room == 0 || cut > room {
                self.segments.push(Segment { value_start: self.value.len(), pos, verbatim: true });
            }
            self.value.push_str(piece);
            let chars = u32::try_from(piece.chars().count()).unwrap_or(u32::MAX);
            pos = Pos { line: pos.line, col: pos.col.saturating_add(chars), offset: pos.offset + piece.len() };
            rest = tail;
        }
    }

    /// Appends text that does not appear verbatim in the source (an unescaped character); all of
    /// its bytes map to `pos`.
    pub(crate) fn push_mapped(&mut self, s: &str, pos: Pos) {
        if s.is_empty() {
            return;
        }
        if self.value.is_empty() && self.segments.is_empty() {
            self.anchor = pos;
        }
        self.segments.push(Segment { value_start: self.value.len(), pos, verbatim: false });
        self.value.push_str(s);
    }

    /// The sub-text of bytes `start..end` of `value` (clamped to char boundaries), positions kept.
    pub fn slice(&self, start: usize, end: usize) -> Text {
        let end = floor_boundary(&self.value, end.min(self.value.len()));
        let start = floor_boundary(&self.value, start.min(end));
        let mut out = Text::empty(self.pos(start));
        let first = self.segment_index(start);
        let mut i = first;
        while let Some(seg) = self.segments.get(i) {
            if seg.value_start >= end {
                break;
            }
            let seg_end = self.segments.get(i + 1).map_or(self.value.len(), |s| s.value_start);
            let a = seg.value_start.max(start);
            let b = seg_end.min(end);
            if a < b
                && let Some(piece) = self.value.get(a..b)
            {
                if seg.verbatim {
                    out.push_verbatim(piece, self.pos(a));
                } else {
                    out.push_mapped(piece, seg.pos);
                }
            }
            i += 1;
        }
        out
    }

    /// Index of the segment holding byte `b` (the first one when `b` precedes all).
    fn segment_index(&self, b: usize) -> usize {
        match self.segments.binary_search_by(|s| s.value_start.cmp(&b)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }

    /// Exact source position of byte `byte_in_value` of `value`. A byte past the end maps to
    /// just after the last byte; a byte inside a multi-byte character maps to that character.
    pub fn pos(&self, byte_in_value: usize) -> Pos {
        let b = floor_boundary(&self.value, byte_in_value.min(self.value.len()));
        if self.segments.is_empty() {
            return self.anchor;
        }
        let i = self.segment_index(b);
        let Some(seg) = self.segments.get(i) else { return self.anchor };
        if b < seg.value_start {
            return seg.pos;
        }
        if !seg.verbatim {
            if b >= self.value.len() {
                // Past the end of a synthetic run: one column further.
                return Pos { line: seg.pos.line, col: seg.pos.col + 1, offset: seg.pos.offset + 1 };
            }
            return seg.pos;
        }
        let delta = b - seg.value_start;
        let chars = self.value.get(seg.value_start..b).map_or(0, |s| s.chars().count());
        Pos {
            line: seg.pos.line,
            col: seg.pos.col.saturating_add(u32::try_from(chars).unwrap_or(u32::MAX)),
            offset: seg.pos.offset + delta,
        }
    }

    /// Source position of the first byte.
    pub fn start(&self) -> Pos {
        self.segments.first().map_or(self.anchor, |s| s.pos)
    }

    /// Source position just after the last byte.
    pub fn end(&self) -> Pos {
        self.pos(self.value.len())
    }

    /// The text with leading and trailing whitespace removed, positions kept.
    pub fn trimmed(&self) -> Text {
        let start = self.value.len() - self.value.trim_start().len();
        let end = self.value.trim_end().len();
        if start >= end {
            return Text::empty(self.pos(start.min(end)));
        }
        self.slice(start, end)
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Instruction keywords known to BuildKit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Keyword {
    /// `FROM`
    From,
    /// `RUN`
    Run,
    /// `CMD`
    Cmd,
    /// `ENTRYPOINT`
    Entrypoint,
    /// `COPY`
    Copy,
    /// `ADD`
    Add,
    /// `ENV`
    Env,
    /// `ARG`
    Arg,
    /// `USER`
    User,
    /// `WORKDIR`
    Workdir,
    /// `EXPOSE`
    Expose,
    /// `LABEL`
    Label,
    /// `HEALTHCHECK`
    Healthcheck,
    /// `SHELL`
    Shell,
    /// `ONBUILD`
    Onbuild,
    /// `MAINTAINER` (deprecated)
    Maintainer,
    /// `STOPSIGNAL`
    Stopsignal,
    /// `VOLUME`
    Volume,
    /// Anything else (reported as a parse error).
    Unknown,
}

impl Keyword {
    /// The keyword for an instruction name, case-insensitively.
    pub fn from_name(name: &str) -> Keyword {
        match name.to_ascii_lowercase().as_str() {
            "from" => Keyword::From,
            "run" => Keyword::Run,
            "cmd" => Keyword::Cmd,
            "entrypoint" => Keyword::Entrypoint,
            "copy" => Keyword::Copy,
            "add" => Keyword::Add,
            "env" => Keyword::Env,
            "arg" => Keyword::Arg,
            "user" => Keyword::User,
            "workdir" => Keyword::Workdir,
            "expose" => Keyword::Expose,
            "label" => Keyword::Label,
            "healthcheck" => Keyword::Healthcheck,
            "shell" => Keyword::Shell,
            "onbuild" => Keyword::Onbuild,
            "maintainer" => Keyword::Maintainer,
            "stopsignal" => Keyword::Stopsignal,
            "volume" => Keyword::Volume,
            _ => Keyword::Unknown,
        }
    }

    /// Upper-case name (`RUN`); `UNKNOWN` for [`Keyword::Unknown`].
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::From => "FROM",
            Keyword::Run => "RUN",
            Keyword::Cmd => "CMD",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Copy => "COPY",
            Keyword::Add => "ADD",
            Keyword::Env => "ENV",
            Keyword::Arg => "ARG",
            Keyword::User => "USER",
            Keyword::Workdir => "WORKDIR",
            Keyword::Expose => "EXPOSE",
            Keyword::Label => "LABEL",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Shell => "SHELL",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::Volume => "VOLUME",
            Keyword::Unknown => "UNKNOWN",
        }
    }

    /// Instructions whose arguments may carry heredocs (BuildKit: RUN, COPY, ADD).
    pub fn allows_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// A `--name=value` or `--name` flag before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name without the leading `--`.
    pub name: String,
    /// Value after `=` (quotes removed, escapes resolved, as BuildKit); `None` for a bare `--name`.
    pub value: Option<String>,
    /// Position of the leading `--`.
    pub pos: Pos,
}

/// Arguments of an instruction (flags removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Shell form: the joined text after the flags, leading/trailing whitespace trimmed.
    Shell(Text),
    /// JSON array (exec) form, strings unescaped.
    Exec(Vec<Text>),
}

impl Args {
    /// The shell-form text, if any.
    pub fn shell(&self) -> Option<&Text> {
        match self {
            Args::Shell(t) => Some(t),
            Args::Exec(_) => None,
        }
    }

    /// The exec-form strings, if any.
    pub fn exec(&self) -> Option<&[Text]> {
        match self {
            Args::Shell(_) => None,
            Args::Exec(v) => Some(v),
        }
    }

    /// True for the exec (JSON array) form.
    pub fn is_exec(&self) -> bool {
        matches!(self, Args::Exec(_))
    }
}

/// A heredoc attached to a RUN, COPY or ADD instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word (quotes removed).
    pub delimiter: String,
    /// `<<-`: leading tabs stripped from every body line.
    pub strip_tabs: bool,
    /// `<<"EOF"` / `<<'EOF'`: no expansion of the body.
    pub quoted: bool,
    /// The body: every line up to (excluding) the terminator line, each with its newline
    /// (leading tabs removed for `<<-`).
    pub body: Text,
    /// Position of the `<<`.
    pub pos: Pos,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword.
    pub keyword: Keyword,
    /// The keyword as written, e.g. `run`.
    pub name: String,
    /// Position of the keyword.
    pub pos: Pos,
    /// Last source line of the instruction (continuations and heredoc bodies included).
    pub end_line: u32,
    /// Flags before the arguments.
    pub flags: Vec<Flag>,
    /// Arguments, flags removed.
    pub args: Args,
    /// Heredocs (RUN, COPY, ADD only), in order.
    pub heredocs: Vec<Heredoc>,
    /// `ONBUILD RUN x`: keyword is `Onbuild`, this holds `RUN x`.
    pub onbuild: Option<Box<Instruction>>,
    /// Index into [`Dockerfile::stages`]; `None` before the first FROM.
    pub stage: Option<usize>,
}

impl Instruction {
    /// The first flag called `name` (without `--`).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Every flag called `name`.
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    /// The shell-form text of the arguments, or `None` for the exec form.
    pub fn shell_text(&self) -> Option<&Text> {
        self.args.shell()
    }

    /// Arguments split into words the way BuildKit splits ENV/ARG/LABEL/COPY/… arguments:
    /// on whitespace, quotes kept together (quotes removed, escapes resolved). Each word comes
    /// with the byte range of the arguments' text it spans. For the exec form, the strings.
    pub fn words(&self) -> Vec<(String, Text)> {
        match &self.args {
            Args::Exec(v) => v.iter().map(|t| (t.value.clone(), t.clone())).collect(),
            Args::Shell(t) => {
                crate::parse::split_words(t, '\\').into_iter().map(|(value, a, b)| (value, t.slice(a, b))).collect()
            }
        }
    }

    /// `KEY=value` pairs of ENV, ARG and LABEL (also the legacy `ENV KEY value` form); values
    /// with quotes removed. ARG without a default gives `None`.
    pub fn key_values(&self) -> Vec<KeyValue> {
        crate::parse::key_values(self)
    }
}

/// One `KEY=value` of an ENV, ARG or LABEL instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value (quotes removed, escapes resolved), `None` for `ARG NAME` without default.
    pub value: Option<String>,
    /// Source position of the key.
    pub pos: Pos,
}

/// One build stage (from a FROM to the next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Index in [`Dockerfile::stages`].
    pub index: usize,
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// The base image as written.
    pub base: String,
    /// The base image with the ARGs declared before the first FROM expanded.
    pub base_expanded: String,
    /// Index of the FROM instruction in [`Dockerfile::instructions`].
    pub instruction: usize,
    /// `--platform=` value, if any.
    pub platform: Option<String>,
}

/// A syntax error; parsing continues after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// Instructions in order.
    pub instructions: Vec<Instruction>,
    /// Build stages in order.
    pub stages: Vec<Stage>,
    /// Syntax errors.
    pub errors: Vec<ParseError>,
    /// The escape character (`\\` or `` ` `` from `# escape=`).
    pub escape: char,
    /// `# syntax=` directive value.
    pub syntax: Option<String>,
    /// Every `# ...` comment line (text after `#`, trimmed) with the position of its `#`;
    /// parser directives included.
    pub comments: Vec<(Pos, String)>,
}

impl Default for Dockerfile {
    fn default() -> Self {
        Dockerfile {
            instructions: Vec::new(),
            stages: Vec::new(),
            errors: Vec::new(),
            escape: '\\',
            syntax: None,
            comments: Vec::new(),
        }
    }
}

impl Dockerfile {
    /// Variables in scope at instruction `i` (ARGs before FROM that are re-declared in the
    /// stage, stage ARG defaults, ENV — inherited from a parent stage used as base), for
    /// [`crate::expand`]. Before the first FROM: the global ARGs declared so far.
    pub fn vars_at(&self, i: usize) -> impl Fn(&str) -> Option<String> + '_ {
        let map = self.scope_at(i);
        move |name: &str| map.get(name).cloned()
    }

    /// The variable map behind [`Dockerfile::vars_at`].
    pub(crate) fn scope_at(&self, i: usize) -> HashMap<String, String> {
        crate::parse::scope_at(self, i)
    }

    /// The stage an instruction belongs to.
    pub fn stage_of(&self, i: usize) -> Option<&Stage> {
        self.instructions.get(i).and_then(|ins| ins.stage).and_then(|s| self.stages.get(s))
    }

    /// The stage named `name` (case-insensitive) or with that numeric index.
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| name.parse::<usize>().ok().and_then(|n| self.stages.get(n)))
    }
}
