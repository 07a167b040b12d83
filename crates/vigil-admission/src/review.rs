//! `admission.k8s.io/v1` `AdmissionReview`: the request vigil reads and the response it writes.
//! Only the fields vigil uses are typed; unknown fields are ignored, as the API server adds
//! new ones over time.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigil_policy::{Decision, Patch};

/// Largest request body accepted by default (see [`crate::limits::DEFAULT_MAX_BODY_BYTES`]).
pub const MAX_BODY_BYTES: usize = crate::limits::DEFAULT_MAX_BODY_BYTES;

/// An incoming review.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReview {
    /// Must be `admission.k8s.io/v1`.
    pub api_version: String,
    /// Must be `AdmissionReview`.
    pub kind: String,
    /// The request.
    pub request: Option<Request>,
}

/// The request part of a review.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Echoed in the response.
    pub uid: String,
    /// Kind of the object (`{group, version, kind}`).
    #[serde(default)]
    pub kind: GroupVersionKind,
    /// Namespace of the request.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Name of the object (may be empty for `generateName`).
    #[serde(default)]
    pub name: Option<String>,
    /// CREATE, UPDATE, DELETE or CONNECT.
    #[serde(default)]
    pub operation: String,
    /// The subresource, if any (`status`, `ephemeralcontainers`).
    #[serde(default)]
    pub sub_resource: Option<String>,
    /// The object as it would be stored.
    #[serde(default)]
    pub object: Option<Value>,
    /// Whether this is a dry run (no side effects allowed).
    #[serde(default)]
    pub dry_run: Option<bool>,
    /// Who made the request (`username`, `uid`, `groups`, `extra`).
    #[serde(default)]
    pub user_info: Option<Value>,
}

/// `{group, version, kind}`.
#[derive(Debug, Default, Deserialize)]
pub struct GroupVersionKind {
    /// API group (`""` for core).
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

/// Why a body is not a usable review (answered with HTTP 400).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Not JSON, or not the right shape.
    #[error("request body is not an AdmissionReview: {0}")]
    Json(String),
    /// Another version or kind.
    #[error("expected apiVersion `admission.k8s.io/v1` and kind `AdmissionReview`, got `{api_version}` `{kind}`")]
    Version {
        /// What was sent.
        api_version: String,
        /// What was sent.
        kind: String,
    },
    /// No `request`.
    #[error("AdmissionReview has no `request`")]
    NoRequest,
    /// No `request.uid`.
    #[error("AdmissionReview request has no `uid`")]
    NoUid,
}

/// Parses and checks a review body.
///
/// # Errors
/// [`ReviewError`] with the reason.
pub fn parse(body: &[u8]) -> Result<Request, ReviewError> {
    let review: AdmissionReview = serde_json::from_slice(body).map_err(|e| ReviewError::Json(e.to_string()))?;
    if review.api_version != "admission.k8s.io/v1" || review.kind != "AdmissionReview" {
        return Err(ReviewError::Version { api_version: review.api_version, kind: review.kind });
    }
    let request = review.request.ok_or(ReviewError::NoRequest)?;
    if request.uid.is_empty() {
        return Err(ReviewError::NoUid);
    }
    Ok(request)
}

/// The response part of a review.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The request's UID.
    pub uid: String,
    /// The verdict.
    pub allowed: bool,
    /// Why it was denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Warnings shown to the client (`kubectl` prints them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Recorded in the API server's audit log.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
    /// `JSONPatch` when `patch` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// Base64 JSON Patch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

/// `metav1.Status` for a denial.
#[derive(Debug, Serialize)]
pub struct Status {
    /// HTTP-like code (403).
    pub code: u16,
    /// The reasons.
    pub message: String,
    /// `Forbidden`.
    pub reason: &'static str,
}

/// A full review response document.
#[must_use]
pub fn envelope(response: &Response) -> Value {
    serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
}

/// An allow-everything response (objects vigil does not judge).
#[must_use]
pub fn allow(uid: &str) -> Response {
    Response {
        uid: uid.to_string(),
        allowed: true,
        status: None,
        warnings: Vec::new(),
        audit_annotations: BTreeMap::new(),
        patch_type: None,
        patch: None,
    }
}

/// The validating response for a settled decision.
#[must_use]
pub fn validating(uid: &str, decision: &Decision) -> Response {
    let mut response = allow(uid);
    response.allowed = decision.allowed;
    if !decision.allowed {
        response.status = Some(Status {
            code: 403,
            message: format!("vigil denied the request: {}", decision.denial_message()),
            reason: "Forbidden",
        });
    }
    response.warnings = decision.warnings.iter().map(|v| format!("vigil: {v}")).collect();
    if decision.allowed {
        for e in &decision.errors {
            response.warnings.push(format!(
                "vigil: policy {} could not verify container \"{}\" (failure mode open): {}",
                e.policy, e.container, e.message
            ));
        }
    }
    response.audit_annotations = audit_annotations(decision);
    response
}

/// The mutating response: always allowed (the validating webhook decides), with the digest pins
/// of verified images.
#[must_use]
pub fn mutating(uid: &str, patches: &[Patch]) -> Response {
    let mut response = allow(uid);
    if !patches.is_empty() {
        response.patch_type = Some("JSONPatch");
        response.patch = Some(BASE64.encode(serde_json::to_vec(patches).unwrap_or_default()));
    }
    response
}

/// `verified.<container>` = `image@digest signed by …`; `policy.<name>` = audit-mode
/// violations. Keys are lowercased and limited to what the API server accepts.
fn audit_annotations(decision: &Decision) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (container, by) in &decision.verified {
        out.insert(key("verified", container), truncate(by));
    }
    let mut by_policy: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for v in &decision.audits {
        by_policy.entry(&v.policy).or_default().push(v.to_string());
    }
    for (policy, messages) in by_policy {
        out.insert(key("policy", policy), truncate(&messages.join("; ")));
    }
    out
}

fn key(prefix: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c.to_ascii_lowercase() } else { '-' })
        .take(50)
        .collect();
    format!("{prefix}.{}", clean.trim_matches(|c| c == '-' || c == '.'))
}

fn truncate(value: &str) -> String {
    const MAX: usize = 4096;
    if value.len() <= MAX {
        return value.to_string();
    }
    let mut end = MAX;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &value[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bodies_are_refused_with_the_reason() {
        assert!(matches!(parse(b"not json"), Err(ReviewError::Json(_))));
        assert!(matches!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"a"}}"#),
            Err(ReviewError::Version { .. })
        ));
        assert!(matches!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#),
            Err(ReviewError::NoRequest)
        ));
        assert!(matches!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}"#),
            Err(ReviewError::NoUid)
        ));
        let ok = parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","operation":"CREATE","dryRun":true}}"#).unwrap();
        assert_eq!((ok.uid.as_str(), ok.dry_run), ("u1", Some(true)));
    }

    #[test]
    fn annotation_keys_are_qualified_names() {
        assert_eq!(key("verified", "App_Server"), "verified.app-server");
        assert!(key("policy", &"x".repeat(200)).len() <= 60);
    }

    proptest::proptest! {
        /// Hostile bodies never panic: they parse or are refused with a reason.
        #[test]
        fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1024)) {
            let _ = parse(&bytes);
        }
    }
}
