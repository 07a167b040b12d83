//! The policy file as written (`apiVersion: vigil.dev/v1alpha1`, `kind: Policy`): serde types
//! with positions on every value a later check may reject. Unknown fields are errors.

use serde::Deserialize;
use serde_saphyr::Spanned;

/// One policy document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PolicyDoc {
    pub(crate) api_version: Spanned<String>,
    pub(crate) kind: Spanned<String>,
    pub(crate) metadata: Metadata,
    pub(crate) spec: Spec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Metadata {
    pub(crate) name: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) annotations: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) labels: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Spec {
    #[serde(default)]
    pub(crate) mode: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) namespaces: Option<Namespaces>,
    #[serde(default)]
    pub(crate) registries: Option<Registries>,
    #[serde(default)]
    pub(crate) pod_security: Option<PodSecurity>,
    #[serde(default)]
    pub(crate) images: Vec<ImageRuleDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Namespaces {
    #[serde(default)]
    pub(crate) include: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(crate) exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Registries {
    pub(crate) allow: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PodSecurity {
    pub(crate) level: Spanned<String>,
    #[serde(default)]
    pub(crate) version: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ImageRuleDoc {
    #[serde(rename = "match")]
    pub(crate) patterns: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(crate) require_digest: bool,
    #[serde(default)]
    pub(crate) mutate_to_digest: bool,
    #[serde(default)]
    pub(crate) require: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) signatures: Vec<Spanned<AuthorityDoc>>,
    #[serde(default)]
    pub(crate) attestations: Vec<AttestationDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorityDoc {
    #[serde(default)]
    pub(crate) key: Option<KeyDoc>,
    #[serde(default)]
    pub(crate) keyless: Option<KeylessDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyDoc {
    #[serde(default)]
    pub(crate) path: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) pem: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct KeylessDoc {
    #[serde(default)]
    pub(crate) issuer: Option<Spanned<String>>,
    #[serde(default, rename = "issuerRegExp")]
    pub(crate) issuer_regexp: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) subject: Option<Spanned<String>>,
    #[serde(default, rename = "subjectRegExp")]
    pub(crate) subject_regexp: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) trusted_root: Option<Spanned<String>>,
    /// Accept Rekor entries in request form (a private test Sigstore); needs `trustedRoot`.
    #[serde(default)]
    pub(crate) allow_request_form_rekor: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AttestationDoc {
    #[serde(rename = "type")]
    pub(crate) predicate_type: Spanned<String>,
    #[serde(default)]
    pub(crate) max_severity: Option<Spanned<String>>,
    /// `none`: the attestation's scan must report no secret.
    #[serde(default)]
    pub(crate) secrets: Option<Spanned<String>>,
}
