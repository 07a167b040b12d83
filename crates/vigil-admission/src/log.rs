//! Structured logs: one JSON object per line on standard error.

use serde_json::{Map, Value};

/// Writes `{"ts": …, "level": …, "msg": …, …fields}` to standard error.
pub fn event(level: &str, msg: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("ts".into(), Value::String(vigil_core::time::rfc3339_millis_now()));
    line.insert("level".into(), Value::String(level.into()));
    line.insert("msg".into(), Value::String(msg.into()));
    if let Value::Object(extra) = fields {
        line.extend(extra);
    }
    // One write per line, so concurrent lines never interleave.
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
