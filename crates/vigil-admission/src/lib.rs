//! vigil's admission webhook. [`serve`] answers `admission.k8s.io/v1` `AdmissionReview`s over
//! HTTPS: `/validate` decides every Pod-bearing object with the policies of `vigil-policy`
//! (the same evaluation as `vigil policy test`), `/mutate` pins verified tags to digests with
//! a JSON Patch. Image checks go through one shared, cached, single-flight verifier under a
//! deadline; undecidable checks follow the failure mode. `/healthz`, `/readyz`, `/metrics`
//! (Prometheus), JSON logs, policy and certificate hot reload, graceful shutdown. Every
//! resource a client can hold is bounded ([`Limits`]), so slow, idle or flooding clients and
//! registries that never answer cannot starve the reviews of others or exhaust memory.
//! [`certs`] and [`manifests`] produce what a cluster needs to run it.
#![warn(missing_docs)]

mod audit_sink;
pub mod certs;
mod decision_log;
pub mod limits;
mod log;
pub mod manifests;
mod metrics;
pub mod review;
mod server;

pub use audit_sink::AuditSettings;
pub use decision_log::LogSettings;
pub use limits::Limits;
pub use server::{ServeError, ServeOptions, run, serve};
