//! Signing and verification for vigil: cosign-compatible key files, simple-signing payloads,
//! signatures and in-toto/DSSE attestations stored the way cosign stores them, and offline
//! verification of cosign signatures and Sigstore bundles.
//!
//! Verification takes an [`keyless::Authority`]: a public key, or a keyless identity (certificate
//! SAN and OIDC issuer, exact or regular expression) under a [`trust::TrustRoot`].
#![warn(missing_docs)]

pub mod attest;
pub mod bundle;
pub mod cache;
pub mod cosign;
pub mod cosign_bundle;
pub mod dsse;
mod fulcio;
pub mod keyless;
pub mod keys;
pub mod payload;
mod request_form;
pub mod trust;
