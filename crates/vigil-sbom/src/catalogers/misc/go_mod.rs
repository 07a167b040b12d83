//! `go.mod`.
//!
//! The syntax follows the Go reference (<https://go.dev/ref/mod#go-mod-file-grammar>): lines of
//! `verb args…`, or `verb (` … `)` blocks whose lines each carry the arguments; `//` comments;
//! `"interpreted"` and `` `raw` `` quoted strings. Unknown verbs are errors, as with `go` itself
//! (and osv-scanner, which uses `modfile.Parse`).

use std::collections::{HashMap, HashSet};

use super::decode;
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the modules a `go.mod` requires, after its `replace` directives, plus a `stdlib`
/// package at the `go` directive's version, as osv-scanner does. Versions drop the leading `v`
/// (OSV's Go versions have none); purls keep it.
pub(crate) struct GoMod;

impl Cataloger for GoMod {
    fn id(&self) -> &'static str {
        "go-mod"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "go.mod"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let file = parse_mod(text).map_err(|e| decode::error_at(input.path, e.line, e.column, e.message))?;
        Ok(packages(&file, input.path))
    }
}

/// A module path and (possibly empty) version, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Module {
    path: String,
    version: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct ModFile {
    go: Option<String>,
    require: Vec<Module>,
    replace: Vec<(Module, Module)>,
}

#[derive(Debug)]
struct SyntaxError {
    line: usize,
    column: usize,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TokenKind {
    /// A word or an unquoted string.
    Word(String),
    LParen,
    RParen,
    Arrow,
    Newline,
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    line: usize,
    column: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut line = 1;
    // The column of byte `column_at`, advanced as the lexer moves right (linear on long lines).
    let (mut column_at, mut column) = (0, 1);
    while let Some(&(at, c)) = chars.peek() {
        column += text.get(column_at..at).map_or(0, |s| s.chars().count());
        column_at = at;
        let err = move |message: String| SyntaxError { line, column, message };
        let rest = text.get(at..).unwrap_or_default();
        match c {
            '\n' => {
                chars.next();
                tokens.push(Token { kind: TokenKind::Newline, line, column });
                line += 1;
                (column_at, column) = (at + 1, 1);
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '/' if rest.starts_with("//") => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '/' if rest.starts_with("/*") => {
                return Err(err("mod files must use `//` comments, not `/* */` comments".to_string()));
            }
            '(' => {
                chars.next();
                tokens.push(Token { kind: TokenKind::LParen, line, column });
            }
            ')' => {
                chars.next();
                tokens.push(Token { kind: TokenKind::RParen, line, column });
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, 't')) => value.push('\t'),
                            Some((_, 'r')) => value.push('\r'),
                            Some((_, e @ ('\\' | '"' | '\''))) => value.push(e),
                            Some((_, other)) => {
                                return Err(err(format!("unsupported escape `\\{other}` in quoted string")));
                            }
                            None => return Err(err("unterminated quoted string".to_string())),
                        },
                        Some((_, '\n')) | None => return Err(err("unterminated quoted string".to_string())),
                        Some((_, other)) => value.push(other),
                    }
                }
                tokens.push(Token { kind: TokenKind::Word(value), line, column });
            }
            '`' => {
                chars.next();
                let (start_line, start_column) = (line, column);
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '`')) => break,
                        Some((at, ch)) => {
                            if ch == '\n' {
                                line += 1;
                                (column_at, column) = (at + 1, 1);
                            }
                            value.push(ch);
                        }
                        None => return Err(err("unterminated raw string".to_string())),
                    }
                }
                tokens.push(Token { kind: TokenKind::Word(value), line: start_line, column: start_column });
            }
            _ => {
                // The first character always belongs to the word (so the lexer advances).
                let mut word = String::from(c);
                chars.next();
                while let Some(&(at, ch)) = chars.peek() {
                    let ahead = text.get(at..).unwrap_or_default();
                    if ch.is_whitespace() || matches!(ch, '(' | ')' | '"' | '`') || ahead.starts_with("//") {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                let kind = if word == "=>" { TokenKind::Arrow } else { TokenKind::Word(word) };
                tokens.push(Token { kind, line, column });
            }
        }
    }
    column += text.get(column_at..).map_or(0, |s| s.chars().count());
    tokens.push(Token { kind: TokenKind::Newline, line, column });
    Ok(tokens)
}

/// One directive: its verb's token and the tokens of its arguments (no newlines).
struct Directive<'t> {
    verb: &'t Token,
    args: &'t [Token],
}

fn parse_mod(text: &str) -> Result<ModFile, SyntaxError> {
    let tokens = lex(text)?;
    let lines: Vec<&[Token]> = tokens.split(|t| t.kind == TokenKind::Newline).filter(|line| !line.is_empty()).collect();
    let mut file = ModFile::default();
    let mut lines = lines.into_iter();
    while let Some(line) = lines.next() {
        let Some((verb, args)) = line.split_first() else { continue };
        let TokenKind::Word(_) = verb.kind else {
            return Err(unexpected(verb));
        };
        match args {
            [open] if open.kind == TokenKind::LParen => loop {
                let Some(inner) = lines.next() else {
                    return Err(SyntaxError {
                        line: open.line,
                        column: open.column,
                        message: "unterminated block, expected `)`".to_string(),
                    });
                };
                if let [close] = inner
                    && close.kind == TokenKind::RParen
                {
                    break;
                }
                directive(&mut file, &Directive { verb, args: inner })?;
            },
            [open, close] if open.kind == TokenKind::LParen && close.kind == TokenKind::RParen => {}
            _ => directive(&mut file, &Directive { verb, args })?,
        }
    }
    Ok(file)
}

fn unexpected(token: &Token) -> SyntaxError {
    let shown = match &token.kind {
        TokenKind::Word(w) => w.as_str(),
        TokenKind::LParen => "(",
        TokenKind::RParen => ")",
        TokenKind::Arrow => "=>",
        TokenKind::Newline => "newline",
    };
    SyntaxError { line: token.line, column: token.column, message: format!("unexpected `{shown}`") }
}

fn usage(token: &Token, usage: &str) -> SyntaxError {
    SyntaxError { line: token.line, column: token.column, message: format!("invalid directive, expected `{usage}`") }
}

/// The arguments as words; parentheses or a misplaced `=>` are errors.
fn words(args: &[Token]) -> Result<Vec<&str>, SyntaxError> {
    args.iter()
        .map(|t| match &t.kind {
            TokenKind::Word(w) => Ok(w.as_str()),
            _ => Err(unexpected(t)),
        })
        .collect()
}

fn directive(file: &mut ModFile, d: &Directive<'_>) -> Result<(), SyntaxError> {
    let TokenKind::Word(verb) = &d.verb.kind else { return Err(unexpected(d.verb)) };
    let at = d.args.first().unwrap_or(d.verb);
    match verb.as_str() {
        "module" => match words(d.args)?.as_slice() {
            [_] => {}
            _ => return Err(usage(at, "module module/path")),
        },
        "go" => match words(d.args)?.as_slice() {
            [version] if is_go_version(version) => file.go = Some((*version).to_string()),
            [version] => {
                return Err(SyntaxError {
                    line: at.line,
                    column: at.column,
                    message: format!("invalid go version `{version}`, expected a release such as `1.21` or `1.21.3`"),
                });
            }
            _ => return Err(usage(at, "go 1.23")),
        },
        "require" => match words(d.args)?.as_slice() {
            [path, version] => {
                check_version(at, version)?;
                file.require.push(Module { path: (*path).to_string(), version: (*version).to_string() });
            }
            _ => return Err(usage(at, "require module/path v1.2.3")),
        },
        "replace" => {
            let Some(arrow) = d.args.iter().position(|t| t.kind == TokenKind::Arrow) else {
                return Err(usage(at, "replace module/path [v1.2.3] => other/module v1.4"));
            };
            let (left, right) = (d.args.get(..arrow).unwrap_or_default(), d.args.get(arrow + 1..).unwrap_or_default());
            let old = match words(left)?.as_slice() {
                [path] => Module { path: (*path).to_string(), version: String::new() },
                [path, version] => {
                    check_version(at, version)?;
                    Module { path: (*path).to_string(), version: (*version).to_string() }
                }
                _ => return Err(usage(at, "replace module/path [v1.2.3] => other/module v1.4")),
            };
            let new = match words(right)?.as_slice() {
                [path] if is_local_path(path) => Module { path: (*path).to_string(), version: String::new() },
                [path] => {
                    return Err(SyntaxError {
                        line: at.line,
                        column: at.column,
                        message: format!(
                            "replacement module `{path}` has no version, expected a version or a directory path starting with `./` or `../`"
                        ),
                    });
                }
                [path, version] => {
                    check_version(at, version)?;
                    Module { path: (*path).to_string(), version: (*version).to_string() }
                }
                _ => return Err(usage(at, "replace module/path [v1.2.3] => other/module v1.4")),
            };
            file.replace.push((old, new));
        }
        // Directives that do not change which modules are built with.
        "toolchain" | "godebug" | "exclude" | "retract" | "tool" | "ignore" => {}
        other => {
            return Err(SyntaxError {
                line: d.verb.line,
                column: d.verb.column,
                message: format!(
                    "unknown directive `{other}`, expected one of `module`, `go`, `toolchain`, `godebug`, `require`, `replace`, `exclude`, `retract`, `tool` or `ignore`"
                ),
            });
        }
    }
    Ok(())
}

/// `1.21`, `1.21.3`, `1.21rc1`: digits and dots, optionally a lowercase pre-release suffix.
fn is_go_version(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars().all(|c| c.is_ascii_digit() || c == '.' || c.is_ascii_lowercase())
        && !v.contains("..")
        && !v.ends_with('.')
}

/// Module versions are semantic versions with a leading `v` (or pseudo-versions, which are too).
fn check_version(at: &Token, version: &str) -> Result<(), SyntaxError> {
    let mut chars = version.chars();
    if chars.next() == Some('v') && chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    Err(SyntaxError {
        line: at.line,
        column: at.column,
        message: format!("invalid module version `{version}`, expected a version such as `v1.2.3`"),
    })
}

/// A replacement pointing at a directory (the Go reference: rooted, or starting with `./` or `../`).
fn is_local_path(path: &str) -> bool {
    path == "."
        || path == ".."
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path.starts_with(".\\")
        || path.starts_with("..\\")
        || path.get(1..3).is_some_and(|s| s == ":\\" || s == ":/")
}

fn packages(file: &ModFile, path: &str) -> Vec<Package> {
    // The Go reference, "replace directive": a replacement with a version on the left applies
    // to that required version only (and wins over one without); without a version it applies
    // to every required version of the module; a replacement of something not required has no
    // effect. Replacements apply to the required path, never to another replacement's result.
    let mut exact: HashMap<(&str, &str), &Module> = HashMap::new();
    let mut any_version: HashMap<&str, &Module> = HashMap::new();
    for (old, new) in &file.replace {
        if old.version.is_empty() {
            any_version.insert(old.path.as_str(), new);
        } else {
            exact.insert((old.path.as_str(), old.version.as_str()), new);
        }
    }
    let mut out: Vec<Package> = Vec::new();
    let mut seen = HashSet::new();
    for required in &file.require {
        let module = exact
            .get(&(required.path.as_str(), required.version.as_str()))
            .or_else(|| any_version.get(required.path.as_str()))
            .copied()
            .unwrap_or(required);
        let version = module.version.strip_prefix('v').unwrap_or(&module.version);
        if !seen.insert((module.path.as_str(), version)) {
            continue;
        }
        out.push(Package::new(&module.path, version, ecosystem::GO, purl(&module.path, &module.version), path));
    }
    if let Some(go) = &file.go {
        out.push(Package::new("stdlib", go.as_str(), ecosystem::GO, purl("stdlib", &format!("v{go}")), path));
    }
    out
}

/// `pkg:golang/<namespace>/<name>@<version>`: the module path's last segment is the name. A
/// local directory replacement is not a module path, so it is kept whole as the name.
fn purl(module: &str, version: &str) -> String {
    let purl = if is_local_path(module) {
        Purl::new("golang", module)
    } else {
        match module.rsplit_once('/') {
            Some((namespace, name)) => Purl::new("golang", name).namespace(namespace),
            None => Purl::new("golang", module),
        }
    };
    purl.version(version).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        GoMod.parse(&CatalogInput::new("go.mod", text.as_bytes()))
    }

    fn triples(found: &[Package]) -> Vec<(&str, &str, &str)> {
        found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect()
    }

    #[test]
    fn requires_blocks_and_lines_with_stdlib() {
        let found = parse(
            "module my-library // the module\n\ngo 1.17\n\nrequire (\n\tgithub.com/BurntSushi/toml v1.0.0\n\tgopkg.in/yaml.v2 v2.4.0 // indirect\n)\n\nrequire golang.org/x/sys v0.0.0-20210630005230-0f9fa26af87c\n",
        )
        .unwrap();
        assert_eq!(
            triples(&found),
            [
                ("github.com/BurntSushi/toml", "1.0.0", "pkg:golang/github.com/BurntSushi/toml@v1.0.0"),
                ("gopkg.in/yaml.v2", "2.4.0", "pkg:golang/gopkg.in/yaml.v2@v2.4.0"),
                (
                    "golang.org/x/sys",
                    "0.0.0-20210630005230-0f9fa26af87c",
                    "pkg:golang/golang.org/x/sys@v0.0.0-20210630005230-0f9fa26af87c"
                ),
                ("stdlib", "1.17", "pkg:golang/stdlib@v1.17"),
            ]
        );
        assert!(found.iter().all(|p| p.ecosystem == "Go"));
    }

    #[test]
    fn replacements() {
        let versioned = "require (\n golang.org/x/net v1.2.3\n golang.org/x/net v0.5.6\n)\nreplace golang.org/x/net v1.2.3 => example.com/fork/net v1.4.5\n";
        assert_eq!(
            triples(&parse(versioned).unwrap()),
            [
                ("example.com/fork/net", "1.4.5", "pkg:golang/example.com/fork/net@v1.4.5"),
                ("golang.org/x/net", "0.5.6", "pkg:golang/golang.org/x/net@v0.5.6"),
            ]
        );
        let all = "require (\n golang.org/x/net v1.2.3\n golang.org/x/net v0.5.6\n)\nreplace (\n golang.org/x/net => example.com/fork/net v1.4.5\n)\n";
        assert_eq!(
            triples(&parse(all).unwrap()),
            [("example.com/fork/net", "1.4.5", "pkg:golang/example.com/fork/net@v1.4.5")]
        );
        let not_required =
            "require golang.org/x/net v0.5.6\nreplace golang.org/x/net v1.2.3 => example.com/fork/net v1.4.5\n";
        assert_eq!(
            triples(&parse(not_required).unwrap()),
            [("golang.org/x/net", "0.5.6", "pkg:golang/golang.org/x/net@v0.5.6")]
        );
        // A versioned replacement wins over a versionless one whatever their order, and
        // replacements do not chain (the Go reference; osv-scanner applies them in file order).
        let precedence = "require a.com/m v1.0.0\nreplace a.com/m v1.0.0 => b.com/m v2.0.0\nreplace a.com/m => c.com/m v3.0.0\nreplace b.com/m => d.com/m v4.0.0\n";
        assert_eq!(triples(&parse(precedence).unwrap()), [("b.com/m", "2.0.0", "pkg:golang/b.com/m@v2.0.0")]);
        let local = "require golang.org/x/net v1.2.3\nreplace golang.org/x/net v1.2.3 => ./fork/net\n";
        assert_eq!(triples(&parse(local).unwrap()), [("./fork/net", "", "pkg:golang/.%2Ffork%2Fnet")]);
    }

    #[test]
    fn quoted_paths_and_other_directives() {
        let found = parse(
            "module \"example.com/m\"\ngo 1.22.1\ntoolchain go1.22.3\ngodebug default=go1.21\nexclude example.com/x v1.0.0\nretract [v1.0.0, v1.0.5]\nretract (\n v0.1.0 // oops\n)\ntool example.com/tool\nrequire `example.com/raw` v1.0.0\n",
        )
        .unwrap();
        assert_eq!(
            triples(&found),
            [
                ("example.com/raw", "1.0.0", "pkg:golang/example.com/raw@v1.0.0"),
                ("stdlib", "1.22.1", "pkg:golang/stdlib@v1.22.1")
            ]
        );
    }

    #[test]
    fn positions_after_raw_strings_and_wide_characters() {
        let e = parse("module `a\nb` x\nré unknown").unwrap_err();
        assert!(e.to_string().starts_with("go.mod: 1:8: invalid directive, expected `module module/path`"), "{e}");
        let e = parse("module m\n\u{e9}\u{e9} x").unwrap_err();
        assert!(e.to_string().starts_with("go.mod: 2:1: unknown directive `éé`"), "{e}");
        let e = parse("require `a\nb` v1.0.0 )").unwrap_err();
        assert_eq!(e.to_string(), "go.mod: 2:11: unexpected `)`");
    }

    #[test]
    fn long_lines_lex_in_linear_time() {
        let line = format!("require ({}\n)", " ".repeat(4_000_000));
        assert!(parse(&line).unwrap().is_empty());
    }

    #[test]
    fn empty_files_and_empty_blocks() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("\u{c}\u{a0}\u{2028}\n").unwrap().is_empty());
        assert!(parse("// only a comment\n\n").unwrap().is_empty());
        assert!(parse("module m\nrequire ()\n").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_position_and_what_was_expected() {
        let e = parse("this is not a go.mod file!").unwrap_err();
        assert!(e.to_string().starts_with("go.mod: 1:1: unknown directive `this`, expected one of"), "{e}");
        let e = parse("module m\n\nrequire (\n  example.com/x\n)\n").unwrap_err();
        assert_eq!(e.to_string(), "go.mod: 4:3: invalid directive, expected `require module/path v1.2.3`");
        let e = parse("require (\n example.com/x v1.0.0\n").unwrap_err();
        assert_eq!(e.to_string(), "go.mod: 1:9: unterminated block, expected `)`");
        let e = parse("require example.com/x 1.0.0\n").unwrap_err();
        assert!(e.to_string().contains("invalid module version `1.0.0`"), "{e}");
        let e = parse("replace a => b\n").unwrap_err();
        assert!(e.to_string().contains("replacement module `b` has no version"), "{e}");
        let e = parse("require \"example.com/x v1.0.0\n").unwrap_err();
        assert!(e.to_string().contains("unterminated quoted string"), "{e}");
        let e = parse("go one\n").unwrap_err();
        assert!(e.to_string().contains("invalid go version `one`"), "{e}");
        let e = parse("require ) x\n").unwrap_err();
        assert!(e.to_string().contains("unexpected `)`"), "{e}");
        let e = parse("/* no */").unwrap_err();
        assert!(e.to_string().contains("`//` comments"), "{e}");
    }

    #[test]
    fn matches_only_go_mod() {
        assert!(GoMod.matches("src/go.mod"));
        assert!(!GoMod.matches("src/go.sum"));
    }
}
