//! A small POSIX-sh word splitter, enough for linting `RUN` scripts (not an interpreter).
//!
//! Words keep `$VAR`, `$(…)` and backticks as written; quotes are removed and backslash
//! escapes resolved. Commands are split on `&&`, `||`, `;`, `|`, `&`, newlines, and the
//! parentheses/braces of subshells and groups (which are flattened). Redirections (`>f`,
//! `2>&1`, `<f`, `>>f`, `<<EOF`…) are dropped from the words. `sh -c "…"` is not re-parsed.
//!
//! ```
//! use vigil_dockerfile::shell;
//! let s = shell::parse("DEBIAN_FRONTEND=noninteractive apt-get install -y 'curl' 2>&1 | tee log");
//! assert_eq!(s.commands.len(), 2);
//! assert_eq!(s.commands[0].assignments[0].value, "DEBIAN_FRONTEND=noninteractive");
//! assert_eq!(s.commands[0].program(), Some("apt-get"));
//! assert_eq!(s.commands[0].args().iter().map(|w| w.value.as_str()).collect::<Vec<_>>(), ["install", "-y", "curl"]);
//! assert!(s.commands[0].pipe_to_next && s.commands[1].in_pipeline);
//! ```

/// One word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes removed and escapes resolved; `$VARS` left as written.
    pub value: String,
    /// First byte of the word in the script.
    pub start: usize,
    /// Byte after the word in the script.
    pub end: usize,
    /// Some part of the word was quoted.
    pub quoted: bool,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// `FOO=bar` assignments before the program.
    pub assignments: Vec<Word>,
    /// Program and arguments, redirections removed.
    pub words: Vec<Word>,
    /// `cmd | next`.
    pub pipe_to_next: bool,
    /// Part of a pipeline of two or more commands.
    pub in_pipeline: bool,
}

/// Programs that run another program given as their arguments.
const WRAPPERS: &[&str] = &["sudo", "env", "nohup", "time", "exec", "command", "nice", "doas", "su-exec", "gosu"];

impl Command {
    /// Basename of the program (`/usr/bin/apt-get` → `apt-get`).
    pub fn program(&self) -> Option<&str> {
        self.words.first().map(|w| basename(&w.value))
    }

    /// Arguments after the program.
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The command with leading wrappers (`sudo`, `env`, `nohup`, `time`, `exec`, `command`,
    /// `nice`, `doas`) and their options removed: `sudo -E env FOO=1 apt-get install x` →
    /// `apt-get install x` (with `FOO=1` as an assignment). `gosu`/`su-exec` also drop their
    /// user argument.
    pub fn unwrapped(&self) -> Command {
        let mut words: &[Word] = &self.words;
        let mut assignments = self.assignments.clone();
        while let Some(first) = words.first() {
            let name = basename(&first.value);
            if !WRAPPERS.contains(&name) {
                break;
            }
            words = words.get(1..).unwrap_or(&[]);
            // Options of the wrapper (`sudo -u root`, `nice -n 10`), then env-style assignments.
            while let Some(w) = words.first() {
                if w.value == "--" {
                    words = words.get(1..).unwrap_or(&[]);
                    break;
                }
                if !w.value.starts_with('-') || w.value == "-" {
                    break;
                }
                let takes_value = matches!(
                    (name, w.value.as_str()),
                    ("sudo", "-u" | "-g" | "-C" | "-h" | "-p" | "-U")
                        | ("nice", "-n")
                        | ("env", "-u" | "-C" | "-S")
                        | ("doas", "-u" | "-C")
                );
                words = words.get(if takes_value { 2 } else { 1 }..).unwrap_or(&[]);
            }
            if matches!(name, "gosu" | "su-exec") {
                words = words.get(1..).unwrap_or(&[]);
            }
            while let Some(w) = words.first().filter(|w| is_assignment(&w.value)) {
                assignments.push(w.clone());
                words = words.get(1..).unwrap_or(&[]);
            }
        }
        Command { assignments, words: words.to_vec(), pipe_to_next: self.pipe_to_next, in_pipeline: self.in_pipeline }
    }

    /// True when an argument is the short option `short` (also inside a group such as `-qy`)
    /// or the long option `--long` (also `--long=value`).
    pub fn has_flag(&self, short: Option<char>, long: &str) -> bool {
        self.args().iter().any(|w| {
            let v = w.value.as_str();
            if let Some(l) = v.strip_prefix("--") {
                return !long.is_empty() && (l == long || l.strip_prefix(long).is_some_and(|r| r.starts_with('=')));
            }
            match (short, v.strip_prefix('-')) {
                (Some(s), Some(group)) => {
                    !group.is_empty() && group.chars().all(|c| c.is_ascii_alphanumeric()) && group.contains(s)
                }
                _ => false,
            }
        })
    }

    /// Arguments that are not options (do not start with `-`).
    pub fn positional(&self) -> impl Iterator<Item = &Word> {
        self.args().iter().filter(|w| !w.value.starts_with('-'))
    }
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_assignment(s: &str) -> bool {
    match s.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// A split script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Simple commands in order.
    pub commands: Vec<Command>,
}

#[derive(Debug, PartialEq, Eq)]
enum Tok {
    Word(Word),
    /// Command separator; `true` for a pipe.
    Sep(bool),
    /// A redirection operator; `true` when it takes a target word.
    Redirect(bool),
}

/// Splits `script` into commands and words. Never panics; an unterminated quote makes the
/// rest of the input one word.
pub fn parse(script: &str) -> Script {
    let toks = tokens(script);
    let mut script_out = Script::default();
    let mut cur = Command::default();
    let mut in_pipeline = false;
    let mut skip_next_word = false;
    for tok in toks {
        match tok {
            Tok::Word(w) => {
                if skip_next_word {
                    skip_next_word = false;
                    continue;
                }
                if cur.words.is_empty() && is_assignment(&w.value) {
                    cur.assignments.push(w);
                } else {
                    cur.words.push(w);
                }
            }
            Tok::Redirect(takes) => skip_next_word = takes,
            Tok::Sep(pipe) => {
                skip_next_word = false;
                let empty = cur.words.is_empty() && cur.assignments.is_empty();
                if !empty {
                    cur.pipe_to_next = pipe;
                    cur.in_pipeline = pipe || in_pipeline;
                    script_out.commands.push(std::mem::take(&mut cur));
                    in_pipeline = pipe;
                } else if !pipe {
                    in_pipeline = false;
                }
            }
        }
    }
    if !cur.words.is_empty() || !cur.assignments.is_empty() {
        cur.in_pipeline = in_pipeline;
        script_out.commands.push(cur);
    }
    script_out
}

fn tokens(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(&c) = b.get(i) else { break };
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' | b';' | b'(' | b')' => {
                out.push(Tok::Sep(false));
                i += 1;
            }
            b'&' => {
                if b.get(i + 1) == Some(&b'>') {
                    // `&>file` / `&>>file`
                    i += if b.get(i + 2) == Some(&b'>') { 3 } else { 2 };
                    out.push(Tok::Redirect(true));
                } else {
                    out.push(Tok::Sep(false));
                    i += if b.get(i + 1) == Some(&b'&') { 2 } else { 1 };
                }
            }
            b'|' => {
                if b.get(i + 1) == Some(&b'|') {
                    out.push(Tok::Sep(false));
                    i += 2;
                } else {
                    out.push(Tok::Sep(true));
                    i += if b.get(i + 1) == Some(&b'&') { 2 } else { 1 };
                }
            }
            b'<' | b'>' => i = redirect(b, i, &mut out),
            b'#' => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'{' | b'}' if b.get(i + 1).is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b';')) => {
                out.push(Tok::Sep(false));
                i += 1;
            }
            b'0'..=b'9' if digits_then_redirect(b, i) => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                i = redirect(b, i, &mut out);
            }
            _ => {
                let (w, next) = word(s, i);
                out.push(Tok::Word(w));
                i = next.max(i + 1);
            }
        }
    }
    out
}

fn digits_then_redirect(b: &[u8], mut i: usize) -> bool {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    matches!(b.get(i), Some(b'<' | b'>'))
}

/// Reads a redirection operator at `i` (`>`, `>>`, `>&2`, `<`, `<<EOF`, `<<<`, `>|`…).
fn redirect(b: &[u8], mut i: usize, out: &mut Vec<Tok>) -> usize {
    let first = b.get(i).copied();
    i += 1;
    while b.get(i) == first.as_ref() || matches!(b.get(i), Some(b'|' | b'-')) {
        i += 1;
    }
    if b.get(i) == Some(&b'&') {
        // `2>&1`, `>&-`: the target is glued to the operator.
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
            i += 1;
        }
        out.push(Tok::Redirect(false));
        return i;
    }
    out.push(Tok::Redirect(true));
    i
}

/// Reads one word starting at byte `i`.
fn word(s: &str, start: usize) -> (Word, usize) {
    let b = s.as_bytes();
    let mut value = String::new();
    let mut quoted = false;
    let mut i = start;
    let push = |value: &mut String, a: usize, e: usize| {
        if let Some(p) = s.get(a..e) {
            value.push_str(p);
        }
    };
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => break,
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    i += 2;
                    continue;
                }
                let n = next_char_len(s, i + 1);
                push(&mut value, i + 1, i + 1 + n);
                i += 1 + n;
            }
            b'\'' => {
                quoted = true;
                let end = s.get(i + 1..).and_then(|r| r.find('\'')).map_or(s.len(), |p| i + 1 + p);
                push(&mut value, i + 1, end);
                i = end + 1;
            }
            b'"' => {
                quoted = true;
                i += 1;
                while let Some(&c) = b.get(i) {
                    match c {
                        b'"' => break,
                        b'\\' if matches!(b.get(i + 1), Some(b'"' | b'\\' | b'$' | b'`')) => {
                            push(&mut value, i + 1, i + 2);
                            i += 2;
                        }
                        b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
                        b'$' if b.get(i + 1) == Some(&b'(') => {
                            let e = skip_subst(s, i);
                            push(&mut value, i, e);
                            i = e;
                        }
                        b'`' => {
                            let e = skip_backtick(s, i);
                            push(&mut value, i, e);
                            i = e;
                        }
                        _ => {
                            let n = next_char_len(s, i);
                            push(&mut value, i, i + n);
                            i += n;
                        }
                    }
                }
                i += 1;
            }
            b'$' if b.get(i + 1) == Some(&b'(') => {
                let e = skip_subst(s, i);
                push(&mut value, i, e);
                i = e;
            }
            b'$' if b.get(i + 1) == Some(&b'{') => {
                let e = s.get(i..).and_then(|r| r.find('}')).map_or(s.len(), |p| i + p + 1);
                push(&mut value, i, e);
                i = e;
            }
            b'`' => {
                let e = skip_backtick(s, i);
                push(&mut value, i, e);
                i = e;
            }
            _ => {
                let n = next_char_len(s, i);
                push(&mut value, i, i + n);
                i += n;
            }
        }
    }
    let end = i.min(s.len());
    (Word { value, start, end, quoted }, end)
}

fn next_char_len(s: &str, i: usize) -> usize {
    s.get(i..).and_then(|r| r.chars().next()).map_or(1, char::len_utf8)
}

/// End (exclusive) of the `$(…)` starting at `i`, nesting and quotes respected.
fn skip_subst(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut j = i + 1;
    let mut quote: Option<u8> = None;
    while let Some(&c) = b.get(j) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(b'"') if c == b'\\' => j += 1,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'\\' => j += 1,
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return j + 1;
                    }
                }
                _ => {}
            },
        }
        j += 1;
    }
    s.len()
}

/// End (exclusive) of the backtick substitution starting at `i`.
fn skip_backtick(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    let mut j = i + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' => j += 2,
            b'`' => return j + 1,
            _ => j += 1,
        }
    }
    s.len()
}
