//! Sigstore trusted roots: the public-good production and staging roots embedded in the binary
//! (so verification works offline), or a `trusted_root.json` file (a private Sigstore, a
//! mirror, or a test instance).

use std::path::Path;

use sigstore_verify::trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, SIGSTORE_STAGING_TRUSTED_ROOT, TrustedRoot};

use crate::bundle::{BundleError, read_bounded};

/// Largest trusted-root file accepted.
const MAX_TRUSTED_ROOT_BYTES: u64 = 8 * 1024 * 1024;

/// A parsed trusted root and where it came from.
#[derive(Debug, Clone)]
pub struct TrustRoot {
    root: TrustedRoot,
    source: String,
    request_form_rekor: bool,
}

impl TrustRoot {
    /// The embedded Sigstore public-good production root (Fulcio, Rekor, CT log, TSA keys).
    ///
    /// # Errors
    /// Never in practice: the embedded JSON is checked by a test.
    pub fn production() -> Result<Self, BundleError> {
        Self::from_json("embedded production root", SIGSTORE_PRODUCTION_TRUSTED_ROOT)
    }

    /// The embedded Sigstore public-good staging root.
    ///
    /// # Errors
    /// Never in practice: the embedded JSON is checked by a test.
    pub fn staging() -> Result<Self, BundleError> {
        Self::from_json("embedded staging root", SIGSTORE_STAGING_TRUSTED_ROOT)
    }

    /// A `trusted_root.json` file (`application/vnd.dev.sigstore.trustedroot+json`).
    ///
    /// # Errors
    /// [`BundleError::Read`] or [`BundleError::TrustRoot`].
    pub fn from_file(path: &Path) -> Result<Self, BundleError> {
        let bytes = read_bounded(path, MAX_TRUSTED_ROOT_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|_| BundleError::TrustRoot {
            source_name: path.display().to_string(),
            reason: "not UTF-8".into(),
        })?;
        Self::from_json(&path.display().to_string(), &text)
    }

    /// Parses trusted-root JSON, or a client trust config
    /// (`application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`, whose `trustedRoot` is used);
    /// `source` names it in messages.
    ///
    /// # Errors
    /// [`BundleError::TrustRoot`].
    pub fn from_json(source: &str, json: &str) -> Result<Self, BundleError> {
        let error = |reason: String| BundleError::TrustRoot { source_name: source.to_string(), reason };
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| error(e.to_string()))?;
        let is_trust_config = value
            .get("mediaType")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|m| m.starts_with("application/vnd.dev.sigstore.clienttrustconfig"));
        let mut root = match value.get("trustedRoot") {
            Some(inner) if is_trust_config => TrustedRoot::from_json(&inner.to_string()),
            _ => TrustedRoot::from_json(json),
        }
        .map_err(|e| error(e.to_string()))?;
        if !root.media_type.starts_with("application/vnd.dev.sigstore.trustedroot") {
            return Err(error(format!(
                "mediaType is `{}`, expected `application/vnd.dev.sigstore.trustedroot+json;version=0.1` (or v0.2)",
                root.media_type
            )));
        }
        if root.tlogs.is_empty() && root.certificate_authorities.is_empty() && root.timestamp_authorities.is_empty() {
            return Err(error("it lists no transparency log, certificate authority or timestamp authority".into()));
        }
        // An authority without certificates vouches for nothing (the Sigstore mock writes a TSA
        // entry with an empty chain when it runs no TSA); drop it rather than refuse the root.
        root.certificate_authorities.retain(|ca| !ca.cert_chain.certificates.is_empty());
        root.timestamp_authorities.retain(|tsa| !tsa.cert_chain.certificates.is_empty());
        // Malformed keys, duplicate log IDs and bad validity windows are refused now, once, with
        // the root's name, rather than on every verification.
        sigstore_verify::Verifier::new(&root).map_err(|e| error(e.to_string()))?;
        Ok(Self { root, source: source.to_string(), request_form_rekor: false })
    }

    /// Also accepts Rekor `dsse` entries in request form (`spec.proposedContent`), for a private
    /// test deployment such as the local Sigstore mock, which logs the proposed entry verbatim
    /// where a real Rekor stores its canonical form. Off by default: such an entry is then
    /// refused with a reason that names this option. When on, vigil verifies these entries
    /// itself, with the same checks as `sigstore-verify` (SET, inclusion proof and signed
    /// checkpoint, certificate chain and SCT at the integrated time, entry bound to this
    /// envelope and certificate, identity, DSSE signature).
    #[must_use]
    pub fn allow_request_form_rekor(mut self) -> Self {
        self.request_form_rekor = true;
        self
    }

    /// Whether [`TrustRoot::allow_request_form_rekor`] was called.
    #[must_use]
    pub fn allows_request_form_rekor(&self) -> bool {
        self.request_form_rekor
    }

    /// Where the root came from.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed root.
    #[must_use]
    pub fn inner(&self) -> &TrustedRoot {
        &self.root
    }

    /// The Fulcio CA certificates (DER), roots and intermediates, for chain building.
    #[must_use]
    pub fn fulcio_certificates(&self) -> Vec<Vec<u8>> {
        self.root
            .certificate_authorities
            .iter()
            .flat_map(|ca| ca.cert_chain.certificates.iter().map(|c| c.raw_bytes.as_bytes().to_vec()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_roots_parse_and_hold_keys() {
        for root in [TrustRoot::production().unwrap(), TrustRoot::staging().unwrap()] {
            assert!(!root.fulcio_certificates().is_empty(), "{}", root.source());
            assert!(!root.inner().tlogs.is_empty(), "{}", root.source());
            sigstore_verify::Verifier::new(root.inner()).unwrap();
        }
    }

    #[test]
    fn a_broken_root_names_its_source() {
        let err = TrustRoot::from_json("roots/x.json", "{").unwrap_err().to_string();
        assert!(err.starts_with("trusted root roots/x.json:"), "{err}");
    }
}
