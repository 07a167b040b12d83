//! Loading and validating policy files: every value is checked before anything runs (globs,
//! regular expressions, Pod Security levels, key files, trusted roots, severities), and a
//! problem is reported as `file:line:col: what is wrong`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde_saphyr::Spanned;
use vigil_lint::Profile;
use vigil_sign::bundle::{Identity, Matcher};
use vigil_sign::keyless::Keyless;
use vigil_sign::keys::{VerifyingKey, load_public_key};
use vigil_sign::trust::TrustRoot;

use crate::model::{AuthorityDoc, ImageRuleDoc, PolicyDoc};
use crate::severity::Severity;

/// Largest policy file read.
pub const MAX_POLICY_BYTES: u64 = 4 * 1024 * 1024;

/// A policy file problem, with its position when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", position(*.line, *.column))]
pub struct PolicyError {
    /// The file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

fn position(line: usize, column: usize) -> String {
    if line == 0 { String::new() } else { format!(":{line}:{column}") }
}

/// What a policy does with a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Deny the request.
    Enforce,
    /// Allow it, returning warnings to the client.
    Warn,
    /// Allow it, recording the violation in audit annotations.
    Audit,
}

impl Mode {
    /// The name used in the policy file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Warn => "warn",
            Self::Audit => "audit",
        }
    }
}

/// A set of glob patterns with their text (for messages).
#[derive(Debug, Clone)]
pub struct Patterns {
    pub(crate) text: Vec<String>,
    set: GlobSet,
}

impl Patterns {
    /// Whether `value` matches one of the patterns.
    #[must_use]
    pub fn is_match(&self, value: &str) -> bool {
        self.set.is_match(value)
    }

    /// The patterns, quoted and comma-separated.
    #[must_use]
    pub fn describe(&self) -> String {
        self.text.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
    }
}

/// Who may sign an image.
#[derive(Debug, Clone)]
pub enum AuthoritySpec {
    /// A public key.
    Key {
        /// How the policy names it (`key keys/team.pub`).
        name: String,
        /// The key.
        key: Arc<VerifyingKey>,
    },
    /// A Fulcio certificate identity.
    Keyless {
        /// How the policy names it (`keyless dev@example.com (https://issuer)`).
        name: String,
        /// Identity and trusted root.
        keyless: Arc<Keyless>,
    },
}

impl AuthoritySpec {
    /// The authority's name in messages and audit annotations.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Key { name, .. } | Self::Keyless { name, .. } => name,
        }
    }

    /// The authority as `vigil-sign` takes it.
    #[must_use]
    pub fn authority(&self) -> vigil_sign::keyless::Authority<'_> {
        match self {
            Self::Key { key, .. } => key.as_ref().into(),
            Self::Keyless { keyless, .. } => keyless.as_ref().into(),
        }
    }
}

/// A required attestation.
#[derive(Debug, Clone)]
pub struct AttestationRule {
    /// The predicate type URI (cosign short names are expanded).
    pub predicate_type: String,
    /// Deny when a vulnerability above this severity is reported.
    pub max_severity: Option<Severity>,
    /// `secrets: none`: deny when the scan reports a secret, or reports no secret scan.
    pub no_secrets: bool,
}

/// One `images[]` entry.
#[derive(Debug, Clone)]
pub struct ImageRule {
    /// Position in `images` (0-based), for messages.
    pub index: usize,
    /// Which images it applies to (globs over `registry/repository`).
    pub patterns: Patterns,
    /// Images must be pinned by digest.
    pub require_digest: bool,
    /// Pin tags to the verified digest (mutating webhook).
    pub mutate_to_digest: bool,
    /// Every authority must have signed (`require: all`), not just one.
    pub require_all: bool,
    /// Who may sign.
    pub signatures: Vec<AuthoritySpec>,
    /// Required attestations (verified with the signature authorities).
    pub attestations: Vec<AttestationRule>,
}

impl ImageRule {
    /// Whether the rule needs the registry (to resolve or verify).
    #[must_use]
    pub fn needs_registry(&self) -> bool {
        self.mutate_to_digest || !self.signatures.is_empty() || !self.attestations.is_empty()
    }
}

/// One validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `metadata.name`.
    pub name: String,
    /// The file it came from.
    pub file: String,
    /// enforce, warn or audit.
    pub mode: Mode,
    pub(crate) include: Patterns,
    pub(crate) exclude: Option<Patterns>,
    /// Allowed registries (globs over `registry/repository`); `None` allows any.
    pub registries: Option<Patterns>,
    /// Pod Security Standards profile to enforce.
    pub pod_security: Option<Profile>,
    /// Image rules.
    pub images: Vec<ImageRule>,
}

impl Policy {
    /// Whether the policy applies to objects in `namespace`.
    #[must_use]
    pub fn applies_to(&self, namespace: &str) -> bool {
        self.include.is_match(namespace) && !self.exclude.as_ref().is_some_and(|e| e.is_match(namespace))
    }
}

/// Loads every policy of every file (a file may hold several YAML documents).
///
/// # Errors
/// The first problem found, with its file and position.
pub fn load_files(paths: &[PathBuf]) -> Result<Vec<Policy>, PolicyError> {
    let mut out = Vec::new();
    for path in expand(paths)? {
        out.extend(load_file(&path)?);
    }
    let mut names: Vec<(&str, &str)> = out.iter().map(|p| (p.name.as_str(), p.file.as_str())).collect();
    names.sort_unstable();
    for pair in names.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(PolicyError {
                file: pair[1].1.to_string(),
                line: 0,
                column: 0,
                message: format!("policy name `{}` is used twice (also in {})", pair[0].0, pair[0].1),
            });
        }
    }
    Ok(out)
}

/// The policy files `paths` name: files as given, and for a directory (a mounted ConfigMap, for
/// example) its `*.yaml` / `*.yml` files in name order, hidden entries (`..data`) skipped.
///
/// # Errors
/// A directory that cannot be listed or holds no policy file.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PolicyError> {
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let whole = |message: String| PolicyError { file: path.display().to_string(), line: 0, column: 0, message };
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| whole(e.to_string()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                !name.starts_with('.') && (name.ends_with(".yaml") || name.ends_with(".yml")) && p.is_file()
            })
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(whole("directory holds no *.yaml or *.yml policy file".into()));
        }
        out.extend(found);
    }
    Ok(out)
}

/// Loads the policies of one file.
///
/// # Errors
/// A [`PolicyError`] naming the file and position.
pub fn load_file(path: &Path) -> Result<Vec<Policy>, PolicyError> {
    let file = path.display().to_string();
    let whole = |message: String| PolicyError { file: file.clone(), line: 0, column: 0, message };
    let meta = std::fs::metadata(path).map_err(|e| whole(e.to_string()))?;
    if meta.len() > MAX_POLICY_BYTES {
        return Err(whole(format!("larger than the {MAX_POLICY_BYTES}-byte limit")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| whole(e.to_string()))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&file, &text, &base)
}

/// Parses policy YAML (`name` for messages; relative key and root paths resolve against `base`).
///
/// # Errors
/// A [`PolicyError`] naming `name` and the position.
pub fn parse(name: &str, text: &str, base: &Path) -> Result<Vec<Policy>, PolicyError> {
    let docs: Vec<PolicyDoc> = vigil_yaml::from_multiple(name, text, &vigil_yaml::Limits::config())
        .map_err(|e| PolicyError { file: e.name, line: e.line, column: e.column, message: e.message })?;
    if docs.is_empty() {
        return Err(PolicyError { file: name.into(), line: 0, column: 0, message: "no policy document".into() });
    }
    docs.into_iter().map(|doc| compile(name, doc, base)).collect()
}

/// An error at a spanned value.
fn at<T>(file: &str, spanned: &Spanned<T>, message: impl Into<String>) -> PolicyError {
    PolicyError {
        file: file.to_string(),
        line: spanned.referenced.line() as usize,
        column: spanned.referenced.column() as usize,
        message: message.into(),
    }
}

fn compile(file: &str, doc: PolicyDoc, base: &Path) -> Result<Policy, PolicyError> {
    if doc.api_version.value != "vigil.dev/v1alpha1" {
        return Err(at(
            file,
            &doc.api_version,
            format!("apiVersion is `{}`, expected `vigil.dev/v1alpha1`", doc.api_version.value),
        ));
    }
    if doc.kind.value != "Policy" {
        return Err(at(file, &doc.kind, format!("kind is `{}`, expected `Policy`", doc.kind.value)));
    }
    let name = doc.metadata.name.value.clone();
    let valid_name = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !valid_name {
        return Err(at(
            file,
            &doc.metadata.name,
            format!("metadata.name `{name}` must be 1-63 lowercase letters, digits, `-` or `.`"),
        ));
    }
    let spec = doc.spec;
    let mode = match &spec.mode {
        None => Mode::Enforce,
        Some(mode) => match mode.value.as_str() {
            "enforce" => Mode::Enforce,
            "warn" => Mode::Warn,
            "audit" => Mode::Audit,
            other => {
                return Err(at(file, mode, format!("spec.mode is `{other}`, expected `enforce`, `warn` or `audit`")));
            }
        },
    };
    let (include, exclude) = match &spec.namespaces {
        None => (globs(file, &[], "*", false)?, None),
        Some(ns) => {
            let include = match &ns.include {
                Some(list) if !list.is_empty() => globs(file, list, "", false)?,
                _ => globs(file, &[], "*", false)?,
            };
            let exclude = if ns.exclude.is_empty() { None } else { Some(globs(file, &ns.exclude, "", false)?) };
            (include, exclude)
        }
    };
    let registries = match &spec.registries {
        None => None,
        Some(r) if r.allow.is_empty() => {
            return Err(PolicyError {
                file: file.into(),
                line: 0,
                column: 0,
                message: "spec.registries.allow is empty: it would deny every image (remove `registries` to allow any)"
                    .into(),
            });
        }
        Some(r) => Some(globs(file, &r.allow, "", true)?),
    };
    let pod_security = match &spec.pod_security {
        None => None,
        Some(pss) => {
            let version = pss.version.as_ref().map_or("latest", |v| v.value.as_str());
            let text = format!("{}:{version}", pss.level.value);
            Some(text.parse::<Profile>().map_err(|e| at(file, &pss.level, format!("spec.podSecurity: {e}")))?)
        }
    };
    let images = spec
        .images
        .iter()
        .enumerate()
        .map(|(index, rule)| image_rule(file, index, rule, base))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy { name, file: file.to_string(), mode, include, exclude, registries, pod_security, images })
}

/// Compiles globs. Image patterns (`image = true`) match `registry/repository` with `*`
/// inside one path segment and `**` across segments; namespace patterns match the name.
fn globs(file: &str, patterns: &[Spanned<String>], default: &str, image: bool) -> Result<Patterns, PolicyError> {
    let mut builder = GlobSetBuilder::new();
    let mut text = Vec::new();
    if patterns.is_empty() {
        builder.add(GlobBuilder::new(default).build().map_err(|e| PolicyError {
            file: file.into(),
            line: 0,
            column: 0,
            message: e.to_string(),
        })?);
        text.push(default.to_string());
    }
    for pattern in patterns {
        let value = pattern.value.trim();
        if value.is_empty() {
            return Err(at(file, pattern, "empty pattern"));
        }
        let glob = GlobBuilder::new(value)
            .literal_separator(image)
            .case_insensitive(image)
            .build()
            .map_err(|e| at(file, pattern, format!("invalid pattern `{value}`: {}", e.kind())))?;
        builder.add(glob);
        text.push(value.to_string());
    }
    let set =
        builder.build().map_err(|e| PolicyError { file: file.into(), line: 0, column: 0, message: e.to_string() })?;
    Ok(Patterns { text, set })
}

fn image_rule(file: &str, index: usize, rule: &ImageRuleDoc, base: &Path) -> Result<ImageRule, PolicyError> {
    if rule.patterns.value.is_empty() {
        return Err(at(file, &rule.patterns, format!("images[{index}].match is empty")));
    }
    let patterns = globs(file, &rule.patterns.value, "", true)?;
    let require_all = match &rule.require {
        None => false,
        Some(r) => match r.value.as_str() {
            "any" => false,
            "all" => true,
            other => return Err(at(file, r, format!("images[{index}].require is `{other}`, expected `any` or `all`"))),
        },
    };
    let signatures = rule
        .signatures
        .iter()
        .map(|authority| authority_spec(file, index, authority, base))
        .collect::<Result<Vec<_>, _>>()?;
    let mut attestations = Vec::new();
    for attestation in &rule.attestations {
        if signatures.is_empty() {
            return Err(at(
                file,
                &attestation.predicate_type,
                format!("images[{index}].attestations need an authority: list who signs them under `signatures`"),
            ));
        }
        let raw = attestation.predicate_type.value.trim();
        if raw.is_empty() {
            return Err(at(file, &attestation.predicate_type, "attestation type is empty"));
        }
        let max_severity = match &attestation.max_severity {
            None => None,
            Some(s) => Some(s.value.parse::<Severity>().map_err(|e| at(file, s, e.to_string()))?),
        };
        let no_secrets = match &attestation.secrets {
            None => false,
            Some(s) if s.value.trim() == "none" => true,
            Some(s) => {
                return Err(at(file, s, format!("secrets `{}`: the only value is `none`", s.value)));
            }
        };
        attestations.push(AttestationRule {
            predicate_type: vigil_sign::attest::predicate_type_uri(raw).to_string(),
            max_severity,
            no_secrets,
        });
    }
    Ok(ImageRule {
        index,
        patterns,
        require_digest: rule.require_digest,
        mutate_to_digest: rule.mutate_to_digest,
        require_all,
        signatures,
        attestations,
    })
}

fn authority_spec(
    file: &str,
    index: usize,
    spanned: &Spanned<AuthorityDoc>,
    base: &Path,
) -> Result<AuthoritySpec, PolicyError> {
    let doc = &spanned.value;
    match (&doc.key, &doc.keyless) {
        (Some(key), None) => {
            let (name, pem) = match (&key.path, &key.pem) {
                (Some(path), None) => {
                    let full = base.join(&path.value);
                    let bytes = std::fs::read(&full)
                        .map_err(|e| at(file, path, format!("cannot read key {}: {e}", full.display())))?;
                    (format!("key {}", path.value), bytes)
                }
                (None, Some(pem)) => ("key (inline PEM)".to_string(), pem.value.clone().into_bytes()),
                _ => {
                    return Err(at(
                        file,
                        spanned,
                        format!("images[{index}].signatures: `key` needs exactly one of `path` or `pem`"),
                    ));
                }
            };
            let key = load_public_key(&pem).map_err(|e| at(file, spanned, format!("{name}: {e}")))?;
            Ok(AuthoritySpec::Key { name, key: Arc::new(key) })
        }
        (None, Some(keyless)) => {
            let matcher =
                |exact: &Option<Spanned<String>>, regexp: &Option<Spanned<String>>, what: &str| match (exact, regexp) {
                    (Some(e), None) => Ok(Matcher::Exact(e.value.clone())),
                    (None, Some(r)) => {
                        Matcher::regex(&r.value).map_err(|e| at(file, r, format!("invalid {what}RegExp: {e}")))
                    }
                    _ => Err(at(
                        file,
                        spanned,
                        format!(
                            "images[{index}].signatures: `keyless` needs exactly one of `{what}` or `{what}RegExp`"
                        ),
                    )),
                };
            let subject = matcher(&keyless.subject, &keyless.subject_regexp, "subject")?;
            let issuer = matcher(&keyless.issuer, &keyless.issuer_regexp, "issuer")?;
            let root = match &keyless.trusted_root {
                None => TrustRoot::production().map_err(|e| at(file, spanned, e.to_string()))?,
                Some(path) => {
                    TrustRoot::from_file(&base.join(&path.value)).map_err(|e| at(file, path, e.to_string()))?
                }
            };
            let root = match &keyless.allow_request_form_rekor {
                Some(allow) if allow.value && keyless.trusted_root.is_none() => {
                    return Err(at(
                        file,
                        allow,
                        "`allowRequestFormRekor` needs `trustedRoot`: the public-good Sigstore never logs request-form entries, only a private test deployment does",
                    ));
                }
                Some(allow) if allow.value => root.allow_request_form_rekor(),
                _ => root,
            };
            let name = format!("keyless {subject} ({issuer})");
            Ok(AuthoritySpec::Keyless {
                name,
                keyless: Arc::new(Keyless { identity: Identity { subject, issuer }, root }),
            })
        }
        _ => Err(at(
            file,
            spanned,
            format!("images[{index}].signatures: each entry needs exactly one of `key` or `keyless`"),
        )),
    }
}
