//! vigil's Kubernetes audit-log monitor: `audit.k8s.io` events in, Falco rules (the k8saudit
//! plugin's format, unchanged) evaluated over them, Falco-shaped alerts out.
//!
//! - [`event`]: reading events (JSON lines, rotated and gzip files, stdin, an `EventList`).
//! - [`fields`]: the `ka.*` and `jevt.*` fields of the k8saudit and json plugins.
//! - [`rules`]: loading Falco rules files (rules, macros, lists, append/override, exceptions).
//! - [`condition`]: Falco's condition language, parsed once and evaluated per event.
//! - [`engine`]: compiled rule sets, evaluation, alerts in Falco's JSON shape.
//! - [`correlate`]: Pods whose images vigil's gate never admitted (from the decision log).
//! - [`report`]: alerts as table lines, SARIF and decision-log entries.
#![warn(missing_docs)]

pub mod builtin;
pub mod condition;
pub mod correlate;
pub mod engine;
pub mod event;
pub mod fields;
pub mod json;
pub mod report;
pub mod rules;
