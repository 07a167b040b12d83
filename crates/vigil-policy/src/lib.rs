//! vigil's admission policy: one YAML file (`apiVersion: vigil.dev/v1alpha1`, `kind: Policy`)
//! says which namespaces it covers, which registries are allowed, which Pod Security Standards
//! level applies, and for which images signatures, attestations and vulnerability limits are
//! required. [`load_files`] validates every value before anything runs; [`evaluate`] decides on
//! one object, identically for `vigil policy test` (CI) and `vigil serve` (the webhook).
//!
//! Registry-backed checks (resolving tags, verifying signatures and attestations) go through a
//! shared [`Verifier`] with a bounded, TTL'd cache and single-flight, so a busy cluster
//! verifies each image digest once per TTL.
#![warn(missing_docs)]

mod eval;
mod model;
mod policy;
pub mod record;
pub mod rules;
mod severity;
mod subject;
mod verifier;

pub use eval::{Decision, EvalError, FailureMode, Patch, Subject, Violation, evaluate};
pub use policy::{
    AttestationRule, AuthoritySpec, ImageRule, MAX_POLICY_BYTES, Mode, Patterns, Policy, PolicyError, expand,
    load_file, load_files, parse,
};
pub use severity::Severity;
pub use subject::{ContainerImage, DEFAULT_NAMESPACE, Workload, namespace_of};
pub use verifier::{CacheOnly, CacheOptions, Checks, Deadlined, Outcome, Stats, Verifier};
