//! JSON values (an AdmissionReview's `request.object`) as vigil's tree, without a round trip
//! through text and the YAML parser. Positions are unknown (default spans); scalars keep the
//! meaning JSON gives them: strings are quoted, numbers and booleans plain.

use crate::node::{Node, ScalarStyle, Span, Value};

/// Converts a JSON value. Depth is bounded by serde_json's own recursion limit (128).
#[must_use]
pub fn from_json(value: &serde_json::Value) -> Node {
    let node = |value| Node { value, span: Span::default() };
    match value {
        serde_json::Value::Null => node(Value::Null),
        serde_json::Value::Bool(b) => node(Value::Scalar(b.to_string(), ScalarStyle::Plain)),
        serde_json::Value::Number(n) => node(Value::Scalar(n.to_string(), ScalarStyle::Plain)),
        serde_json::Value::String(s) => node(Value::Scalar(s.clone(), ScalarStyle::Quoted)),
        serde_json::Value::Array(items) => node(Value::Seq(items.iter().map(from_json).collect())),
        serde_json::Value::Object(map) => node(Value::Map(
            map.iter().map(|(k, v)| (node(Value::Scalar(k.clone(), ScalarStyle::Quoted)), from_json(v))).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, load, objects_of};

    #[test]
    fn same_objects_as_parsing_the_text() {
        let text = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx","ports":[{"hostPort":8080}]}]}}"#;
        let parsed = load("x.json", text.as_bytes().to_vec(), &Limits::default());
        let converted = objects_of(from_json(&serde_json::from_str(text).unwrap()));
        assert_eq!(converted.len(), 1);
        let (a, b) = (&parsed.objects[0], &converted[0]);
        assert_eq!(a.reference, b.reference);
        assert_eq!(b.root.get_path("spec.hostNetwork").and_then(Node::as_bool), Some(true));
        assert_eq!(
            b.root.get("spec").and_then(|s| s.get("containers")).and_then(|c| c.as_seq()).map(|c| c.len()),
            Some(1)
        );
        assert_eq!(a.root.get_path("spec.hostNetwork").and_then(Node::as_bool), Some(true));
    }
}
