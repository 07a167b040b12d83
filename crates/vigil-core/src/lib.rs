//! Shared vocabulary of vigil.
//!
//! Every capability crate reports what it found in the same terms: a [`Finding`] names a
//! rule ([`RuleMeta`]), a [`Severity`] and a [`Location`]; a [`LintReport`] collects findings
//! and per-input errors and renders itself as vigil's stable JSON contract or as SARIF 2.1.0.
//! [`reference::ImageReference`] parses container image references with the Docker
//! reference grammar, so every crate agrees on what `nginx` or `ghcr.io/a/b@sha256:…` means.
//!
//! This crate does no I/O, no network and no async; it only defines types and their
//! serialised forms.
//!
//! ```
//! use vigil_core::{Finding, Location, Severity};
//! let f = Finding::new("pss/hostPorts", Severity::High, "hostPort (container \"app\" uses hostPort 8080)",
//!     Location::new("pod.yaml", 12, 7));
//! assert_eq!(f.location.line, 12);
//! ```
#![warn(missing_docs)]

mod finding;
pub mod reference;
mod report;
mod rule;
pub mod sarif;
mod severity;
pub mod time;

pub use finding::{Confidence, Finding, Location, ObjectRef, Related};
pub use report::{InputError, LintReport, Summary};
pub use rule::RuleMeta;
pub use severity::{ParseSeverityError, Severity};
