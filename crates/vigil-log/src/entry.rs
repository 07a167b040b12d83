//! Log entries: what a decision looks like once it is logged.
//!
//! An entry is one JSON object in canonical form (RFC 8785 for the values vigil writes:
//! object keys sorted by UTF-16 code units, no insignificant white space, integers only,
//! strings escaped as serde_json escapes them, which matches RFC 8785). The bytes of that form
//! are the Merkle leaf (`SHA-256(0x00 || entry)`); nothing outside them is trusted. Fields:
//!
//! | field      | content |
//! |------------|---------|
//! | `version`  | `1` |
//! | `index`    | the entry's position in the log, so that a moved, deleted or inserted row is named |
//! | `kind`     | `admission`, `policy-test`, `sign`, `attest`, `scan`, `alert` or `reload` |
//! | `time`     | RFC 3339 UTC with milliseconds, when the writer recorded it |
//! | `actor`    | who asked: the AdmissionReview's `userInfo`, or the local user and host |
//! | `subject`  | what was decided: object kind/namespace/name, image references with digests, files |
//! | `decision` | `result` (`allow`, `deny`, `pass`, `fail`, `signed`, …), every `reasons` string, flags |
//! | `policy`   | the policy set digest and names, when a policy decided |
//! | `vigil`    | the version of vigil that wrote the entry |
//!
//! Entries are at most [`MAX_ENTRY_BYTES`] (the tlog-tiles entry bundle length prefix is 16
//! bits); longer reason lists are cut with a closing reason that says how many were left out.

use serde_json::{Map, Value};

/// The largest entry, in bytes of canonical JSON: the 16-bit length prefix of a tlog-tiles
/// entry bundle.
pub const MAX_ENTRY_BYTES: usize = 65_535;

/// The entry format version written into every entry.
pub const ENTRY_VERSION: u64 = 1;

/// The kinds of decision a log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An admission review answered by `vigil serve`.
    Admission,
    /// `vigil policy test`.
    PolicyTest,
    /// `vigil sign`.
    Sign,
    /// `vigil attest`.
    Attest,
    /// `vigil scan`.
    Scan,
    /// An alert (`vigil audit`, or a webhook event such as a failed log write).
    Alert,
    /// A policy (re)load by `vigil serve`.
    Reload,
}

impl Kind {
    /// Every kind, in the order they are documented.
    pub const ALL: [Kind; 7] =
        [Kind::Admission, Kind::PolicyTest, Kind::Sign, Kind::Attest, Kind::Scan, Kind::Alert, Kind::Reload];

    /// The kind as written in entries.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Admission => "admission",
            Kind::PolicyTest => "policy-test",
            Kind::Sign => "sign",
            Kind::Attest => "attest",
            Kind::Scan => "scan",
            Kind::Alert => "alert",
            Kind::Reload => "reload",
        }
    }

    /// Parses a kind as written in entries.
    #[must_use]
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decision to be logged: everything but the index, which the log assigns when it commits.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// What kind of decision.
    pub kind: Kind,
    /// RFC 3339 UTC time; [`Draft::new`] sets it to now.
    pub time: String,
    /// Who asked (a JSON object).
    pub actor: Value,
    /// What was decided on (a JSON object).
    pub subject: Value,
    /// The outcome: `allow`, `deny`, `pass`, `fail`, `signed`, `attested`, `loaded`, `error`, …
    pub result: String,
    /// Every reason, in order.
    pub reasons: Vec<String>,
    /// Further decision fields (`dry_run`, `mode`, `failure_mode`, counts …), merged into
    /// `decision`.
    pub details: Map<String, Value>,
    /// The policy set (`{"digest": "sha256:…", "names": […]}`), when one decided.
    pub policy: Option<Value>,
}

impl Draft {
    /// A draft of `kind` with `result`, recorded now, with no actor, subject or reasons yet.
    #[must_use]
    pub fn new(kind: Kind, result: &str) -> Self {
        Draft {
            kind,
            time: vigil_core::time::rfc3339_millis_now(),
            actor: Value::Object(Map::new()),
            subject: Value::Object(Map::new()),
            result: result.to_owned(),
            reasons: Vec::new(),
            details: Map::new(),
            policy: None,
        }
    }

    /// The entry this draft becomes at `index`, as canonical JSON bytes, cut to
    /// [`MAX_ENTRY_BYTES`] by leaving out trailing reasons (and saying so).
    ///
    /// # Errors
    /// When the entry is too large even with no reasons (a subject or actor over the limit).
    pub fn to_entry(&self, index: u64) -> Result<Vec<u8>, EntryTooLarge> {
        Ok(self.encode()?.at(index))
    }

    /// The entry in canonical form around its index, which the log fills in when it commits:
    /// encoding is the costly part of an append, and this way it runs on the caller's thread,
    /// not the log's one committing thread. Cut to fit [`MAX_ENTRY_BYTES`] at any index.
    ///
    /// # Errors
    /// When the entry is too large even with no reasons.
    pub fn encode(&self) -> Result<Encoded, EntryTooLarge> {
        // The longest index, `u64::MAX`, has 20 digits.
        const INDEX_DIGITS: usize = 20;
        let mut reasons = self.reasons.len();
        loop {
            let encoded = self.encode_with(reasons);
            let bytes = encoded.head.len() + encoded.tail.len() + INDEX_DIGITS;
            if bytes <= MAX_ENTRY_BYTES {
                return Ok(encoded);
            }
            if reasons == 0 {
                return Err(EntryTooLarge { bytes });
            }
            // Halve until it fits, then the closing reason names the count left out.
            reasons /= 2;
        }
    }

    fn encode_with(&self, kept_reasons: usize) -> Encoded {
        let mut decision = self.details.clone();
        decision.insert("result".into(), Value::String(self.result.clone()));
        let mut reasons: Vec<Value> =
            self.reasons.iter().take(kept_reasons).map(|r| Value::String(r.clone())).collect();
        if kept_reasons < self.reasons.len() {
            reasons.push(Value::String(format!(
                "… {} more reasons left out (entries are at most {MAX_ENTRY_BYTES} bytes)",
                self.reasons.len() - kept_reasons
            )));
        }
        decision.insert("reasons".into(), Value::Array(reasons));
        let decision = Value::Object(decision);
        let kind = Value::String(self.kind.as_str().into());
        let time = Value::String(self.time.clone());
        let version = Value::from(ENTRY_VERSION);
        let vigil = Value::String(env!("CARGO_PKG_VERSION").into());
        // The top-level keys in canonical (sorted) order; `index` is where the split is.
        let mut fields: Vec<(&str, Option<&Value>)> = vec![
            ("actor", Some(&self.actor)),
            ("decision", Some(&decision)),
            ("index", None),
            ("kind", Some(&kind)),
            ("policy", self.policy.as_ref()),
            ("subject", Some(&self.subject)),
            ("time", Some(&time)),
            ("version", Some(&version)),
            ("vigil", Some(&vigil)),
        ];
        fields.retain(|(k, v)| v.is_some() || *k == "index");
        let mut head = Vec::with_capacity(512);
        let mut tail = Vec::with_capacity(256);
        head.push(b'{');
        let mut out = &mut head;
        for (i, (key, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(key, out);
            out.push(b':');
            match value {
                Some(v) => write_canonical(v, out),
                None => out = &mut tail,
            }
        }
        out.push(b'}');
        Encoded { head, tail }
    }
}

/// An entry encoded around its index ([`Draft::encode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Encoded {
    /// The entry's bytes at `index`.
    #[must_use]
    pub fn at(&self, index: u64) -> Vec<u8> {
        let digits = index.to_string();
        let mut body = Vec::with_capacity(self.head.len() + digits.len() + self.tail.len());
        body.extend_from_slice(&self.head);
        body.extend_from_slice(digits.as_bytes());
        body.extend_from_slice(&self.tail);
        body
    }
}

/// An entry over [`MAX_ENTRY_BYTES`] even with every reason left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("log entry is {bytes} bytes without its reasons; entries are at most {MAX_ENTRY_BYTES} bytes")]
pub struct EntryTooLarge {
    /// The size without reasons.
    pub bytes: usize,
}

/// The local actor of a command-line writer: `{"user": …, "uid": …, "host": …}`.
#[must_use]
pub fn local_actor() -> Value {
    let mut actor = Map::new();
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default();
    if !user.is_empty() {
        actor.insert("user".into(), Value::String(user));
    }
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        use std::os::unix::fs::MetadataExt as _;
        actor.insert("uid".into(), Value::from(meta.uid()));
    }
    if let Some(host) = hostname() {
        actor.insert("host".into(), Value::String(host));
    }
    Value::Object(actor)
}

/// The machine's host name, when it can be read.
#[must_use]
pub fn hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok())?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// `value` in canonical form (RFC 8785 for integer-only JSON): keys sorted by UTF-16 code
/// units, no white space.
#[must_use]
pub fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::String(s) => write_string(s, out),
        // Integers print exactly; vigil writes no fractions (a float prints in serde_json's
        // shortest round-trip form, which is what RFC 8785 asks for finite doubles too).
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    // serde_json escapes `"`, `\\`, and control characters (short forms for \b \f \n \r \t,
    // `\u00xx` lower-case otherwise), exactly RFC 8785's rules. Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// The fields of a stored entry that the log itself checks and shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The whole entry.
    pub value: Value,
    /// `index`.
    pub index: Option<u64>,
    /// `kind`.
    pub kind: Option<String>,
    /// `time`.
    pub time: Option<String>,
}

/// Parses stored entry bytes.
///
/// # Errors
/// When the bytes are not a JSON object.
pub fn parse(body: &[u8]) -> Result<Parsed, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(map) = &value else {
        return Err("not a JSON object".into());
    };
    let index = map.get("index").and_then(Value::as_u64);
    let kind = map.get("kind").and_then(Value::as_str).map(str::to_owned);
    let time = map.get("time").and_then(Value::as_str).map(str::to_owned);
    Ok(Parsed { value, index, kind, time })
}

/// The `index` field of stored entry bytes, read without building the whole value (the
/// verifier reads millions of entries).
///
/// # Errors
/// When the bytes are not a JSON object with an unsigned integer `index`.
pub fn index_of(body: &[u8]) -> Result<u64, String> {
    #[derive(serde::Deserialize)]
    struct Index {
        index: Option<u64>,
    }
    let parsed: Index = serde_json::from_slice(body).map_err(|e| format!("not a JSON entry: {e}"))?;
    parsed.index.ok_or_else(|| "entry has no `index`".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_by_utf16_and_drops_space() {
        let value: Value =
            serde_json::from_str(r#"{"b":1,"a":[true,null,"x\n\u0001"],"\ufb33":1,"\ud83d\ude00":2,"\u20ac":3}"#)
                .unwrap_or(Value::Null);
        let text = String::from_utf8(canonical(&value)).unwrap_or_default();
        // RFC 8785 §3.2.3: U+1F600 is the surrogate pair 0xD83D 0xDE00, so it sorts after
        // U+20AC but before U+FB33 (code point order would put U+FB33 first).
        assert_eq!(text, "{\"a\":[true,null,\"x\\n\\u0001\"],\"b\":1,\"\u{20ac}\":3,\"\u{1f600}\":2,\"\u{fb33}\":1}");
    }

    #[test]
    fn entry_carries_every_field_and_its_index() {
        let mut draft = Draft::new(Kind::PolicyTest, "fail");
        draft.reasons = vec!["r1".into(), "r2".into()];
        draft.policy = Some(serde_json::json!({"digest": "sha256:00"}));
        let body = draft.to_entry(7).unwrap_or_default();
        let parsed = parse(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.index, Some(7));
        assert_eq!(index_of(&body), Ok(7));
        assert_eq!(parsed.kind.as_deref(), Some("policy-test"));
        assert_eq!(parsed.value["decision"]["reasons"], serde_json::json!(["r1", "r2"]));
        assert_eq!(parsed.value["version"], 1);
        assert_eq!(canonical(&parsed.value), body, "stored form is already canonical");
    }

    #[test]
    fn long_reason_lists_are_cut_to_the_limit_and_say_so() {
        let mut draft = Draft::new(Kind::Scan, "fail");
        draft.reasons = (0..10_000).map(|i| format!("CVE-2024-{i:05} in some-package 1.2.3")).collect();
        let body = draft.to_entry(0).unwrap_or_default();
        assert!(body.len() <= MAX_ENTRY_BYTES && body.len() > 1000, "{}", body.len());
        let parsed = parse(&body).unwrap_or_else(|e| panic!("{e}"));
        let reasons = parsed.value["decision"]["reasons"].as_array().cloned().unwrap_or_default();
        let last = reasons.last().and_then(Value::as_str).unwrap_or_default();
        assert!(last.contains("more reasons left out"), "{last}");
        let mut huge = Draft::new(Kind::Scan, "fail");
        huge.subject = Value::String("x".repeat(MAX_ENTRY_BYTES));
        assert!(huge.to_entry(0).is_err());
    }
}
