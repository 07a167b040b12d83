//! The subset of Elixir's term syntax that `mix.lock` uses: maps (`%{k => v}` and
//! `%{"k": v}`), tuples, lists and keyword lists, strings, charlists, atoms (`:a`, `:"a b"`),
//! numbers and bare identifiers (`true`, `nil`), with `#` comments.

/// How deeply terms may nest; `mix.lock` needs 5 levels.
pub(super) const MAX_DEPTH: usize = 64;

/// A term and the byte offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) at: usize,
    pub(super) term: Term,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Term {
    Map(Vec<(Node, Node)>),
    Tuple(Vec<Node>),
    /// A list; a keyword entry `key: value` is a two-element tuple of an atom and the value.
    List(Vec<Node>),
    /// A string or a charlist.
    Str(String),
    Atom(String),
    /// A number or a bare identifier, as written.
    Other(String),
}

impl Term {
    /// The text of a string or an atom.
    pub(super) fn as_text(&self) -> Option<&str> {
        match self {
            Term::Str(s) | Term::Atom(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct ParseError {
    pub(super) at: usize,
    pub(super) message: String,
}

/// Parses one term surrounded by whitespace and comments; `None` when there is no term at all.
pub(super) fn parse(text: &str) -> Result<Option<Node>, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_blank();
    if parser.peek().is_none() {
        return Ok(None);
    }
    let node = parser.value(0)?;
    parser.skip_blank();
    match parser.peek() {
        None => Ok(Some(node)),
        Some(c) => Err(parser.error(format!("unexpected `{c}` after the term, expected the end of the file"))),
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '?' | '!' | '@' | '.')
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError { at: self.pos, message: message.into() }
    }

    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                while self.bump().is_some_and(|c| c != '\n') {}
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{token}`")))
        }
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        match self.peek() {
            Some(c) => self.error(format!("unexpected `{c}`, expected {expected}")),
            None => self.error(format!("unexpected end of file, expected {expected}")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("terms nest deeper than {MAX_DEPTH} levels")));
        }
        self.skip_blank();
        let at = self.pos;
        let term = match self.peek() {
            Some('%') => {
                self.expect("%{")?;
                Term::Map(self.map_entries(depth)?)
            }
            Some('{') => {
                self.bump();
                Term::Tuple(self.items('}', false, depth)?)
            }
            Some('[') => {
                self.bump();
                Term::List(self.items(']', true, depth)?)
            }
            Some(quote @ ('"' | '\'')) => Term::Str(self.quoted(quote)?),
            Some(':') => {
                self.bump();
                match self.peek() {
                    Some(quote @ ('"' | '\'')) => Term::Atom(self.quoted(quote)?),
                    _ => {
                        let name = self.ident();
                        if name.is_empty() {
                            return Err(self.unexpected("an atom name"));
                        }
                        Term::Atom(name)
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = self.pos;
                self.bump();
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.')) {
                    self.bump();
                }
                Term::Other(self.text.get(start..self.pos).unwrap_or_default().to_string())
            }
            Some(c) if c.is_alphabetic() || c == '_' => Term::Other(self.ident()),
            _ => return Err(self.unexpected("a term")),
        };
        Ok(Node { at, term })
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.bump();
        }
        self.text.get(start..self.pos).unwrap_or_default().to_string()
    }

    /// A string, charlist or quoted atom body; escapes keep the escaped character (`\n`, `\t`
    /// and `\r` become control characters). Interpolation (`#{…}`) does not occur in lockfiles
    /// and is kept as text.
    fn quoted(&mut self, quote: char) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                Some(c) if c == quote => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some(c) => out.push(c),
                    None => break,
                },
                Some(c) => out.push(c),
                None => break,
            }
        }
        Err(ParseError { at: start, message: "unterminated string, expected a closing quote".to_string() })
    }

    /// A keyword key (`name: ` or `"name": `) at the current position, consumed; otherwise
    /// nothing is consumed.
    fn keyword_key(&mut self) -> Result<Option<Node>, ParseError> {
        let start = self.pos;
        let key = match self.peek() {
            Some(quote @ ('"' | '\'')) => self.quoted(quote)?,
            Some(c) if c.is_alphabetic() || c == '_' => self.ident(),
            _ => return Ok(None),
        };
        let mut after = self.rest().chars();
        if after.next() == Some(':') && after.next().is_none_or(char::is_whitespace) {
            self.pos += 1;
            return Ok(Some(Node { at: start, term: Term::Atom(key) }));
        }
        self.pos = start;
        Ok(None)
    }

    /// Entries up to `close`, separated by commas (a trailing comma is allowed); in lists,
    /// keyword entries become `{key, value}` tuples.
    fn items(&mut self, close: char, keywords: bool, depth: usize) -> Result<Vec<Node>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            if self.peek() == Some(close) {
                self.bump();
                return Ok(items);
            }
            let item = match if keywords { self.keyword_key()? } else { None } {
                Some(key) => {
                    let at = key.at;
                    let value = self.value(depth + 1)?;
                    Node { at, term: Term::Tuple(vec![key, value]) }
                }
                None => self.value(depth + 1)?,
            };
            items.push(item);
            self.skip_blank();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(c) if c == close => {}
                _ => return Err(self.unexpected(&format!("`,` or `{close}`"))),
            }
        }
    }

    /// Map entries up to `}`: `key => value` or `key: value`.
    fn map_entries(&mut self, depth: usize) -> Result<Vec<(Node, Node)>, ParseError> {
        let mut entries = Vec::new();
        loop {
            self.skip_blank();
            if self.peek() == Some('}') {
                self.bump();
                return Ok(entries);
            }
            let key = match self.keyword_key()? {
                Some(key) => key,
                None => {
                    let key = self.value(depth + 1)?;
                    self.skip_blank();
                    self.expect("=>")?;
                    key
                }
            };
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.skip_blank();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {}
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn term(text: &str) -> Term {
        parse(text).unwrap().unwrap().term
    }

    fn atom(s: &str) -> Term {
        Term::Atom(s.to_string())
    }

    fn terms(node: &Term) -> Vec<Term> {
        match node {
            Term::Tuple(items) | Term::List(items) => items.iter().map(|n| n.term.clone()).collect(),
            other => panic!("not a tuple or list: {other:?}"),
        }
    }

    #[test]
    fn maps_in_both_syntaxes() {
        let Term::Map(entries) = term("%{\"a\": 1, \"b\" => :c, d: 'e',}") else { panic!() };
        let entries: Vec<_> = entries.into_iter().map(|(k, v)| (k.term, v.term)).collect();
        assert_eq!(
            entries,
            [
                (atom("a"), Term::Other("1".to_string())),
                (Term::Str("b".to_string()), atom("c")),
                (atom("d"), Term::Str("e".to_string())),
            ]
        );
    }

    #[test]
    fn keyword_lists_atoms_and_strings() {
        let t = term(
            r#"{:git, "https://x/y.git", "abc", [branch: "feat/x", ref: "a\"b", submodules: true, x?: :"quoted atom"]}"#,
        );
        let items = terms(&t);
        assert_eq!(items[0], atom("git"));
        assert_eq!(items[2], Term::Str("abc".to_string()));
        let kw = terms(&items[3]);
        assert_eq!(terms(&kw[0]), [atom("branch"), Term::Str("feat/x".to_string())]);
        assert_eq!(terms(&kw[1]), [atom("ref"), Term::Str("a\"b".to_string())]);
        assert_eq!(terms(&kw[2]), [atom("submodules"), Term::Other("true".to_string())]);
        assert_eq!(terms(&kw[3]), [atom("x?"), atom("quoted atom")]);
    }

    #[test]
    fn comments_and_blank_documents() {
        assert_eq!(parse("  # nothing\n").unwrap(), None);
        assert_eq!(term("# c\n%{ # c\n}"), Term::Map(Vec::new()));
    }

    #[test]
    fn errors_point_at_the_offending_byte() {
        assert_eq!(
            parse("%{\"a\" 1}").unwrap_err(),
            ParseError { at: 6, message: "unexpected `1`, expected `=>`".to_string() }
        );
        assert_eq!(parse("{1 2}").unwrap_err().message, "unexpected `2`, expected `,` or `}`");
        assert_eq!(
            parse("\"abc").unwrap_err(),
            ParseError { at: 0, message: "unterminated string, expected a closing quote".to_string() }
        );
        assert_eq!(parse("%{} x").unwrap_err().message, "unexpected `x` after the term, expected the end of the file");
        assert_eq!(parse("[").unwrap_err().message, "unexpected end of file, expected a term");
        assert_eq!(parse(":").unwrap_err().message, "unexpected end of file, expected an atom name");
        let deep = "[".repeat(MAX_DEPTH + 2);
        assert!(parse(&deep).unwrap_err().message.contains("nest deeper"));
    }
}
