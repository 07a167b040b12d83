//! Falco's condition language, as libsinsp parses and evaluates it.
//!
//! Grammar (lowest precedence first): `or`, `and`, `not`, then a primary: a parenthesised
//! expression, a macro name, or a comparison `FIELD OP [VALUE]`. A field is `name` or
//! `name[arg]`, optionally inside a transformer (`tolower(…)`, `toupper(…)`, `b64(…)`,
//! `basename(…)`). Operators: `=` (`==`), `!=`, `<`, `<=`, `>`, `>=`, `contains`,
//! `icontains`, `bcontains`, `startswith`, `bstartswith`, `endswith`, `glob`, `iglob`,
//! `pmatch`, `regex`, `in`, `intersects`, `exists`. Values are bare words, quoted strings
//! (`"…"`, `'…'`, backslash escapes), parenthesised lists (`(a, "b c", list_name)`, list names
//! expanded), or `val(field)`.
//!
//! Semantics (libsinsp `sinsp_filter_check::compare_rhs`): a field with no value makes every
//! comparison false (`exists` too; `not` of it true). A list field (several values) supports
//! `exists`, `in` (every value is in the set) and `intersects` (some value is); any other
//! operator on it never matches (libsinsp throws when it reaches one). `<`… compare as numbers
//! when both sides are numbers, else as strings.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::json::Json;

use crate::fields::{self, FieldId};

/// Macros may nest this deep (a cycle is reported before).
const MAX_MACRO_DEPTH: usize = 64;
/// Parenthesis nesting.
const MAX_NESTING: usize = 200;

/// A transformer applied to a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transformer {
    /// `tolower(f)`.
    ToLower,
    /// `toupper(f)`.
    ToUpper,
    /// `b64(f)`: base64-decoded.
    B64,
    /// `basename(f)`.
    Basename,
}

/// A field reference: the field, its bracket argument, and a transformer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// The field.
    pub id: FieldId,
    /// `[arg]`.
    pub arg: Option<String>,
    /// `tolower(…)` and the like.
    pub transformer: Option<Transformer>,
    /// As written, for messages and `output_fields`.
    pub text: String,
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains`
    Contains,
    /// `icontains`
    IContains,
    /// `bcontains` (hex bytes)
    BContains,
    /// `startswith`
    StartsWith,
    /// `bstartswith` (hex bytes)
    BStartsWith,
    /// `endswith`
    EndsWith,
    /// `glob`
    Glob,
    /// `iglob`
    IGlob,
    /// `pmatch`
    PMatch,
    /// `regex`
    Regex,
    /// `in`
    In,
    /// `intersects`
    Intersects,
    /// `exists`
    Exists,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "iglob" => Op::IGlob,
            "pmatch" => Op::PMatch,
            "regex" => Op::Regex,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "exists" => Op::Exists,
            _ => return None,
        })
    }

    fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::PMatch)
    }
}

/// A set of values: a linear scan while small (faster than hashing a short string), hashed
/// beyond.
#[derive(Debug, Clone)]
enum Set {
    Small(Vec<String>),
    Large(HashSet<String>),
}

impl Set {
    fn of(items: Vec<String>) -> Set {
        if items.len() <= 16 {
            let mut items = items;
            items.sort();
            items.dedup();
            Set::Small(items)
        } else {
            Set::Large(items.into_iter().collect())
        }
    }

    fn contains(&self, value: &str) -> bool {
        match self {
            Set::Small(items) => items.iter().any(|i| i == value),
            Set::Large(items) => items.contains(value),
        }
    }
}

/// The right-hand side of a comparison, prepared at compile time.
#[derive(Debug, Clone)]
enum Rhs {
    None,
    One(String),
    Set(Set),
    Paths(Vec<String>),
    Regex(Box<regex::Regex>),
    Field(usize),
    Bytes(Vec<u8>),
}

/// A compiled expression; field references are slots of the [`Fields`] table.
#[derive(Debug, Clone)]
pub enum Expr {
    /// All of them.
    And(Vec<Expr>),
    /// Any of them.
    Or(Vec<Expr>),
    /// Not.
    Not(Box<Expr>),
    /// A comparison.
    Cmp(Box<Cmp>),
}

/// One comparison.
#[derive(Debug, Clone)]
pub struct Cmp {
    slot: usize,
    op: Op,
    rhs: Rhs,
    list: bool,
}

/// The field references of a rule set, each extracted at most once per event.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    refs: Vec<FieldRef>,
    index: HashMap<(FieldId, Option<String>, Option<Transformer>), usize>,
}

impl Fields {
    /// The slot of a reference already interned, without a transformer.
    #[must_use]
    pub fn find(&self, id: FieldId, arg: Option<&str>) -> Option<usize> {
        self.index.get(&(id, arg.map(str::to_owned), None)).copied()
    }

    /// The slot of a reference (added when new).
    pub fn slot(&mut self, field: FieldRef) -> usize {
        let key = (field.id, field.arg.clone(), field.transformer);
        if let Some(&slot) = self.index.get(&key) {
            return slot;
        }
        self.refs.push(field);
        let slot = self.refs.len() - 1;
        self.index.insert(key, slot);
        slot
    }

    /// The reference of a slot.
    #[must_use]
    pub fn get(&self, slot: usize) -> Option<&FieldRef> {
        self.refs.get(slot)
    }

    /// How many slots.
    #[must_use]
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }
}

/// Per-event extracted values, by slot.
pub struct EventValues<'a> {
    event: &'a Json<'a>,
    cache: Vec<Option<Option<Vec<Cow<'a, str>>>>>,
}

impl<'a> EventValues<'a> {
    /// An empty cache for `event` over `fields`.
    #[must_use]
    pub fn new(event: &'a Json<'a>, fields: &Fields) -> Self {
        EventValues { event, cache: vec![None; fields.len()] }
    }

    /// The event.
    #[must_use]
    pub fn event(&self) -> &'a Json<'a> {
        self.event
    }

    /// The values of a slot (`None`: no value).
    pub fn values(&mut self, fields: &Fields, slot: usize) -> Option<&[Cow<'a, str>]> {
        if self.cache.get(slot).is_some_and(Option::is_none) {
            let extracted = fields.get(slot).and_then(|f| extract(self.event, f));
            if let Some(c) = self.cache.get_mut(slot) {
                *c = Some(extracted);
            }
        }
        self.cache.get(slot).and_then(|c| c.as_ref()).and_then(|v| v.as_deref())
    }
}

fn extract<'a>(event: &'a Json<'a>, field: &FieldRef) -> Option<Vec<Cow<'a, str>>> {
    let values = fields::extract(event, field.id, field.arg.as_deref())?;
    let Some(t) = field.transformer else { return Some(values) };
    Some(
        values
            .into_iter()
            .filter_map(|v| match t {
                Transformer::ToLower => Some(Cow::Owned(v.to_lowercase())),
                Transformer::ToUpper => Some(Cow::Owned(v.to_uppercase())),
                Transformer::Basename => Some(Cow::Owned(v.rsplit('/').next().unwrap_or("").to_owned())),
                Transformer::B64 => {
                    use base64::Engine as _;
                    let bytes = base64::engine::general_purpose::STANDARD.decode(v.as_bytes()).ok()?;
                    Some(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
                }
            })
            .collect(),
    )
}

/// The values a single-valued field (`slot`) must take for `expr` to be true, when the top-level
/// conjunction of `expr` (through nested `and`s) compares it with `=`, `in` or `intersects`;
/// `None` when nothing is known. Several such conjuncts intersect. Used to skip rules that
/// cannot match an event; a field without a value fails every such conjunct, so skipping is
/// exact.
#[must_use]
pub fn required_values(expr: &Expr, slot: usize) -> Option<HashSet<String>> {
    match expr {
        Expr::And(items) => {
            let mut acc: Option<HashSet<String>> = None;
            for item in items {
                if let Some(set) = required_values(item, slot) {
                    acc = Some(match acc {
                        None => set,
                        Some(prev) => prev.intersection(&set).cloned().collect(),
                    });
                }
            }
            acc
        }
        Expr::Cmp(cmp) if cmp.slot == slot && !cmp.list => match (&cmp.op, &cmp.rhs) {
            (Op::Eq | Op::In | Op::Intersects, Rhs::One(v)) => Some(std::iter::once(v.clone()).collect()),
            (Op::In | Op::Intersects, Rhs::Set(Set::Small(items))) => Some(items.iter().cloned().collect()),
            (Op::In | Op::Intersects, Rhs::Set(Set::Large(items))) => Some(items.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Evaluates an expression.
pub fn eval<'a>(expr: &Expr, fields: &Fields, values: &mut EventValues<'a>) -> bool {
    match expr {
        Expr::And(items) => items.iter().all(|e| eval(e, fields, values)),
        Expr::Or(items) => items.iter().any(|e| eval(e, fields, values)),
        Expr::Not(inner) => !eval(inner, fields, values),
        Expr::Cmp(cmp) => compare(cmp, fields, values),
    }
}

fn compare<'a>(cmp: &Cmp, fields: &Fields, values: &mut EventValues<'a>) -> bool {
    let rhs_field: Option<Vec<String>> = match &cmp.rhs {
        Rhs::Field(slot) => match values.values(fields, *slot) {
            Some(v) => Some(v.iter().map(|s| s.to_string()).collect()),
            None => return false,
        },
        _ => None,
    };
    let Some(lhs) = values.values(fields, cmp.slot) else { return false };
    if cmp.op == Op::Exists {
        return true;
    }
    if cmp.list {
        let Rhs::Set(set) = &cmp.rhs else { return false };
        return match cmp.op {
            Op::In => !lhs.is_empty() && lhs.iter().all(|v| set.contains(v.as_ref())),
            Op::Intersects => lhs.iter().any(|v| set.contains(v.as_ref())),
            // Any other operator on a list field: refused by libsinsp at evaluation.
            _ => false,
        };
    }
    let Some(v) = lhs.first() else { return false };
    let v = v.as_ref();
    match (&cmp.rhs, cmp.op) {
        (_, Op::Exists) => true,
        (Rhs::Field(_), op) => rhs_field.as_ref().and_then(|r| r.first()).is_some_and(|r| scalar(op, v, r)),
        (Rhs::Set(set), Op::In | Op::Intersects) => set.contains(v),
        (Rhs::Paths(paths), Op::PMatch) => paths.iter().any(|p| path_under(v, p)),
        (Rhs::Regex(re), Op::Regex) => re.is_match(v),
        (Rhs::Bytes(b), Op::BContains) => contains_bytes(v.as_bytes(), b),
        (Rhs::Bytes(b), Op::BStartsWith) => v.as_bytes().starts_with(b),
        (Rhs::One(r), op) => scalar(op, v, r),
        _ => false,
    }
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn path_under(value: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return value.starts_with('/');
    }
    value == prefix || value.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn scalar(op: Op, v: &str, r: &str) -> bool {
    match op {
        Op::Eq => v == r,
        Op::Ne => v != r,
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ord = match (number(v), number(r)) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => Some(v.cmp(r)),
            };
            let Some(ord) = ord else { return false };
            match op {
                Op::Lt => ord.is_lt(),
                Op::Le => ord.is_le(),
                Op::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
        Op::Contains => v.contains(r),
        Op::IContains => v.to_lowercase().contains(&r.to_lowercase()),
        Op::StartsWith => v.starts_with(r),
        Op::EndsWith => v.ends_with(r),
        Op::Glob => glob(v.as_bytes(), r.as_bytes()),
        Op::IGlob => glob(v.to_lowercase().as_bytes(), r.to_lowercase().as_bytes()),
        Op::In | Op::Intersects => v == r,
        Op::PMatch => path_under(v, r),
        _ => false,
    }
}

/// Shell glob (`*`, `?`, `[…]`, `[!…]`), iterative with one backtrack point per star.
fn glob(text: &[u8], pattern: &[u8]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let c = text.get(t).copied().unwrap_or(0);
        match pattern.get(p).copied() {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(b'?') => {
                t += 1;
                p += 1;
                continue;
            }
            Some(b'[') => {
                if let Some((matched, next)) = class(pattern, p, c) {
                    if matched {
                        t += 1;
                        p = next;
                        continue;
                    }
                } else if c == b'[' {
                    t += 1;
                    p += 1;
                    continue;
                }
            }
            Some(pc) if pc == c => {
                t += 1;
                p += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern.get(p..).is_some_and(|rest| rest.iter().all(|b| *b == b'*'))
}

/// A `[…]` class at `p`: whether `c` matches, and the index after it; `None` if unterminated.
fn class(pattern: &[u8], p: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = p + 1;
    let negate = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *pattern.get(i)?;
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|e| *e != b']') {
            let end = *pattern.get(i + 2)?;
            if b <= c && c <= end {
                matched = true;
            }
            i += 3;
        } else {
            if b == c {
                matched = true;
            }
            i += 1;
        }
    }
}

/// A condition that does not parse or compile, with the byte offset in the condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset {offset} of `{condition}`)")]
pub struct ConditionError {
    /// What is wrong.
    pub message: String,
    /// Byte offset.
    pub offset: usize,
    /// The condition (shortened).
    pub condition: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Word(String),
    Quoted(String),
    /// `name[arg]`
    FieldArg(String, String),
    Symbol(String),
}

fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>, (String, usize)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(b' ');
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push((Tok::LParen, start));
                i += 1;
            }
            b')' => {
                out.push((Tok::RParen, start));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, start));
                i += 1;
            }
            b'"' | b'\'' => {
                let quote = c;
                i += 1;
                let mut s = Vec::new();
                loop {
                    let Some(&b) = bytes.get(i) else {
                        return Err(("unterminated string".into(), start));
                    };
                    i += 1;
                    if b == quote {
                        break;
                    }
                    if b == b'\\' {
                        let Some(&e) = bytes.get(i) else {
                            return Err(("unterminated string".into(), start));
                        };
                        i += 1;
                        s.push(match e {
                            b'n' => b'\n',
                            b't' => b'\t',
                            b'r' => b'\r',
                            other => other,
                        });
                    } else {
                        s.push(b);
                    }
                }
                out.push((Tok::Quoted(String::from_utf8_lossy(&s).into_owned()), start));
            }
            b'=' | b'!' | b'<' | b'>' => {
                let two = src.get(i..i + 2).unwrap_or("");
                let sym = if matches!(two, "==" | "!=" | "<=" | ">=") { two } else { src.get(i..i + 1).unwrap_or("") };
                if sym == "!" {
                    return Err(("unexpected `!`".into(), start));
                }
                i += sym.len();
                out.push((Tok::Symbol(sym.to_owned()), start));
            }
            _ => {
                // A bare word: up to white space, a parenthesis, a comma, a comparison symbol or
                // a quote; a `[` opens a field argument that runs to the matching `]`.
                while let Some(&b) = bytes.get(i) {
                    if matches!(
                        b,
                        b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')' | b',' | b'=' | b'<' | b'>' | b'"' | b'\''
                    ) || (b == b'!' && bytes.get(i + 1) == Some(&b'='))
                    {
                        break;
                    }
                    if b == b'[' {
                        break;
                    }
                    i += 1;
                }
                let word = src.get(start..i).unwrap_or("").to_owned();
                if bytes.get(i) == Some(&b'[') {
                    let arg_start = i + 1;
                    let mut depth = 1usize;
                    i += 1;
                    while let Some(&b) = bytes.get(i) {
                        if b == b'[' {
                            depth += 1;
                        } else if b == b']' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        i += 1;
                    }
                    if bytes.get(i) != Some(&b']') {
                        return Err(("unterminated `[` field argument".into(), start));
                    }
                    let arg = src.get(arg_start..i).unwrap_or("").to_owned();
                    i += 1;
                    out.push((Tok::FieldArg(word, arg), start));
                } else {
                    out.push((Tok::Word(word), start));
                }
            }
        }
    }
    Ok(out)
}

/// Everything a condition is compiled against.
pub struct Scope<'s> {
    /// Macro name → condition text.
    pub macros: &'s HashMap<String, String>,
    /// List name → items (already expanded).
    pub lists: &'s HashMap<String, Vec<String>>,
}

/// Compiles `condition` into an expression over `fields`, expanding macros and lists.
///
/// # Errors
/// A syntax error, an unknown field or macro, a macro cycle, an operator a field does not
/// admit.
pub fn compile(condition: &str, scope: &Scope<'_>, fields: &mut Fields) -> Result<Expr, ConditionError> {
    let mut stack = Vec::new();
    compile_inner(condition, scope, fields, &mut stack, 0)
}

fn shorten(s: &str) -> String {
    if s.len() <= 200 {
        return s.to_owned();
    }
    let mut end = 200;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or(""))
}

/// `depth`: the nesting already open around this condition (a macro's body continues its
/// user's), so that macros cannot multiply the nesting limit.
fn compile_inner(
    condition: &str,
    scope: &Scope<'_>,
    fields: &mut Fields,
    stack: &mut Vec<String>,
    depth: usize,
) -> Result<Expr, ConditionError> {
    let err = |message: String, offset: usize| ConditionError { message, offset, condition: shorten(condition) };
    let tokens = tokenize(condition).map_err(|(m, o)| err(m, o))?;
    let mut parser = Parser { tokens: &tokens, pos: 0, scope, fields, stack, depth, end: condition.len() };
    let expr = parser.or().map_err(|(m, o)| err(m, o))?;
    if let Some((_, at)) = tokens.get(parser.pos) {
        return Err(err("unexpected token after the end of the expression".into(), *at));
    }
    Ok(expr)
}

struct Parser<'t, 's, 'f> {
    tokens: &'t [(Tok, usize)],
    pos: usize,
    scope: &'t Scope<'s>,
    fields: &'f mut Fields,
    stack: &'t mut Vec<String>,
    depth: usize,
    end: usize,
}

type PResult<T> = Result<T, (String, usize)>;

impl Parser<'_, '_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }
    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, o)| *o)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut items = vec![self.and()?];
        while self.is_word("or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut items = vec![self.not()?];
        while self.is_word("and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    fn not(&mut self) -> PResult<Expr> {
        if self.is_word("not") {
            let at = self.at();
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err((format!("`not` and parentheses nest deeper than {MAX_NESTING}"), at));
            }
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> PResult<Expr> {
        let at = self.at();
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err((format!("parentheses nest deeper than {MAX_NESTING}"), at));
                }
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(("missing `)`".into(), self.at()));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(e)
            }
            Some(Tok::Word(w))
                if is_transformer(&w) && self.tokens.get(self.pos + 1).map(|t| &t.0) == Some(&Tok::LParen) =>
            {
                let transformer = transformer_of(&w);
                self.pos += 2;
                let (name, arg) = match self.peek().cloned() {
                    Some(Tok::Word(n)) => (n, None),
                    Some(Tok::FieldArg(n, a)) => (n, Some(a)),
                    _ => return Err((format!("`{w}(` must be followed by a field"), self.at())),
                };
                self.pos += 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(("missing `)` after the transformer's field".into(), self.at()));
                }
                self.pos += 1;
                let text = format!("{w}({name}{})", arg.as_ref().map(|a| format!("[{a}]")).unwrap_or_default());
                self.comparison(&name, arg, transformer, text, at)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                if self.next_is_operator() {
                    let text = w.clone();
                    return self.comparison(&w, None, None, text, at);
                }
                self.macro_ref(&w, at)
            }
            Some(Tok::FieldArg(name, arg)) => {
                self.pos += 1;
                let text = format!("{name}[{arg}]");
                self.comparison(&name, Some(arg), None, text, at)
            }
            Some(other) => Err((format!("unexpected {}", describe(&other)), at)),
            None => Err(("unexpected end of condition".into(), at)),
        }
    }

    fn next_is_operator(&self) -> bool {
        match self.peek() {
            Some(Tok::Symbol(_)) => true,
            Some(Tok::Word(w)) => Op::parse(w).is_some(),
            _ => false,
        }
    }

    fn macro_ref(&mut self, name: &str, at: usize) -> PResult<Expr> {
        let Some(body) = self.scope.macros.get(name) else {
            if fields::resolve(name, None).is_ok() {
                return Err((format!("field `{name}` is not followed by an operator"), at));
            }
            return Err((format!("undefined macro `{name}`"), at));
        };
        if self.stack.iter().any(|m| m == name) {
            return Err((format!("macro `{name}` refers to itself ({} → {name})", self.stack.join(" → ")), at));
        }
        if self.stack.len() >= MAX_MACRO_DEPTH {
            return Err((format!("macros nest deeper than {MAX_MACRO_DEPTH}"), at));
        }
        self.stack.push(name.to_owned());
        let body = body.clone();
        let compiled = compile_inner(&body, self.scope, self.fields, self.stack, self.depth + 1);
        self.stack.pop();
        compiled.map_err(|e| (format!("in macro `{name}`: {}", e.message), at))
    }

    fn comparison(
        &mut self,
        name: &str,
        arg: Option<String>,
        transformer: Option<Transformer>,
        text: String,
        at: usize,
    ) -> PResult<Expr> {
        let id = fields::resolve(name, arg.as_deref()).map_err(|m| (m, at))?;
        let list = fields::info(id).list;
        let op_at = self.at();
        let op = match self.peek() {
            Some(Tok::Symbol(s)) => Op::parse(s),
            Some(Tok::Word(w)) => Op::parse(w),
            _ => None,
        }
        .ok_or_else(|| (format!("expected an operator after `{text}`"), op_at))?;
        self.pos += 1;
        // A list field with another operator is accepted, as Falco loads it; libsinsp refuses
        // the comparison when it is reached (`list filter … only supports operators 'exists',
        // 'in' and 'intersects'`), so it never matches.
        let _ = op_at;
        let slot = self.fields.slot(FieldRef { id, arg, transformer, text });
        let rhs = if op == Op::Exists {
            Rhs::None
        } else if op.takes_list() {
            let items = self.list_value()?;
            if op == Op::PMatch { Rhs::Paths(items) } else { Rhs::Set(Set::of(items)) }
        } else {
            self.scalar_value(op)?
        };
        Ok(Expr::Cmp(Box::new(Cmp { slot, op, rhs, list })))
    }

    /// `(a, b, list)`, or a bare list name, or a single value.
    fn list_value(&mut self) -> PResult<Vec<String>> {
        let at = self.at();
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    match self.peek().cloned() {
                        Some(Tok::RParen) => {
                            self.pos += 1;
                            return Ok(items);
                        }
                        Some(Tok::Comma) => self.pos += 1,
                        Some(Tok::Word(w)) => {
                            self.pos += 1;
                            match self.scope.lists.get(&w) {
                                Some(list) => items.extend(list.iter().cloned()),
                                None => items.push(w),
                            }
                        }
                        Some(Tok::Quoted(q)) => {
                            self.pos += 1;
                            items.push(q);
                        }
                        Some(Tok::FieldArg(n, a)) => {
                            self.pos += 1;
                            items.push(format!("{n}[{a}]"));
                        }
                        Some(Tok::Symbol(s)) => {
                            // A bare `=` inside a list is a value in Falco (`(a=b)` is one word).
                            self.pos += 1;
                            items.push(s);
                        }
                        Some(Tok::LParen) => return Err(("nested `(` in a list".into(), self.at())),
                        None => return Err(("unterminated list: missing `)`".into(), at)),
                    }
                }
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                Ok(self.scope.lists.get(&w).cloned().unwrap_or_else(|| vec![w]))
            }
            Some(Tok::Quoted(q)) => {
                self.pos += 1;
                Ok(vec![q])
            }
            _ => Err(("expected a list `(…)` or a list name".into(), at)),
        }
    }

    fn scalar_value(&mut self, op: Op) -> PResult<Rhs> {
        let at = self.at();
        let value = match self.peek().cloned() {
            Some(Tok::Word(w)) if w == "val" && self.tokens.get(self.pos + 1).map(|t| &t.0) == Some(&Tok::LParen) => {
                self.pos += 2;
                let (name, arg) = match self.peek().cloned() {
                    Some(Tok::Word(n)) => (n, None),
                    Some(Tok::FieldArg(n, a)) => (n, Some(a)),
                    _ => return Err(("`val(` must be followed by a field".into(), self.at())),
                };
                self.pos += 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(("missing `)` after `val(field`".into(), self.at()));
                }
                self.pos += 1;
                let id = fields::resolve(&name, arg.as_deref()).map_err(|m| (m, at))?;
                let text = format!("val({name})");
                let slot = self.fields.slot(FieldRef { id, arg, transformer: None, text });
                return Ok(Rhs::Field(slot));
            }
            Some(Tok::Word(w)) => w,
            Some(Tok::Quoted(q)) => q,
            Some(Tok::FieldArg(n, a)) => format!("{n}[{a}]"),
            _ => return Err(("expected a value".into(), at)),
        };
        self.pos += 1;
        Ok(match op {
            Op::Regex => Rhs::Regex(Box::new(
                regex::Regex::new(&format!("^(?:{value})$")).map_err(|e| (format!("bad regex `{value}`: {e}"), at))?,
            )),
            Op::BContains | Op::BStartsWith => {
                Rhs::Bytes(hex(&value).ok_or_else(|| {
                    (format!("`{value}` is not a hex byte string (bcontains/bstartswith take hex)"), at)
                })?)
            }
            _ => Rhs::One(value),
        })
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn is_transformer(w: &str) -> bool {
    transformer_of(w).is_some()
}

fn transformer_of(w: &str) -> Option<Transformer> {
    Some(match w {
        "tolower" => Transformer::ToLower,
        "toupper" => Transformer::ToUpper,
        "b64" => Transformer::B64,
        "basename" => Transformer::Basename,
        _ => return None,
    })
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Quoted(q) => format!("string \"{q}\""),
        Tok::FieldArg(n, a) => format!("`{n}[{a}]`"),
        Tok::Symbol(s) => format!("`{s}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_shells_do() {
        assert!(glob(b"abc", b"a*c"));
        assert!(glob(b"abc", b"a?c"));
        assert!(glob(b"abc", b"[a-c]b[!x]"));
        assert!(!glob(b"abc", b"a*d"));
        assert!(glob(b"", b"*"));
        assert!(glob(b"/etc/passwd", b"/etc/*"));
        assert!(!glob(b"xabc", b"abc"));
    }

    #[test]
    fn pmatch_is_path_prefix() {
        assert!(path_under("/etc/passwd", "/etc"));
        assert!(path_under("/etc", "/etc/"));
        assert!(!path_under("/etcx", "/etc"));
        assert!(path_under("/anything", "/"));
    }
}
