//! The Dockerfile parser, following BuildKit's `frontend/dockerfile/parser` semantics.
//!
//! A file is read line by line. Parser directives (`# syntax=`, `# escape=`, `# check=`) are
//! only recognised before any other line. A non-empty, non-comment line starts an instruction;
//! when it ends with the escape character (trailing blanks allowed) the next lines are joined
//! to it, skipping comment lines and blank lines. The first word is the instruction name, then
//! come `--flags`, then the arguments (JSON array or shell form). RUN, COPY and ADD may name
//! heredocs (`<<EOF`), whose bodies follow the instruction's last line.

use std::collections::HashMap;

use crate::expand::expand;
use crate::model::{Args, Dockerfile, Flag, Heredoc, Instruction, KeyValue, Keyword, ParseError, Pos, Stage, Text};

/// Larger files are refused.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Parsing stops after this many instructions.
pub const MAX_INSTRUCTIONS: usize = 100_000;

/// One physical line of the source.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// The line without its line terminator (`\r` and `\n` removed from the end).
    text: &'a str,
    /// The line with its terminator.
    raw: &'a str,
    /// Byte offset of `text` in the file.
    offset: usize,
    /// 1-based line number.
    number: u32,
}

impl Line<'_> {
    /// Position of byte `b` of `text`.
    fn pos(&self, b: usize) -> Pos {
        let b = b.min(self.text.len());
        let col = self.text.get(..b).map_or(b, |s| s.chars().count());
        Pos {
            line: self.number,
            col: u32::try_from(col).unwrap_or(u32::MAX).saturating_add(1),
            offset: self.offset + b,
        }
    }
}

fn split_lines(src: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for (n, raw) in src.split_inclusive('\n').enumerate() {
        let mut text = raw.trim_end_matches(['\r', '\n']);
        let mut raw = raw;
        let mut start = offset;
        if n == 0
            && let Some(rest) = text.strip_prefix('\u{feff}')
        {
            text = rest;
            raw = raw.get(3..).unwrap_or("");
            start += 3;
        }
        lines.push(Line { text, raw, offset: start, number: u32::try_from(n + 1).unwrap_or(u32::MAX) });
        offset += raw.len() + (start - offset);
    }
    lines
}

/// Is `c` one of Go's `unicode.IsSpace` characters that matter here.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `reWhitespace` class `[\t\v\f\r ]`.
fn is_sep(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

fn is_comment(text: &str) -> bool {
    text.trim_start_matches(is_space).starts_with('#')
}

/// Strips a trailing line-continuation escape (BuildKit's `lineContinuationRegex`): the escape
/// character followed only by blanks, not itself preceded by the escape character (unless it
/// is alone on the line). Returns the kept text and whether the line continues.
fn strip_continuation(text: &str, escape: char) -> (&str, bool) {
    let t = text.trim_end_matches([' ', '\t']);
    if let Some(before) = t.strip_suffix(escape)
        && (before.is_empty() || !before.ends_with(escape))
    {
        return (before, true);
    }
    (text, false)
}

/// A parser directive line: `# name = value`, name one of syntax/escape/check.
fn directive(text: &str) -> Option<(String, String)> {
    let rest = text.trim_start_matches(is_space).strip_prefix('#')?;
    let rest = rest.trim_start_matches(is_space);
    let name_len = rest.chars().take_while(char::is_ascii_alphanumeric).map(char::len_utf8).sum::<usize>();
    let name = rest.get(..name_len)?;
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = rest.get(name_len..)?.trim_start_matches(is_space).strip_prefix('=')?;
    let value = after.trim_matches(is_space);
    if value.is_empty() {
        return None;
    }
    let name = name.to_ascii_lowercase();
    matches!(name.as_str(), "syntax" | "escape" | "check").then(|| (name, value.to_string()))
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    next: usize,
    df: Dockerfile,
    globals: HashMap<String, String>,
}

/// Parses a Dockerfile. Never fails: syntax errors are in [`Dockerfile::errors`] and parsing
/// goes on with the next instruction.
pub fn parse(text: &str) -> Dockerfile {
    let mut df = Dockerfile::default();
    if text.len() > MAX_FILE_BYTES {
        df.errors.push(ParseError {
            pos: Pos::new(1, 1, 0),
            message: format!("file is {} bytes, larger than the limit of {MAX_FILE_BYTES} bytes", text.len()),
        });
        return df;
    }
    let mut p = Parser { lines: split_lines(text), next: 0, df, globals: HashMap::new() };
    p.run();
    p.df
}

impl<'a> Parser<'a> {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.df.errors.push(ParseError { pos, message: message.into() });
    }

    fn comment(&mut self, line: Line<'a>) {
        let lead = line.text.len() - line.text.trim_start_matches(is_space).len();
        let body = line.text.get(lead + 1..).unwrap_or("").trim();
        self.df.comments.push((line.pos(lead), body.to_string()));
    }

    fn run(&mut self) {
        let mut directives_done = false;
        let mut seen: Vec<String> = Vec::new();
        while let Some(&line) = self.lines.get(self.next) {
            self.next += 1;
            if !directives_done {
                if let Some((name, value)) = directive(line.text) {
                    self.comment(line);
                    let lead = line.text.len() - line.text.trim_start_matches(is_space).len();
                    if seen.contains(&name) {
                        self.error(line.pos(lead), format!("only one {name} parser directive can be used"));
                        continue;
                    }
                    seen.push(name.clone());
                    match name.as_str() {
                        "escape" => match value.as_str() {
                            "\\" => self.df.escape = '\\',
                            "`" => self.df.escape = '`',
                            _ => self.error(
                                line.pos(lead),
                                format!("invalid escape token '{value}' does not match ` or \\"),
                            ),
                        },
                        "syntax" => self.df.syntax = Some(value),
                        _ => {}
                    }
                    continue;
                }
                directives_done = true;
            }
            let trimmed = line.text.trim_start_matches(is_space);
            if trimmed.starts_with('#') {
                self.comment(line);
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            if self.df.instructions.len() >= MAX_INSTRUCTIONS {
                let pos = line.pos(line.text.len() - trimmed.len());
                self.error(pos, format!("more than {MAX_INSTRUCTIONS} instructions; the rest of the file is ignored"));
                return;
            }
            self.instruction(line);
        }
    }

    /// Reads the instruction starting at `first` (and its continuation lines and heredocs).
    fn instruction(&mut self, first: Line<'a>) {
        let escape = self.df.escape;
        let lead = first.text.len() - first.text.trim_start_matches(is_space).len();
        let start = first.pos(lead);
        let mut text = Text::empty(start);
        let (piece, mut cont) = strip_continuation(first.text.get(lead..).unwrap_or(""), escape);
        text.push_verbatim(piece, start);
        let mut end_line = first.number;
        while cont && let Some(&line) = self.lines.get(self.next) {
            self.next += 1;
            if is_comment(line.text) {
                self.comment(line);
                continue;
            }
            if line.text.trim_start_matches(is_space).is_empty() {
                continue;
            }
            end_line = line.number;
            let (piece, c) = strip_continuation(line.text, escape);
            cont = c;
            text.push_verbatim(piece, line.pos(0));
        }
        let mut ins = build(&text, escape, &mut self.df.errors, 0);
        ins.end_line = end_line;
        // Heredoc bodies follow the instruction's last line, in order.
        let target = match ins.onbuild.as_deref_mut() {
            Some(inner) => inner,
            None => &mut ins,
        };
        let mut heredoc_end = end_line;
        for doc in &mut target.heredocs {
            let mut terminated = false;
            let mut body = Text::empty(Pos::new(heredoc_end.saturating_add(1), 1, self.offset_of_next()));
            while let Some(&line) = self.lines.get(self.next) {
                self.next += 1;
                heredoc_end = line.number;
                let candidate = if doc.strip_tabs { line.text.trim_start_matches('\t') } else { line.text };
                if candidate == doc.delimiter {
                    terminated = true;
                    break;
                }
                let skip = if doc.strip_tabs { line.raw.len() - line.raw.trim_start_matches('\t').len() } else { 0 };
                body.push_verbatim(line.raw.get(skip..).unwrap_or(""), line.pos(skip));
            }
            doc.body = body;
            if !terminated {
                self.df.errors.push(ParseError {
                    pos: doc.pos,
                    message: format!(
                        "unterminated heredoc: no line `{}` closes the heredoc started on line {}",
                        doc.delimiter, doc.pos.line
                    ),
                });
            }
        }
        ins.end_line = heredoc_end;
        if let Some(inner) = ins.onbuild.as_deref_mut() {
            inner.end_line = heredoc_end;
        }
        self.place(ins);
    }

    fn offset_of_next(&self) -> usize {
        self.lines.get(self.next).map_or_else(|| self.lines.last().map_or(0, |l| l.offset + l.raw.len()), |l| l.offset)
    }

    /// Records the instruction: stages, global ARGs, stage index.
    fn place(&mut self, mut ins: Instruction) {
        let index = self.df.instructions.len();
        match ins.keyword {
            Keyword::From => {
                let stage = self.stage(&ins, index);
                ins.stage = Some(stage.index);
                self.df.stages.push(stage);
            }
            Keyword::Arg if self.df.stages.is_empty() => {
                for kv in key_values_with(&ins, self.df.escape) {
                    if let Some(value) = kv.value {
                        let globals = &self.globals;
                        let v = expand(&value, &|n: &str| globals.get(n).cloned());
                        self.globals.insert(kv.key, v);
                    }
                }
                ins.stage = None;
            }
            _ => ins.stage = self.df.stages.len().checked_sub(1),
        }
        self.df.instructions.push(ins);
    }

    fn stage(&mut self, ins: &Instruction, index: usize) -> Stage {
        let words: Vec<(String, Text)> = match &ins.args {
            Args::Shell(t) => split_sep(&t.value).into_iter().map(|(a, b)| (String::new(), t.slice(a, b))).collect(),
            Args::Exec(v) => v.iter().map(|t| (String::new(), t.clone())).collect(),
        };
        let words: Vec<Text> = words.into_iter().map(|(_, t)| t).collect();
        let base = words.first().map(|t| t.value.clone()).unwrap_or_default();
        let mut name = None;
        match words.len() {
            0 => self.error(ins.pos, "FROM requires either one or three arguments"),
            1 => {}
            3 if words.get(1).is_some_and(|w| w.value.eq_ignore_ascii_case("as")) => {
                name = words.get(2).map(|w| w.value.to_ascii_lowercase());
            }
            _ => {
                let pos = words.get(1).map_or(ins.pos, Text::start);
                self.error(pos, "FROM requires either one or three arguments (`FROM image [AS name]`)");
            }
        }
        let globals = &self.globals;
        let base_expanded = expand(&base, &|n: &str| globals.get(n).cloned());
        let platform = ins.flag("platform").and_then(|f| f.value.clone());
        Stage { index: self.df.stages.len(), name, base, base_expanded, instruction: index, platform }
    }
}

/// Byte ranges of the words of `s` separated by BuildKit's `reWhitespace`.
fn split_sep(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if is_sep(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// Builds an instruction from its joined text (heredoc bodies still empty).
fn build(text: &Text, escape: char, errors: &mut Vec<ParseError>, depth: usize) -> Instruction {
    let t = text.trimmed();
    let v = t.value.as_str();
    let name_end = v.find(is_sep).unwrap_or(v.len());
    let name = v.get(..name_end).unwrap_or("").to_string();
    let rest_start = v.get(name_end..).map_or(v.len(), |r| name_end + (r.len() - r.trim_start_matches(is_sep).len()));
    let pos = t.start();
    let keyword = Keyword::from_name(&name);
    let (flags, args_start) = extract_flags(&t, rest_start, escape);
    let args_text = t.slice(args_start, v.len()).trimmed();
    let mut ins = Instruction {
        keyword,
        name: name.clone(),
        pos,
        end_line: pos.line,
        flags,
        args: Args::Shell(Text::empty(args_text.start())),
        heredocs: Vec::new(),
        onbuild: None,
        stage: None,
    };
    if keyword == Keyword::Unknown {
        errors.push(ParseError { pos, message: format!("unknown instruction: {name}") });
        ins.args = Args::Shell(args_text);
        return ins;
    }
    ins.args = match keyword {
        Keyword::Run
        | Keyword::Cmd
        | Keyword::Entrypoint
        | Keyword::Shell
        | Keyword::Add
        | Keyword::Copy
        | Keyword::Volume => maybe_json(&args_text, errors),
        Keyword::Healthcheck => {
            // `HEALTHCHECK CMD …`: the shell form keeps the whole text (`CMD curl …`, `NONE`);
            // a JSON array after the type gives the exec form.
            let av = args_text.value.as_str();
            let sep = av.find(is_space).unwrap_or(av.len());
            let cmd_start = av.get(sep..).map_or(av.len(), |r| sep + (r.len() - r.trim_start_matches(is_space).len()));
            let cmd = args_text.slice(cmd_start, av.len());
            match maybe_json(&cmd, errors) {
                exec @ Args::Exec(_) => exec,
                Args::Shell(_) => Args::Shell(args_text),
            }
        }
        Keyword::Onbuild => {
            if depth == 0 && !args_text.value.is_empty() {
                let mut inner = build(&args_text, escape, errors, depth + 1);
                if matches!(inner.keyword, Keyword::Onbuild | Keyword::From | Keyword::Maintainer) {
                    errors.push(ParseError {
                        pos: inner.pos,
                        message: format!("{} isn't allowed as an ONBUILD trigger", inner.keyword.as_str()),
                    });
                }
                inner.end_line = ins.end_line;
                ins.onbuild = Some(Box::new(inner));
            }
            Args::Shell(args_text)
        }
        _ => Args::Shell(args_text),
    };
    if keyword.allows_heredocs()
        && let Args::Shell(a) = &ins.args
        && a.value.contains("<<")
    {
        ins.heredocs = heredocs_in(a);
    }
    if matches!(keyword, Keyword::Env | Keyword::Label) {
        name_val_errors(&ins, escape, errors);
    }
    ins
}

/// BuildKit's `extractBuilderFlags`: `--name[=value]` words (quotes and escapes processed)
/// from byte `start` of `t`; a lone `--` ends them. Returns the flags and where the arguments start.
fn extract_flags(t: &Text, start: usize, escape: char) -> (Vec<Flag>, usize) {
    let v = t.value.as_str();
    let mut flags = Vec::new();
    let mut pos = start;
    loop {
        let Some(rest) = v.get(pos..) else { return (flags, v.len()) };
        let skipped = rest.len() - rest.trim_start_matches(is_space).len();
        pos += skipped;
        let rest = v.get(pos..).unwrap_or("");
        if !rest.starts_with("--") {
            return (flags, pos);
        }
        let word_start = pos;
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut chars = rest.char_indices().peekable();
        let mut end = v.len();
        while let Some((i, c)) = chars.next() {
            match quote {
                None if is_space(c) => {
                    end = word_start + i;
                    break;
                }
                None if c == '\'' || c == '"' => quote = Some(c),
                Some(q) if c == q => quote = None,
                _ if c == escape => match chars.next() {
                    Some((_, n)) => word.push(n),
                    None => quote = None,
                },
                _ => word.push(c),
            }
        }
        pos = end;
        if word == "--" {
            return (flags, pos);
        }
        let body = word.strip_prefix("--").unwrap_or(&word);
        let (name, value) = match body.split_once('=') {
            Some((n, val)) => (n.to_string(), Some(val.to_string())),
            None => (body.to_string(), None),
        };
        flags.push(Flag { name, value, pos: t.pos(word_start) });
    }
}

enum Json {
    Invalid,
    NonStrings,
    Strings(Vec<Text>),
}

/// `parseMaybeJSON`: a JSON array of strings gives the exec form, anything else the shell form
/// (a JSON array with non-string elements is an error, as in BuildKit).
fn maybe_json(t: &Text, errors: &mut Vec<ParseError>) -> Args {
    match json_array(t) {
        Json::Strings(v) => Args::Exec(v),
        Json::NonStrings => {
            errors.push(ParseError {
                pos: t.start(),
                message: "when using JSON array syntax, arrays must be comprised of strings only".into(),
            });
            Args::Shell(t.clone())
        }
        Json::Invalid => Args::Shell(t.clone()),
    }
}

fn json_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn json_array(t: &Text) -> Json {
    let v = t.value.as_str();
    let b = v.as_bytes();
    let mut i = json_ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return Json::Invalid;
    }
    i = json_ws(b, i + 1);
    let mut out = Vec::new();
    if b.get(i) == Some(&b']') {
        return if json_ws(b, i + 1) == b.len() { Json::Strings(out) } else { Json::Invalid };
    }
    loop {
        i = json_ws(b, i);
        if b.get(i) != Some(&b'"') {
            return match serde_json::from_str::<Vec<serde_json::Value>>(v) {
                Ok(_) => Json::NonStrings,
                Err(_) => Json::Invalid,
            };
        }
        let Some((s, next)) = json_string(t, i) else { return Json::Invalid };
        out.push(s);
        i = json_ws(b, next);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => {
                return if json_ws(b, i + 1) == b.len() { Json::Strings(out) } else { Json::Invalid };
            }
            _ => return Json::Invalid,
        }
    }
}

/// Parses the JSON string whose opening quote is at byte `start`; returns it and the byte
/// after the closing quote.
fn json_string(t: &Text, start: usize) -> Option<(Text, usize)> {
    let v = t.value.as_str();
    let mut out = Text::empty(t.pos(start + 1));
    let mut i = start + 1;
    let mut run_start = i;
    let flush = |out: &mut Text, a: usize, b: usize| {
        if let Some(s) = v.get(a..b) {
            out.push_verbatim(s, t.pos(a));
        }
    };
    loop {
        let c = v.get(i..)?.chars().next()?;
        match c {
            '"' => {
                flush(&mut out, run_start, i);
                return Some((out, i + 1));
            }
            '\\' => {
                flush(&mut out, run_start, i);
                let e = v.as_bytes().get(i + 1).copied()?;
                let (ch, len) = match e {
                    b'"' => ('"', 2),
                    b'\\' => ('\\', 2),
                    b'/' => ('/', 2),
                    b'b' => ('\u{8}', 2),
                    b'f' => ('\u{c}', 2),
                    b'n' => ('\n', 2),
                    b'r' => ('\r', 2),
                    b't' => ('\t', 2),
                    b'u' => {
                        let hi = hex4(v, i + 2)?;
                        if (0xD800..0xDC00).contains(&hi)
                            && v.get(i + 6..i + 8) == Some("\\u")
                            && let Some(lo) = hex4(v, i + 8)
                            && (0xDC00..0xE000).contains(&lo)
                        {
                            let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            (char::from_u32(code).unwrap_or('\u{fffd}'), 12)
                        } else {
                            (char::from_u32(hi).unwrap_or('\u{fffd}'), 6)
                        }
                    }
                    _ => return None,
                };
                let mut buf = [0u8; 4];
                out.push_mapped(ch.encode_utf8(&mut buf), t.pos(i));
                i += len;
                run_start = i;
            }
            c if (c as u32) < 0x20 => return None,
            c => i += c.len_utf8(),
        }
    }
}

fn hex4(v: &str, at: usize) -> Option<u32> {
    let h = v.get(at..at + 4)?;
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(h, 16).ok()
}

/// Byte ranges of the words of `s` as BuildKit's shell lexer sees them with raw quotes and raw
/// escapes (`heredocsFromLine`): blanks separate words, quotes group, `\` escapes, and the
/// blanks right after a `<<` belong to the word.
fn raw_words(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while let Some(&c) = b.get(i) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => break,
                b'\\' => i += 2,
                b'\'' => {
                    i += 1;
                    while b.get(i).is_some_and(|&c| c != b'\'') {
                        i += 1;
                    }
                    i += 1;
                }
                b'"' => {
                    i += 1;
                    while let Some(&c) = b.get(i) {
                        if c == b'"' {
                            break;
                        }
                        i += if c == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'<' if b.get(i + 1) == Some(&b'<') => {
                    i += 2;
                    while matches!(b.get(i), Some(b' ' | b'\t')) {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        let mut end = i.min(b.len());
        while end > start && !s.is_char_boundary(end) {
            end -= 1;
        }
        out.push((start, end));
        i = end.max(start + 1);
    }
    out
}

/// Shell unquoting of a heredoc word: returns the word and whether quotes were removed.
fn unquote(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = s.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                quoted = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    (out, quoted)
}

/// The heredocs named in an instruction's arguments (`^(\d*)<<(-?)\s*([^<]*)$` words).
fn heredocs_in(args: &Text) -> Vec<Heredoc> {
    let mut docs = Vec::new();
    for (a, b) in raw_words(&args.value) {
        let Some(word) = args.value.get(a..b) else { continue };
        let digits = word.bytes().take_while(u8::is_ascii_digit).count();
        let Some(r) = word.get(digits..).and_then(|r| r.strip_prefix("<<")) else { continue };
        let (strip_tabs, r) = match r.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, r),
        };
        let r = r.trim_start_matches(is_space);
        if r.is_empty() || r.contains('<') {
            continue;
        }
        let (delimiter, quoted) = unquote(r);
        if delimiter.is_empty() {
            continue;
        }
        docs.push(Heredoc { delimiter, strip_tabs, quoted, body: Text::default(), pos: args.pos(a + digits) });
    }
    docs
}

/// BuildKit's `parseWords` followed by quote removal: words of `t` split on blanks, quotes
/// kept together. Returns (value, start byte, end byte).
pub(crate) fn split_words(t: &Text, escape: char) -> Vec<(String, usize, usize)> {
    let v = t.value.as_str();
    let mut out = Vec::new();
    let mut chars = v.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_space(c) {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut end = v.len();
        while let Some(&(i, c)) = chars.peek() {
            if quote.is_none() && is_space(c) {
                end = i;
                break;
            }
            chars.next();
            match quote {
                None if c == '\'' || c == '"' => quote = Some(c),
                None if c == escape => {
                    if let Some((_, n)) = chars.next() {
                        word.push(n);
                    }
                }
                Some(q) if c == q => quote = None,
                Some('"') if c == escape => match chars.peek() {
                    Some(&(_, n)) if n == '"' || n == '$' || n == escape => {
                        word.push(n);
                        chars.next();
                    }
                    _ => word.push(c),
                },
                _ => word.push(c),
            }
        }
        out.push((word, start, end));
    }
    out
}

fn name_val_errors(ins: &Instruction, escape: char, errors: &mut Vec<ParseError>) {
    let Args::Shell(t) = &ins.args else { return };
    let words = split_words(t, escape);
    let Some((first, _, _)) = words.first() else {
        errors.push(ParseError { pos: ins.pos, message: format!("{} requires at least one argument", ins.name) });
        return;
    };
    if !first.contains('=') {
        if words.len() < 2 {
            errors.push(ParseError { pos: ins.pos, message: format!("{} must have two arguments", ins.name) });
        }
        return;
    }
    for (w, a, _) in &words {
        if !w.contains('=') {
            errors.push(ParseError {
                pos: t.pos(*a),
                message: format!("Syntax error - can't find = in {w:?}. Must be of the form: name=value"),
            });
        }
    }
}

/// `KEY=value` pairs of ENV, ARG and LABEL.
/// The escape character is not recorded on the instruction: guess it (a backtick-escaped
/// Windows file has backticks and usually no escaping backslashes).
pub(crate) fn key_values(ins: &Instruction) -> Vec<KeyValue> {
    let escape = match &ins.args {
        Args::Shell(t) if t.value.contains('`') && !t.value.contains('\\') => '`',
        _ => '\\',
    };
    key_values_with(ins, escape)
}

/// `KEY=value` pairs of ENV, ARG and LABEL with a known escape character.
pub(crate) fn key_values_with(ins: &Instruction, escape: char) -> Vec<KeyValue> {
    let Args::Shell(t) = &ins.args else { return Vec::new() };
    let words = split_words(t, escape);
    let mut out = Vec::new();
    match ins.keyword {
        Keyword::Arg => {
            for (w, a, _) in words {
                let (key, value) = match w.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (w, None),
                };
                out.push(KeyValue { key, value, pos: t.pos(a) });
            }
        }
        Keyword::Env | Keyword::Label => {
            let Some((first, _, _)) = words.first() else { return out };
            if !first.contains('=') {
                // Legacy `ENV KEY value with spaces`.
                let v = t.value.as_str();
                let key_end = v.find(is_sep).unwrap_or(v.len());
                let rest = v.get(key_end..).unwrap_or("").trim_start_matches(is_sep);
                let rest_start = v.len() - rest.len();
                let value: Vec<String> =
                    split_words(&t.slice(rest_start, v.len()), escape).into_iter().map(|(w, _, _)| w).collect();
                let key = v.get(..key_end).unwrap_or("").to_string();
                out.push(KeyValue { key, value: Some(value.join(" ")), pos: t.start() });
                return out;
            }
            for (w, a, _) in words {
                if let Some((k, v)) = w.split_once('=') {
                    out.push(KeyValue { key: k.to_string(), value: Some(v.to_string()), pos: t.pos(a) });
                }
            }
        }
        _ => {}
    }
    out
}

/// Variables in scope at instruction `i`: see [`Dockerfile::vars_at`].
pub(crate) fn scope_at(df: &Dockerfile, i: usize) -> HashMap<String, String> {
    // Global ARGs (before the first FROM).
    let first_from = df.stages.first().map_or(df.instructions.len(), |s| s.instruction);
    let mut globals: HashMap<String, String> = HashMap::new();
    for ins in df.instructions.iter().take(first_from.min(i)) {
        if ins.keyword == Keyword::Arg && ins.stage.is_none() {
            for kv in key_values_with(ins, df.escape) {
                if let Some(v) = kv.value {
                    let e = expand(&v, &|n: &str| globals.get(n).cloned());
                    globals.insert(kv.key, e);
                }
            }
        }
    }
    let Some(ins) = df.instructions.get(i) else { return globals };
    let Some(stage) = ins.stage else { return globals };
    if ins.keyword == Keyword::From {
        return globals;
    }
    // Chain of stages: this one, its parent (a stage used as base), …, oldest first.
    let mut chain = vec![stage];
    let mut current = stage;
    while let Some(s) = df.stages.get(current) {
        let base = s.base_expanded.to_ascii_lowercase();
        match df.stages.iter().take(current).rposition(|p| p.name.as_deref() == Some(base.as_str())) {
            Some(parent) => {
                chain.push(parent);
                current = parent;
            }
            None => break,
        }
    }
    let mut env: HashMap<String, String> = HashMap::new();
    for &s in chain.iter().rev() {
        let Some(st) = df.stages.get(s) else { continue };
        let end = if s == stage { i } else { df.stages.get(s + 1).map_or(df.instructions.len(), |n| n.instruction) };
        let mut args: HashMap<String, String> = HashMap::new();
        for ins in df.instructions.get(st.instruction + 1..end).unwrap_or(&[]) {
            match ins.keyword {
                Keyword::Arg => {
                    for kv in key_values_with(ins, df.escape) {
                        let value = match kv.value {
                            Some(v) => Some(expand(&v, &|n: &str| env.get(n).or_else(|| args.get(n)).cloned())),
                            None => globals.get(&kv.key).cloned(),
                        };
                        if let Some(v) = value {
                            args.insert(kv.key, v);
                        }
                    }
                }
                Keyword::Env => {
                    for kv in key_values_with(ins, df.escape) {
                        if let Some(v) = kv.value {
                            let e = expand(&v, &|n: &str| env.get(n).or_else(|| args.get(n)).cloned());
                            env.insert(kv.key, e);
                        }
                    }
                }
                _ => {}
            }
        }
        if s == stage {
            for (k, v) in args {
                env.entry(k).or_insert(v);
            }
        }
    }
    env
}
