//! Signing and verification for vigil: cosign-compatible key files, simple-signing payloads,
//! signatures and in-toto/DSSE attestations stored the way cosign stores them, and offline
//! verification of cosign signatures and Sigstore bundles.
//!
//! Work in progress (issue 5): the modules below land one at a time, each complete and tested.
#![warn(missing_docs)]

pub mod attest;
pub mod bundle;
pub mod cache;
pub mod cosign;
pub mod dsse;
pub mod keyless;
pub mod keys;
pub mod payload;
pub mod trust;
