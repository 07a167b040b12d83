//! GitHub Actions expressions: finding every `${{ … }}` in a scalar with its exact position in
//! the source text, and parsing the expression language (literals, contexts, calls, indexing,
//! `!`, comparisons, `&&`, `||`). Parsing is bounded (input length and nesting depth) and
//! never panics; an expression that does not parse is kept with `parsed: None`.

use vigil_k8s::{Node, ScalarStyle, Source, Value};

/// Longest expression the parser accepts, in bytes.
const MAX_EXPR_LEN: usize = 64 * 1024;
/// Deepest nesting the parser accepts.
const MAX_DEPTH: usize = 64;

/// One `${{ … }}` found in the source text of a scalar.
#[derive(Debug, Clone)]
pub struct ExprSite {
    /// Byte offset in the source text of `${{`.
    pub start: usize,
    /// Byte offset one past the closing `}}`.
    pub end: usize,
    /// Byte offset in the source text where the inner text (after `${{`) starts.
    pub inner_start: usize,
    /// The inner text, between `${{` and `}}`, untrimmed, as written in the source.
    pub raw: String,
    /// The parsed expression (positions relative to `raw`), or `None` when it does not parse.
    pub parsed: Option<SpannedExpr>,
}

impl ExprSite {
    /// The inner text, trimmed.
    pub fn text(&self) -> &str {
        self.raw.trim()
    }

    /// Byte length of the whole `${{ … }}`.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the site is empty (never: `${{}}` has length 5).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// Absolute byte range in the source of a sub-expression of `parsed`.
    pub fn abs(&self, e: &SpannedExpr) -> (usize, usize) {
        (self.inner_start + e.start, e.end.saturating_sub(e.start))
    }
}

/// A parsed expression with its byte range in the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpannedExpr {
    /// The expression.
    pub expr: Expr,
    /// Byte offset of its start.
    pub start: usize,
    /// Byte offset one past its end.
    pub end: usize,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'` (unescaped).
    String(String),
    /// A number.
    Number(f64),
    /// `true` / `false`.
    Boolean(bool),
    /// `null`.
    Null,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `==`
    Eq,
    /// `!=`
    Neq,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// The expression grammar.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Literal(Literal),
    /// `*` in a context path (`foo.*.bar`, `foo[*]`).
    Star,
    /// A function call; `func` as written.
    Call {
        /// Function name.
        func: String,
        /// Arguments.
        args: Vec<SpannedExpr>,
    },
    /// A bare identifier (a context path component).
    Identifier(String),
    /// `[expr]` in a context path.
    Index(Box<SpannedExpr>),
    /// A context path: `github.event.issue.title`, `fromJSON(x).foo`, `a['b'][*]`.
    Context(ContextPath),
    /// `lhs op rhs`.
    BinOp {
        /// Left side.
        lhs: Box<SpannedExpr>,
        /// Operator.
        op: BinOp,
        /// Right side.
        rhs: Box<SpannedExpr>,
    },
    /// `!expr`.
    Not(Box<SpannedExpr>),
}

/// A context path: a head (identifier or call) followed by `.name`, `.*`, `[expr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextPath {
    /// The parts: first an `Identifier` or `Call`, then `Identifier`, `Star` or `Index`.
    pub parts: Vec<SpannedExpr>,
}

impl ContextPath {
    /// The normalised components (lowercase; `*` for stars and computed or numeric indices;
    /// string-literal indices as their text). `None` if the head is a call.
    pub fn components(&self) -> Option<Vec<String>> {
        let mut out = Vec::with_capacity(self.parts.len());
        for (i, part) in self.parts.iter().enumerate() {
            match &part.expr {
                Expr::Identifier(name) => out.push(name.to_ascii_lowercase()),
                Expr::Star => out.push("*".into()),
                Expr::Index(inner) => match &inner.expr {
                    Expr::Literal(Literal::String(s)) => out.push(s.to_ascii_lowercase()),
                    _ => out.push("*".into()),
                },
                _ if i == 0 => return None,
                _ => out.push("*".into()),
            }
        }
        Some(out)
    }

    /// The dotted form (`github.event.issue.title`, stars as `*`), `None` if the head is a call.
    pub fn dotted(&self) -> Option<String> {
        self.components().map(|c| c.join("."))
    }

    /// Whether the path has exactly the components of `pattern` (dotted, case-insensitive;
    /// `*` in the pattern matches any one component).
    pub fn matches(&self, pattern: &str) -> bool {
        let Some(parts) = self.components() else { return false };
        let pat: Vec<&str> = pattern.split('.').collect();
        parts.len() == pat.len() && parts.iter().zip(&pat).all(|(c, p)| *p == "*" || c.eq_ignore_ascii_case(p))
    }

    /// Whether `pattern` matches a proper or improper prefix of the path.
    pub fn starts_with(&self, pattern: &str) -> bool {
        let Some(parts) = self.components() else { return false };
        let pat: Vec<&str> = pattern.split('.').collect();
        parts.len() >= pat.len() && parts.iter().zip(&pat).all(|(c, p)| *p == "*" || c.eq_ignore_ascii_case(p))
    }

    /// Whether the path is strictly below `pattern` (`github.event.issue` is a child of `github.event`).
    pub fn child_of(&self, pattern: &str) -> bool {
        let n = pattern.split('.').count();
        self.starts_with(pattern) && self.components().is_some_and(|c| c.len() > n)
    }

    /// The head identifier, lowercased (`github`, `inputs`, …).
    pub fn root(&self) -> Option<String> {
        match &self.parts.first()?.expr {
            Expr::Identifier(name) => Some(name.to_ascii_lowercase()),
            _ => None,
        }
    }
}

impl SpannedExpr {
    /// Every context path in the expression, outermost first, in source order.
    pub fn contexts(&self) -> Vec<&ContextPath> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Context(c) = &e.expr {
                out.push(c);
            }
        });
        out
    }

    /// Every context path with its span.
    pub fn contexts_spanned(&self) -> Vec<(&ContextPath, &SpannedExpr)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Context(c) = &e.expr {
                out.push((c, e));
            }
        });
        out
    }

    /// Visits every sub-expression (pre-order; context parts are visited too).
    pub fn walk<'s>(&'s self, f: &mut impl FnMut(&'s SpannedExpr)) {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            f(e);
            let mut kids: Vec<&SpannedExpr> = Vec::new();
            match &e.expr {
                Expr::Call { args, .. } => kids.extend(args.iter()),
                Expr::Index(inner) | Expr::Not(inner) => kids.push(inner),
                Expr::Context(c) => kids.extend(c.parts.iter()),
                Expr::BinOp { lhs, rhs, .. } => {
                    kids.push(lhs);
                    kids.push(rhs);
                }
                _ => {}
            }
            stack.extend(kids.into_iter().rev());
        }
    }

    /// Whether the expression is a literal.
    pub fn is_literal(&self) -> bool {
        matches!(self.expr, Expr::Literal(_))
    }
}

/// Parses the text of one expression (without `${{ }}`).
pub fn parse(text: &str) -> Option<SpannedExpr> {
    if text.len() > MAX_EXPR_LEN {
        return None;
    }
    let tokens = lex(text)?;
    let mut p = Parser { tokens, pos: 0, depth: 0 };
    let e = p.or()?;
    if p.pos != p.tokens.len() {
        return None;
    }
    Some(e)
}

/// Every `${{ … }}` written in the source text of `node` (a scalar), with exact byte
/// positions. Returns nothing for non-scalars.
pub fn expressions_in(node: &Node, source: &Source) -> Vec<ExprSite> {
    let Value::Scalar(_, style) = &node.value else { return Vec::new() };
    let Some((start, end)) = byte_range(node, source) else { return Vec::new() };
    let text = source.text();
    let Some(raw) = text.get(start..end) else { return Vec::new() };
    let _ = style;
    expressions_in_text(raw, start)
}

/// Every `${{ … }}` in `text`; offsets are `base + ` the offset in `text`.
pub fn expressions_in_text(text: &str, base: usize) -> Vec<ExprSite> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(found) = text.get(i..).and_then(|t| t.find("${{")) {
        let open = i + found;
        let inner_start = open + 3;
        // Scan for the closing `}}`, skipping string literals.
        let mut j = inner_start;
        let mut in_str = false;
        let mut close = None;
        while j < bytes.len() {
            let b = bytes[j];
            if in_str {
                if b == b'\'' {
                    if bytes.get(j + 1) == Some(&b'\'') {
                        j += 2;
                        continue;
                    }
                    in_str = false;
                }
            } else if b == b'\'' {
                in_str = true;
            } else if b == b'}' && bytes.get(j + 1) == Some(&b'}') {
                close = Some(j);
                break;
            }
            j += 1;
        }
        let Some(close) = close else { break };
        let raw = text.get(inner_start..close).unwrap_or("").to_string();
        let parsed = parse(&raw);
        out.push(ExprSite { start: base + open, end: base + close + 2, inner_start: base + inner_start, raw, parsed });
        i = close + 2;
    }
    out
}

/// Byte range in the source text of a node's span.
pub fn byte_range(node: &Node, source: &Source) -> Option<(usize, usize)> {
    let text = source.text();
    let line_start = source.line_start(node.span.line.max(1) as usize);
    let rest = text.get(line_start..)?;
    let col_bytes = rest.char_indices().nth(node.span.col as usize).map_or(rest.len(), |(i, _)| i);
    let start = line_start + col_bytes;
    let chars = node.span.end.saturating_sub(node.span.start);
    let tail = text.get(start..)?;
    let len = tail.char_indices().nth(chars).map_or(tail.len(), |(i, _)| i);
    Some((start, start + len))
}

/// Whether the scalar's decoded value is exactly one expression (`${{ x }}` and nothing else, surrounding
/// whitespace allowed).
pub fn is_single_expression(node: &Node) -> bool {
    let Some(s) = node.as_str() else { return false };
    let t = s.trim();
    t.starts_with("${{") && t.ends_with("}}") && expressions_in_text(t, 0).len() == 1
}

/// The style of a scalar node.
pub fn style_of(node: &Node) -> Option<ScalarStyle> {
    match &node.value {
        Value::Scalar(_, s) => Some(*s),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Star,
    Not,
    Op(BinOp),
    Str(String),
    Num(f64),
    Ident(String),
}

fn lex(text: &str) -> Option<Vec<(Tok, usize, usize)>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let tok = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b',' => Tok::Comma,
            b'*' => Tok::Star,
            b'.' if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => Tok::Dot,
            b'!' if bytes.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op(BinOp::Neq)
            }
            b'!' => Tok::Not,
            b'=' if bytes.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op(BinOp::Eq)
            }
            b'<' if bytes.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op(BinOp::Le)
            }
            b'<' => Tok::Op(BinOp::Lt),
            b'>' if bytes.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op(BinOp::Ge)
            }
            b'>' => Tok::Op(BinOp::Gt),
            b'&' if bytes.get(i + 1) == Some(&b'&') => {
                i += 1;
                Tok::Op(BinOp::And)
            }
            b'|' if bytes.get(i + 1) == Some(&b'|') => {
                i += 1;
                Tok::Op(BinOp::Or)
            }
            b'\'' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    let c = *bytes.get(j)?;
                    if c == b'\'' {
                        if bytes.get(j + 1) == Some(&b'\'') {
                            s.push('\'');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    let ch_len = utf8_len(c);
                    s.push_str(text.get(j..j + ch_len)?);
                    j += ch_len;
                }
                i = j;
                Tok::Str(s)
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'.' | b'_')) {
                    // allow exponent signs
                    j += 1;
                    if matches!(bytes.get(j - 1), Some(b'e' | b'E'))
                        && matches!(bytes.get(j), Some(b'+' | b'-'))
                        && !text.get(i..j).unwrap_or("").starts_with("0x")
                    {
                        j += 1;
                    }
                }
                let s = text.get(i..j)?;
                let n = parse_number(s)?;
                i = j - 1;
                Tok::Num(n)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'_' | b'-')) {
                    j += 1;
                }
                let s = text.get(i..j)?;
                i = j - 1;
                Tok::Ident(s.to_string())
            }
            _ => return None,
        };
        i += 1;
        out.push((tok, start, i));
    }
    Some(out)
}

fn utf8_len(b: u8) -> usize {
    match b {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(hex) = body.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()? as f64
    } else if let Some(oct) = body.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()? as f64
    } else if body == "Infinity" {
        f64::INFINITY
    } else {
        body.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

struct Parser {
    tokens: Vec<(Tok, usize, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.0)
    }

    fn next(&mut self) -> Option<(Tok, usize, usize)> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn binary(&mut self, level: u8) -> Option<SpannedExpr> {
        self.enter()?;
        let mut lhs = if level == 3 { self.unary()? } else { self.binary(level + 1)? };
        loop {
            let op = match (self.peek(), level) {
                (Some(Tok::Op(op @ BinOp::Or)), 0) | (Some(Tok::Op(op @ BinOp::And)), 1) => *op,
                (Some(Tok::Op(op @ (BinOp::Eq | BinOp::Neq))), 2) => *op,
                (Some(Tok::Op(op @ (BinOp::Gt | BinOp::Ge | BinOp::Lt | BinOp::Le))), 3) => *op,
                _ => break,
            };
            self.pos += 1;
            let rhs = if level == 3 { self.unary()? } else { self.binary(level + 1)? };
            let (start, end) = (lhs.start, rhs.end);
            lhs = SpannedExpr { expr: Expr::BinOp { lhs: Box::new(lhs), op, rhs: Box::new(rhs) }, start, end };
        }
        self.depth -= 1;
        Some(lhs)
    }

    fn or(&mut self) -> Option<SpannedExpr> {
        self.binary(0)
    }

    fn unary(&mut self) -> Option<SpannedExpr> {
        self.enter()?;
        let out = if let Some(Tok::Not) = self.peek() {
            let (_, start, _) = self.next()?;
            let inner = self.unary()?;
            let end = inner.end;
            SpannedExpr { expr: Expr::Not(Box::new(inner)), start, end }
        } else {
            self.postfix()?
        };
        self.depth -= 1;
        Some(out)
    }

    fn postfix(&mut self) -> Option<SpannedExpr> {
        let (tok, start, end) = self.next()?;
        let head = match tok {
            Tok::LParen => {
                let inner = self.or()?;
                match self.next()? {
                    (Tok::RParen, _, _) => {}
                    _ => return None,
                }
                inner
            }
            Tok::Str(s) => SpannedExpr { expr: Expr::Literal(Literal::String(s)), start, end },
            Tok::Num(n) => SpannedExpr { expr: Expr::Literal(Literal::Number(n)), start, end },
            Tok::Ident(name) => {
                if let Some(Tok::LParen) = self.peek() {
                    self.pos += 1;
                    let mut args = Vec::new();
                    if let Some(Tok::RParen) = self.peek() {
                        self.pos += 1;
                        let end = self.tokens.get(self.pos - 1).map_or(end, |t| t.2);
                        SpannedExpr { expr: Expr::Call { func: name, args }, start, end }
                    } else {
                        let close;
                        loop {
                            args.push(self.or()?);
                            match self.next()? {
                                (Tok::Comma, _, _) => continue,
                                (Tok::RParen, _, e) => {
                                    close = e;
                                    break;
                                }
                                _ => return None,
                            }
                        }
                        SpannedExpr { expr: Expr::Call { func: name, args }, start, end: close }
                    }
                } else {
                    match name.as_str() {
                        "true" => SpannedExpr { expr: Expr::Literal(Literal::Boolean(true)), start, end },
                        "false" => SpannedExpr { expr: Expr::Literal(Literal::Boolean(false)), start, end },
                        "null" => SpannedExpr { expr: Expr::Literal(Literal::Null), start, end },
                        "NaN" => SpannedExpr { expr: Expr::Literal(Literal::Number(f64::NAN)), start, end },
                        "Infinity" => SpannedExpr { expr: Expr::Literal(Literal::Number(f64::INFINITY)), start, end },
                        _ => SpannedExpr { expr: Expr::Identifier(name), start, end },
                    }
                }
            }
            _ => return None,
        };
        // Context path continuation.
        let mut parts = vec![head];
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    match self.next()? {
                        (Tok::Ident(n), s, e) => {
                            parts.push(SpannedExpr { expr: Expr::Identifier(n), start: s, end: e })
                        }
                        (Tok::Star, s, e) => parts.push(SpannedExpr { expr: Expr::Star, start: s, end: e }),
                        _ => return None,
                    }
                }
                Some(Tok::LBracket) => {
                    let (_, s, _) = self.next()?;
                    let inner = if let Some(Tok::Star) = self.peek() {
                        let (_, ss, se) = self.next()?;
                        SpannedExpr { expr: Expr::Star, start: ss, end: se }
                    } else {
                        self.or()?
                    };
                    let e = match self.next()? {
                        (Tok::RBracket, _, e) => e,
                        _ => return None,
                    };
                    if matches!(inner.expr, Expr::Star) {
                        parts.push(SpannedExpr { expr: Expr::Star, start: s, end: e });
                    } else {
                        parts.push(SpannedExpr { expr: Expr::Index(Box::new(inner)), start: s, end: e });
                    }
                }
                _ => break,
            }
        }
        if parts.len() == 1 {
            let head = parts.pop()?;
            if let Expr::Identifier(_) = head.expr {
                let (start, end) = (head.start, head.end);
                return Some(SpannedExpr { expr: Expr::Context(ContextPath { parts: vec![head] }), start, end });
            }
            return Some(head);
        }
        let start = parts.first().map_or(start, |p| p.start);
        let end = parts.last().map_or(end, |p| p.end);
        if !matches!(parts.first().map(|p| &p.expr), Some(Expr::Identifier(_) | Expr::Call { .. })) {
            return None;
        }
        Some(SpannedExpr { expr: Expr::Context(ContextPath { parts }), start, end })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_contexts_and_calls() {
        let e = parse("github.event.issue.title").unwrap();
        assert!(e.contexts()[0].matches("github.event.issue.title"));
        let e = parse("contains(github.event.pull_request.labels.*.name, 'x') && !cancelled()").unwrap();
        let ctxs: Vec<String> = e.contexts().iter().filter_map(|c| c.dotted()).collect();
        assert_eq!(ctxs, vec!["github.event.pull_request.labels.*.name"]);
        let e = parse("github.event['issue'].body").unwrap();
        assert!(e.contexts()[0].matches("github.event.*.body"));
        assert!(parse("a ==").is_none());
        assert!(parse("fromJSON(steps.x.outputs.y).foo[0]").is_some());
    }

    #[test]
    fn finds_sites_with_offsets() {
        let t = "echo ${{ github.actor }} and ${{ 'a}}b' }}";
        let sites = expressions_in_text(t, 10);
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].start, 15);
        assert_eq!(sites[0].text(), "github.actor");
        assert_eq!(sites[1].text(), "'a}}b'");
    }
}
