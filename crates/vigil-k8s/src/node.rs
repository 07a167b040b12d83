//! A YAML/JSON tree in which every node remembers where it was written.

/// Position of a node in its source: 1-based line, 0-based character column and the
/// character index of its first character, plus the character index one past its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 0-based column in characters.
    pub col: u32,
    /// Character index of the start.
    pub start: usize,
    /// Character index one past the end.
    pub end: usize,
}

/// How a scalar was written. Kubernetes decodes YAML through a JSON conversion that gives
/// plain scalars YAML 1.1 meaning (`yes` is a boolean) and quoted ones string meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// Single- or double-quoted.
    Quoted,
    /// Literal (`|`) or folded (`>`) block.
    Block,
}

/// The content of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar with its text and style. `null`, `~` and empty plain scalars are [`Value::Null`].
    Scalar(String, ScalarStyle),
    /// Explicit or implicit null.
    Null,
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; keys are nodes so that their positions are known.
    Map(Vec<(Node, Node)>),
}

/// One node of a document with its source span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The content.
    pub value: Value,
    /// Where it was written.
    pub span: Span,
}

impl Node {
    /// A null node at `span`.
    pub fn null(span: Span) -> Self {
        Node { value: Value::Null, span }
    }

    /// The entries of a mapping, or `None`.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of a sequence, or `None`.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text of a scalar that is not null, or `None`.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// Whether the node is null (explicit, `~`, or empty).
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A boolean as Kubernetes decodes it: plain `true`/`false` and the YAML 1.1 forms
    /// (`yes`, `on`, `y`, …) that `sigs.k8s.io/yaml` accepts. Quoted strings are not booleans.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(text, ScalarStyle::Plain) => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer written as a plain scalar (decimal, `0x` hex, `0o` octal, optional sign,
    /// `_` separators as YAML 1.1 allows). Quoted strings are not integers.
    pub fn as_i64(&self) -> Option<i64> {
        let Value::Scalar(text, ScalarStyle::Plain) = &self.value else { return None };
        let cleaned: String = text.chars().filter(|c| *c != '_').collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
        };
        let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i64::from_str_radix(oct, 8).ok()?
        } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse::<i64>().ok()?
        } else {
            // JSON numbers such as `8080.0` are integers to Kubernetes too.
            let float: f64 = digits.parse().ok()?;
            if float.fract() != 0.0 || !float.is_finite() || float.abs() > 9.0e15 {
                return None;
            }
            float as i64
        };
        Some(if negative { -magnitude } else { magnitude })
    }

    /// The value of `key` in a mapping (the last one when a key is repeated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and the value node of `key` in a mapping.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(k, v)| (k, v))
    }

    /// Follows a dotted path of mapping keys (`securityContext.seccompProfile.type`).
    pub fn get_path(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }

    /// Like [`Node::get_path`] but returns the key node of the last step too.
    pub fn get_path_entry(&self, path: &str) -> Option<(&Node, &Node)> {
        let (parent, last) = match path.rsplit_once('.') {
            Some((parent, last)) => (self.get_path(parent)?, last),
            None => (self, path),
        };
        parent.get_entry(last)
    }

    /// Number of nodes in this subtree (itself included).
    pub fn count(&self) -> usize {
        let mut total = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            total += 1;
            match &node.value {
                Value::Seq(items) => stack.extend(items.iter()),
                Value::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
        total
    }
}

/// Drops deep trees without recursion, so a hostile nesting depth cannot overflow the stack.
impl Drop for Node {
    fn drop(&mut self) {
        let mut pending: Vec<Node> = Vec::new();
        take_children(&mut self.value, &mut pending);
        while let Some(mut node) = pending.pop() {
            take_children(&mut node.value, &mut pending);
        }
    }
}

/// Moves the children that have children of their own to `pending` (leaves are dropped on the
/// spot), and frees the child list at once, so dropping a wide tree never holds a second copy
/// of it.
fn take_children(value: &mut Value, pending: &mut Vec<Node>) {
    let nested = |node: &Node| {
        matches!(&node.value, Value::Seq(v) if !v.is_empty()) || matches!(&node.value, Value::Map(v) if !v.is_empty())
    };
    match value {
        Value::Seq(items) if !items.is_empty() => {
            pending.extend(std::mem::take(items).into_iter().filter(nested));
        }
        Value::Map(entries) if !entries.is_empty() => {
            for (k, v) in std::mem::take(entries) {
                pending.extend([k, v].into_iter().filter(nested));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str, style: ScalarStyle) -> Node {
        Node { value: Value::Scalar(text.into(), style), span: Span::default() }
    }

    #[test]
    fn booleans_follow_kubernetes_decoding() {
        assert_eq!(scalar("true", ScalarStyle::Plain).as_bool(), Some(true));
        assert_eq!(scalar("yes", ScalarStyle::Plain).as_bool(), Some(true));
        assert_eq!(scalar("Off", ScalarStyle::Plain).as_bool(), Some(false));
        assert_eq!(scalar("true", ScalarStyle::Quoted).as_bool(), None);
        assert_eq!(scalar("maybe", ScalarStyle::Plain).as_bool(), None);
    }

    #[test]
    fn integers() {
        assert_eq!(scalar("8080", ScalarStyle::Plain).as_i64(), Some(8080));
        assert_eq!(scalar("-1", ScalarStyle::Plain).as_i64(), Some(-1));
        assert_eq!(scalar("0x10", ScalarStyle::Plain).as_i64(), Some(16));
        assert_eq!(scalar("80.0", ScalarStyle::Plain).as_i64(), Some(80));
        assert_eq!(scalar("80.5", ScalarStyle::Plain).as_i64(), None);
        assert_eq!(scalar("8080", ScalarStyle::Quoted).as_i64(), None);
        assert_eq!(scalar("99999999999999999999", ScalarStyle::Plain).as_i64(), None);
    }
}
