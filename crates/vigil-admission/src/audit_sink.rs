//! `vigil serve --audit`: the API server's audit webhook backend. `POST /audit` with an
//! `audit.k8s.io` `EventList` (or one `Event`), authenticated by a bearer token of its own
//! (not the webhook's TLS client, which any cluster component could be); every event is run
//! through the audit rules, alerts are written to standard output as Falco JSON lines and,
//! with `--log`, recorded as decision-log `alert` entries; `/metrics` counts them per rule
//! and priority.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use vigil_audit::engine::Engine;
use vigil_audit::event::Limits;
use vigil_audit::report::Located;
use vigil_audit::rules::Priority;

/// How `/audit` works.
#[derive(Clone)]
pub struct AuditSettings {
    /// The compiled rules.
    pub engine: Arc<Engine>,
    /// The bearer token senders must present.
    pub token: String,
    /// Alerts below this priority are dropped.
    pub min_priority: Priority,
}

impl std::fmt::Debug for AuditSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSettings")
            .field("rules", &self.engine.len())
            .field("token", &"<redacted>")
            .field("min_priority", &self.min_priority)
            .finish()
    }
}

/// The running sink.
pub(crate) struct AuditSink {
    settings: AuditSettings,
    correlation: Option<Mutex<vigil_audit::correlate::Correlator>>,
    events: AtomicU64,
    malformed: AtomicU64,
    unauthorized: AtomicU64,
    alerts: Mutex<BTreeMap<(String, &'static str), u64>>,
}

/// What one POST gave.
pub(crate) struct Outcome {
    pub(crate) events: usize,
    pub(crate) alerts: Vec<(Located, vigil_audit::json::Json<'static>)>,
}

impl AuditSink {
    /// With `log`, Pods are also checked against the admissions recorded there.
    pub(crate) fn new(settings: AuditSettings, log: Option<&vigil_log::Target>) -> Result<Self, String> {
        let correlation = match log {
            Some(target) => {
                Some(Mutex::new(vigil_audit::correlate::Correlator::open(target).map_err(|e| e.to_string())?))
            }
            None => None,
        };
        Ok(AuditSink {
            settings,
            correlation,
            events: AtomicU64::new(0),
            malformed: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            alerts: Mutex::new(BTreeMap::new()),
        })
    }

    /// Records images this server admitted (so correlation does not wait for a re-read).
    pub(crate) fn admitted(&self, images: &[vigil_policy::ContainerImage], decision: &vigil_policy::Decision) {
        let Some(c) = &self.correlation else { return };
        let mut c = c.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for image in images {
            c.add(&image.image, vigil_policy::record::digest_of(image, decision));
        }
    }

    fn unadmitted(&self, event: &vigil_audit::json::Json<'_>) -> Vec<String> {
        let Some(c) = &self.correlation else { return Vec::new() };
        c.lock().unwrap_or_else(std::sync::PoisonError::into_inner).unadmitted(event)
    }

    /// Whether `authorization` is `Bearer <the token>` (compared in constant time).
    pub(crate) fn authorized(&self, authorization: Option<&[u8]>) -> bool {
        let ok = authorization.and_then(|h| h.strip_prefix(b"Bearer ")).is_some_and(|given| {
            let want = self.settings.token.as_bytes();
            given.len() == want.len() && given.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        });
        if !ok {
            self.unauthorized.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Evaluates a POSTed body; alerts go to standard output as Falco JSON lines.
    pub(crate) fn ingest(&self, body: &[u8]) -> Result<Outcome, String> {
        let events = match vigil_audit::event::parse_document(body, &Limits::default()) {
            Ok(events) => events,
            Err(e) => {
                self.malformed.fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        self.events.fetch_add(events.len() as u64, Ordering::Relaxed);
        let source: Arc<str> = Arc::from("webhook");
        let mut out = Vec::new();
        let mut found = Vec::new();
        for (i, event) in events.iter().enumerate() {
            found.clear();
            self.settings.engine.evaluate(event, &mut found);
            let missing = self.unadmitted(event);
            if !missing.is_empty() {
                found.push(vigil_audit::correlate::Admitted::alert(event, &missing, self.settings.engine.hostname()));
            }
            for alert in found.drain(..) {
                if alert.priority > self.settings.min_priority {
                    continue;
                }
                let located = Located { alert, source: Arc::clone(&source), line: i as u64 + 1 };
                out.push((located, event.clone().into_owned()));
            }
        }
        if !out.is_empty() {
            let mut text = String::new();
            let mut counts = self.alerts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for (located, _) in &out {
                let _ = writeln!(text, "{}", located.alert.to_json());
                *counts.entry((located.alert.rule.clone(), located.alert.priority.as_str())).or_default() += 1;
            }
            drop(counts);
            use std::io::Write as _;
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        Ok(Outcome { events: events.len(), alerts: out })
    }

    pub(crate) fn metrics(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP vigil_audit_events_total Audit events received on /audit.");
        let _ = writeln!(out, "# TYPE vigil_audit_events_total counter");
        let _ = writeln!(out, "vigil_audit_events_total {}", self.events.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP vigil_audit_malformed_total /audit bodies that were not audit events.");
        let _ = writeln!(out, "# TYPE vigil_audit_malformed_total counter");
        let _ = writeln!(out, "vigil_audit_malformed_total {}", self.malformed.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP vigil_audit_unauthorized_total /audit requests refused for a missing or wrong token."
        );
        let _ = writeln!(out, "# TYPE vigil_audit_unauthorized_total counter");
        let _ = writeln!(out, "vigil_audit_unauthorized_total {}", self.unauthorized.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP vigil_audit_alerts_total Audit alerts by rule and priority.");
        let _ = writeln!(out, "# TYPE vigil_audit_alerts_total counter");
        let counts = self.alerts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for ((rule, priority), n) in counts.iter() {
            let rule = rule.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            let _ = writeln!(out, "vigil_audit_alerts_total{{rule=\"{rule}\",priority=\"{priority}\"}} {n}");
        }
        out
    }
}
