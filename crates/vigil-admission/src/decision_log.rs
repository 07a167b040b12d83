//! The decision log of `vigil serve` (`--log`): one entry per judged review, one per policy
//! (re)load, acknowledged before the answer is sent; and the tiles of the log mounted beside
//! the webhook (`/checkpoint`, `/tile/…`).

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use vigil_log::{Draft, Kind, Target, Writer};
use vigil_policy::{ContainerImage, Decision, Policy};

use crate::review;

/// Where `vigil serve` logs its decisions.
#[derive(Clone)]
pub struct LogSettings {
    /// The store.
    pub target: Target,
    /// The note signer key text (`PRIVATE+KEY+…`).
    pub signer_key: String,
    /// Serve the log's tiles and checkpoint on the webhook's listener too.
    pub serve_tiles: bool,
}

impl std::fmt::Debug for LogSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSettings")
            .field("target", &self.target.display())
            .field("signer_key", &"<redacted>")
            .field("serve_tiles", &self.serve_tiles)
            .finish()
    }
}

/// The open log of a running server.
pub(crate) struct DecisionLog {
    pub(crate) writer: Writer,
    pub(crate) tiles: Option<Arc<vigil_log::http::Tiles>>,
    pub(crate) target: String,
}

impl DecisionLog {
    pub(crate) fn open(settings: &LogSettings) -> Result<Self, String> {
        let signer = vigil_log::note::Signer::parse(&settings.signer_key)
            .map_err(|e| format!("decision log key: not a note signer key: {e}"))?;
        let writer = Writer::open(&settings.target, signer, vigil_log::WriterOptions::default())
            .map_err(|e| format!("decision log {}: {e}", settings.target.display()))?;
        let tiles = if settings.serve_tiles {
            Some(Arc::new(
                vigil_log::http::Tiles::open(&settings.target)
                    .map_err(|e| format!("decision log {}: {e}", settings.target.display()))?,
            ))
        } else {
            None
        };
        Ok(DecisionLog { writer, tiles, target: settings.target.display() })
    }

    /// Whether the last write (or probe) succeeded, and why not.
    pub(crate) fn health(&self) -> Result<(), String> {
        let status = self.writer.status();
        if status.healthy.load(Ordering::Relaxed) {
            return Ok(());
        }
        let last = status.last_error.lock().ok().and_then(|l| l.clone()).unwrap_or_default();
        Err(format!("decision log unavailable: {last}"))
    }

    pub(crate) fn metrics(&self) -> String {
        let status = self.writer.status();
        let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let _ = writeln!(out, "# HELP vigil_log_appended_total Decision log entries committed.");
        let _ = writeln!(out, "# TYPE vigil_log_appended_total counter");
        let _ = writeln!(out, "vigil_log_appended_total {}", get(&status.appended));
        let _ = writeln!(out, "# HELP vigil_log_failed_total Decision log entries that could not be committed.");
        let _ = writeln!(out, "# TYPE vigil_log_failed_total counter");
        let _ = writeln!(out, "vigil_log_failed_total {}", get(&status.failed));
        let _ = writeln!(out, "# HELP vigil_log_batches_total Decision log transactions (group commits).");
        let _ = writeln!(out, "# TYPE vigil_log_batches_total counter");
        let _ = writeln!(out, "vigil_log_batches_total {}", get(&status.batches));
        let _ = writeln!(out, "# HELP vigil_log_tree_size Entries in the decision log after the last commit.");
        let _ = writeln!(out, "# TYPE vigil_log_tree_size gauge");
        let _ = writeln!(out, "vigil_log_tree_size {}", get(&status.size));
        let _ = writeln!(out, "# HELP vigil_log_queued Decision log entries waiting to be committed.");
        let _ = writeln!(out, "# TYPE vigil_log_queued gauge");
        let _ = writeln!(out, "vigil_log_queued {}", get(&status.queued));
        let _ = writeln!(out, "# HELP vigil_log_healthy 1 when the last decision log write succeeded.");
        let _ = writeln!(out, "# TYPE vigil_log_healthy gauge");
        let _ = writeln!(out, "vigil_log_healthy {}", u8::from(status.healthy.load(Ordering::Relaxed)));
        out
    }

    /// Records `draft` and waits for its commit until `deadline`.
    pub(crate) async fn record(&self, draft: Draft, deadline: Instant) -> Result<u64, vigil_log::AppendError> {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        let result = self.writer.append(draft).wait_for(left).await;
        if let Err(e @ (vigil_log::AppendError::Timeout(_) | vigil_log::AppendError::QueueFull(_))) = &result {
            // A store that hangs (a held lock, a stalled disk) fails no commit, so the writer
            // would still call itself healthy: a review that timed out says otherwise. The
            // next commit or probe that succeeds clears it.
            let status = self.writer.status();
            status.healthy.store(false, Ordering::Relaxed);
            if let Ok(mut last) = status.last_error.lock() {
                *last = Some(format!("{}: {e}", self.target));
            }
        }
        result
    }

    /// Records `draft` without waiting (reloads).
    pub(crate) fn record_later(&self, draft: Draft) {
        if let Err(e) = self.writer.append_detached(draft) {
            crate::log::event("error", "log entry not queued", json!({"error": e.to_string()}));
        }
    }
}

/// What an admission entry says about the review beyond the decision.
pub(crate) struct ReviewFacts<'a> {
    pub(crate) review: &'a review::Request,
    pub(crate) validate: bool,
    pub(crate) kind: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) images: &'a [ContainerImage],
    pub(crate) failure_mode: &'a str,
}

/// The `userInfo` of a review as the entry's actor: username, uid, groups.
fn actor(user_info: Option<&Value>) -> Value {
    let mut actor = Map::new();
    if let Some(Value::Object(info)) = user_info {
        for key in ["username", "uid", "groups"] {
            if let Some(v) = info.get(key) {
                actor.insert(key.into(), v.clone());
            }
        }
    }
    Value::Object(actor)
}

/// The admission entry of a settled decision.
pub(crate) fn admission_draft(
    facts: &ReviewFacts<'_>,
    decision: &Decision,
    policies: &[Policy],
    digest: &str,
) -> Draft {
    let mut draft = vigil_policy::record::draft(
        Kind::Admission,
        facts.kind,
        facts.namespace,
        facts.name,
        facts.images,
        decision,
        policies,
        digest,
    );
    draft.actor = actor(facts.review.user_info.as_ref());
    if let Value::Object(subject) = &mut draft.subject {
        subject.insert("uid".into(), Value::String(facts.review.uid.clone()));
        subject.insert("operation".into(), Value::String(facts.review.operation.clone()));
        let gvk = &facts.review.kind;
        subject.insert(
            "apiVersion".into(),
            Value::String(if gvk.group.is_empty() {
                gvk.version.clone()
            } else {
                format!("{}/{}", gvk.group, gvk.version)
            }),
        );
    }
    if !facts.validate {
        draft.result = "mutate".into();
        draft.details.insert(
            "patches".into(),
            json!(decision.patches.iter().map(|p| json!({"path": p.path, "value": p.value})).collect::<Vec<_>>()),
        );
    }
    draft.details.insert("endpoint".into(), Value::String(if facts.validate { "validate" } else { "mutate" }.into()));
    draft.details.insert("dry_run".into(), Value::Bool(facts.review.dry_run.unwrap_or(false)));
    draft.details.insert("failure_mode".into(), Value::String(facts.failure_mode.into()));
    draft
}

/// The `alert` entry recorded when a review's entry could not be acknowledged by its deadline:
/// what was answered instead (the failure mode's answer for a validation).
pub(crate) fn unrecorded_draft(facts: &ReviewFacts<'_>, answered: &Decision, error: &str) -> Draft {
    let result = if !facts.validate {
        "mutate"
    } else if answered.allowed {
        "allow"
    } else {
        "deny"
    };
    let mut draft = Draft::new(Kind::Alert, "unrecorded-decision");
    draft.actor = actor(facts.review.user_info.as_ref());
    draft.subject = json!({
        "uid": facts.review.uid,
        "kind": facts.kind,
        "namespace": facts.namespace,
        "name": facts.name,
        "operation": facts.review.operation,
    });
    draft.reasons.push(format!("the decision log did not acknowledge the review's entry in time: {error}"));
    draft.details.insert("answered".into(), Value::String(result.into()));
    draft.details.insert("failure_mode".into(), Value::String(facts.failure_mode.into()));
    draft
}

/// The entry of a policy load (`loaded`) or of a refused reload (`refused`, with the error).
pub(crate) fn reload_draft(files: &[std::path::PathBuf], outcome: Result<(&[Policy], &str), &str>) -> Draft {
    let mut draft = Draft::new(Kind::Reload, if outcome.is_ok() { "loaded" } else { "refused" });
    draft.actor = vigil_log::entry::local_actor();
    draft.subject = json!({"files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>()});
    match outcome {
        Ok((policies, digest)) => {
            draft.policy = Some(json!({
                "digest": digest,
                "names": policies.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            }));
        }
        Err(error) => draft.reasons.push(error.to_owned()),
    }
    draft
}
