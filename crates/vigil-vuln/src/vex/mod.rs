//! VEX (Vulnerability Exploitability eXchange): statements by a supplier or user that a product is,
//! or is not, affected by a vulnerability, read from OpenVEX or CycloneDX documents.
//!
//! [`parse_vex`] reads either format into one [`VexDocument`]; [`VexDocument::matches`] finds the
//! statement that applies to one finding (a vulnerability with its aliases, in a package named by
//! its purl); [`VexDocument::merge`] joins the documents of several files so the latest statement
//! wins across all of them, and [`VexDocument::apply`] sets the findings' status from it.
//!
//! ```
//! use vigil_vuln::vex::{parse_vex, VexStatus};
//! let doc = br#"{
//!   "@context": "https://openvex.dev/ns/v0.2.0",
//!   "@id": "https://example.com/vex/1", "author": "a", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
//!   "statements": [{
//!     "vulnerability": {"name": "CVE-2023-1234", "aliases": ["GHSA-aaaa-bbbb-cccc"]},
//!     "products": [{"@id": "pkg:npm/wrappy"}],
//!     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"
//!   }]
//! }"#;
//! let vex = parse_vex("vex.json", doc).unwrap();
//! let hit = vex.matches("GHSA-aaaa-bbbb-cccc", &[], "pkg:npm/wrappy@1.0.2").unwrap();
//! assert_eq!(hit.status, VexStatus::NotAffected);
//! ```

mod cyclonedx;
mod json;
mod openvex;
mod product;
mod timestamp;

use std::fmt;

use serde::Deserialize;

use json::{Many, Text, Val};
pub use product::ProductMatcher;

use crate::matcher::{FindingStatus, VulnFinding};

/// Largest VEX document [`parse_vex`] reads: 64 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// Most statements (OpenVEX `statements`, CycloneDX `vulnerabilities`) in one document.
pub const MAX_STATEMENTS: usize = 1_000_000;

/// The statements of one VEX document, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VexDocument {
    /// OpenVEX `statements` in order, or CycloneDX `vulnerabilities` that have an `analysis`, in order.
    pub statements: Vec<VexStatement>,
}

/// One VEX statement: the status of one vulnerability in some products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// The vulnerability's identifier as written (`CVE-…`, `GHSA-…`): OpenVEX `vulnerability.name`,
    /// CycloneDX `vulnerabilities[].id`. Never empty.
    pub vulnerability: String,
    /// Other identifiers of the same vulnerability: OpenVEX `vulnerability.aliases`, CycloneDX
    /// `vulnerabilities[].references[].id`.
    pub aliases: Vec<String>,
    /// What the statement applies to: OpenVEX `products[]` (`@id`, `identifiers.purl`, CPEs) and
    /// their `subcomponents[]`; CycloneDX `affects[].ref`, resolved through the BOM's components'
    /// `bom-ref` to their purl. Empty when the document names none (then it matches nothing).
    pub products: Vec<ProductMatcher>,
    /// The status.
    pub status: VexStatus,
    /// Why the product is not affected, as written: OpenVEX `justification` (one of the five
    /// OpenVEX values) or CycloneDX `analysis.justification` (one of the CycloneDX values).
    pub justification: Option<String>,
    /// Free-text explanation: OpenVEX `impact_statement`, CycloneDX `analysis.detail`.
    pub impact_statement: Option<String>,
    /// When the statement was made, an RFC 3339 date-time (validated): OpenVEX statement
    /// `timestamp`, else the document's `timestamp`; CycloneDX `analysis.lastUpdated`, else
    /// `analysis.firstIssued`, else `metadata.timestamp`.
    pub timestamp: Option<String>,
}

/// The status of a vulnerability in a product, in OpenVEX terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VexStatus {
    /// Not affected (OpenVEX `not_affected`; CycloneDX `not_affected`, `false_positive`).
    NotAffected,
    /// Affected (OpenVEX `affected`; CycloneDX `exploitable`).
    Affected,
    /// Fixed (OpenVEX `fixed`; CycloneDX `resolved`, `resolved_with_pedigree`).
    Fixed,
    /// Under investigation (OpenVEX `under_investigation`; CycloneDX `in_triage`).
    UnderInvestigation,
}

impl VexStatus {
    /// The OpenVEX spelling: `not_affected`, `affected`, `fixed`, `under_investigation`.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }
}

impl fmt::Display for VexStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a VEX document could not be read. Every message starts with the file's path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VexError {
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    #[error("{path}: document is {size} bytes, expected at most {limit}")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Not JSON.
    #[error("{path}: invalid JSON: {source}")]
    Json {
        /// The file.
        path: String,
        /// The cause, with position.
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but neither OpenVEX nor a CycloneDX BOM with VEX data.
    #[error(
        "{path}: not a VEX document: {found}, expected an OpenVEX document (`@context` `https://openvex.dev/ns/v0.2.0`) or a CycloneDX BOM with `vulnerabilities[].analysis`"
    )]
    UnknownFormat {
        /// The file.
        path: String,
        /// What the document is instead.
        found: String,
    },
    /// An OpenVEX or CycloneDX document with a missing, mistyped or unknown value.
    #[error("{path}: invalid {format}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// `OpenVEX` or `CycloneDX`.
        format: &'static str,
        /// What is wrong and where (statements and products are numbered from 1).
        message: String,
    },
    /// More than [`MAX_STATEMENTS`] statements.
    #[error("{path}: invalid {format}: {count} statements, expected at most {limit}")]
    TooManyStatements {
        /// The file.
        path: String,
        /// `OpenVEX` or `CycloneDX`.
        format: &'static str,
        /// Statements in the document.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// Reads an OpenVEX (0.0.1 to 0.2.0) or CycloneDX (1.4 to 1.6, JSON) VEX document from `bytes`.
///
/// The format is detected from the content: an `@context` of `https://openvex.dev/ns` (or a
/// versioned URL under it) is OpenVEX; `"bomFormat": "CycloneDX"` is CycloneDX, and then only
/// `vulnerabilities` with an `analysis` become statements. `path` only names the file in errors.
///
/// # Errors
///
/// [`VexError`] when `bytes` exceed [`MAX_DOCUMENT_BYTES`], are not JSON, are neither format, hold
/// more than [`MAX_STATEMENTS`] statements, or when a value VEX matching needs is missing, of the
/// wrong type or not one the specification allows (statuses, justifications, RFC 3339
/// timestamps, purls). Never panics.
pub fn parse_vex(path: &str, bytes: &[u8]) -> Result<VexDocument, VexError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(VexError::TooLarge { path: path.to_string(), size: bytes.len(), limit: MAX_DOCUMENT_BYTES });
    }
    let unknown = |found: String| VexError::UnknownFormat { path: path.to_string(), found };
    let document = match serde_json::from_slice::<Val<RawDocument>>(bytes) {
        Ok(Val::Obj(document)) => document,
        Ok(other) => return Err(unknown(format!("the document is {}", other.kind()))),
        Err(source) => return Err(VexError::Json { path: path.to_string(), source }),
    };
    let context = match document.context {
        Some(Val::Str(context)) if is_openvex_context(&context) => {
            let ctx = Ctx { path, format: "OpenVEX" };
            return openvex::read(&ctx, document.timestamp, document.statements);
        }
        Some(Val::Str(context)) => Some(format!("`@context` is `{}`", shorten(&context))),
        Some(other) => Some(format!("`@context` is {}", other.kind())),
        None => None,
    };
    match document.bom_format {
        Some(Val::Str(format)) if format == "CycloneDX" => {
            let ctx = Ctx { path, format: "CycloneDX" };
            cyclonedx::read(&ctx, document.metadata, document.components, document.vulnerabilities)
        }
        Some(Val::Str(format)) => Err(unknown(format!("`bomFormat` is `{}`", shorten(&format)))),
        Some(other) => Err(unknown(format!("`bomFormat` is {}", other.kind()))),
        None => Err(unknown(context.unwrap_or_else(|| "it has neither `@context` nor `bomFormat`".to_string()))),
    }
}

impl VexDocument {
    /// The statement that applies to a finding of `vulnerability_id` (with `aliases`) in the
    /// package `purl`, if any: among the statements that name one of the finding's identifiers
    /// (as `vulnerability` or alias, ASCII case-insensitively) and have a product or subcomponent
    /// matching `purl` ([`ProductMatcher::matches_purl`]), the one with the latest timestamp;
    /// a statement without one counts as older than any with one, and among equal timestamps
    /// the later statement in the document wins, as in go-vex. `None` when `purl` is not a
    /// valid package URL.
    pub fn matches(&self, vulnerability_id: &str, aliases: &[String], purl: &str) -> Option<&VexStatement> {
        let package = product::Package::parse(purl)?;
        let finding: Vec<&str> = std::iter::once(vulnerability_id)
            .chain(aliases.iter().map(String::as_str))
            .filter(|s| !s.is_empty())
            .collect();
        let mut latest: Option<(Option<timestamp::Instant>, &VexStatement)> = None;
        for statement in &self.statements {
            let names_finding = std::iter::once(&statement.vulnerability)
                .chain(&statement.aliases)
                .any(|id| finding.iter().any(|f| f.eq_ignore_ascii_case(id)));
            if !names_finding || !statement.products.iter().any(|p| p.matches_package(&package)) {
                continue;
            }
            let at = statement.timestamp.as_deref().and_then(timestamp::parse);
            if latest.as_ref().is_none_or(|(newest, _)| at >= *newest) {
                latest = Some((at, statement));
            }
        }
        latest.map(|(_, statement)| statement)
    }
}

impl VexDocument {
    /// One document holding the statements of `documents`, in the order given (the order of
    /// the `--vex` files). [`VexDocument::matches`] on the result picks the latest statement
    /// across all of them, exactly as within one: by statement timestamp (a statement without
    /// one inherits its document's, OpenVEX 0.2.0 "Statement"; one with neither is older than
    /// any with one), and among equal timestamps the statement from the later document wins.
    pub fn merge(documents: impl IntoIterator<Item = VexDocument>) -> VexDocument {
        VexDocument { statements: documents.into_iter().flat_map(|d| d.statements).collect() }
    }

    /// Sets each finding's status from the statement that applies to it ([`VexDocument::matches`]):
    /// `not_affected` and `fixed` suppress it (with the justification, or for `not_affected`
    /// without one, the impact statement); `affected`, `under_investigation` and no statement
    /// leave it [`FindingStatus::Affected`], so a later `affected` statement overrides an
    /// earlier `not_affected` one.
    pub fn apply(&self, findings: &mut [VulnFinding]) {
        for finding in findings {
            let statement = self.matches(&finding.id, &finding.aliases, &finding.package.purl);
            let (status, justification) = match statement {
                Some(s) if s.status == VexStatus::NotAffected => {
                    (FindingStatus::NotAffected, s.justification.clone().or_else(|| s.impact_statement.clone()))
                }
                Some(s) if s.status == VexStatus::Fixed => (FindingStatus::Fixed, s.justification.clone()),
                _ => (FindingStatus::Affected, None),
            };
            finding.status = status;
            finding.justification = justification;
        }
    }
}

/// `https://openvex.dev/ns` or a versioned context under it (`…/ns/v0.2.0`).
fn is_openvex_context(context: &str) -> bool {
    context.strip_prefix("https://openvex.dev/ns").is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The top-level fields either format uses; everything else is skipped unread.
#[derive(Deserialize)]
struct RawDocument {
    #[serde(rename = "@context")]
    context: Option<Text>,
    #[serde(rename = "bomFormat")]
    bom_format: Option<Text>,
    timestamp: Option<Text>,
    statements: Option<Many<Val<openvex::RawStatement>>>,
    metadata: Option<Val<cyclonedx::RawMetadata>>,
    components: Option<Many<Val<cyclonedx::RawComponent>>>,
    vulnerabilities: Option<Many<Val<cyclonedx::RawVulnerability>>>,
}

/// The document being read, for error messages.
struct Ctx<'a> {
    path: &'a str,
    format: &'static str,
}

impl Ctx<'_> {
    fn invalid(&self, message: String) -> VexError {
        VexError::Invalid { path: self.path.to_string(), format: self.format, message }
    }

    fn too_many(&self, count: usize) -> VexError {
        VexError::TooManyStatements { path: self.path.to_string(), format: self.format, count, limit: MAX_STATEMENTS }
    }

    /// An optional string field; `at` and `field` name it in messages (`statement 3`, `` `status` ``).
    fn string(&self, at: &str, field: &str, value: Option<Text>) -> Result<Option<String>, VexError> {
        value
            .map(|v| {
                v.into_string().map_err(|kind| self.invalid(format!("{at}: {field} is {kind}, expected a string")))
            })
            .transpose()
    }

    /// A required, non-empty string field.
    fn required(&self, at: &str, field: &str, value: Option<Text>, expected: &str) -> Result<String, VexError> {
        match self.string(at, field, value)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(self.invalid(format!("{at}: {field} is empty, expected {expected}"))),
            None => Err(self.invalid(format!("{at} has no {field}, expected {expected}"))),
        }
    }

    /// An optional RFC 3339 date-time.
    fn timestamp(&self, at: &str, field: &str, value: Option<Text>) -> Result<Option<String>, VexError> {
        let value = self.string(at, field, value)?;
        match value {
            Some(t) if timestamp::parse(&t).is_none() => Err(self.invalid(format!(
                "{at}: {field} is `{}`, expected an RFC 3339 date-time such as `2024-01-31T12:00:00Z`",
                shorten(&t)
            ))),
            other => Ok(other),
        }
    }

    /// An optional enumerated value; `allowed` lists the specification's values.
    fn one_of(&self, at: &str, field: &str, value: Option<Text>, allowed: &[&str]) -> Result<Option<String>, VexError> {
        match self.string(at, field, value)? {
            Some(v) if !allowed.contains(&v.as_str()) => {
                Err(self.invalid(format!("{at}: {field} is `{}`, expected {}", shorten(&v), list(allowed))))
            }
            other => Ok(other),
        }
    }

    /// An array field's items (at most [`MAX_STATEMENTS`], checked by the caller for statements).
    fn items<T>(&self, at: &str, field: &str, value: Option<Many<T>>) -> Result<Vec<T>, VexError> {
        match value {
            None => Ok(Vec::new()),
            Some(Many::Items(items, len)) if len > items.len() => {
                Err(self.invalid(format!("{at}: {field} has {len} entries, expected at most {}", json::MAX_ITEMS)))
            }
            Some(Many::Items(items, _)) => Ok(items),
            Some(Many::Other(kind)) => Err(self.invalid(format!("{at}: {field} is {kind}, expected an array"))),
        }
    }

    /// A package URL given as a product: it must parse, or the statement would silently match nothing.
    fn matcher(&self, at: &str, field: &str, id: String) -> Result<ProductMatcher, VexError> {
        let matcher = ProductMatcher::from_id(id);
        match &matcher {
            ProductMatcher::Purl(purl) if product::Package::parse(purl).is_none() => Err(self.invalid(format!(
                "{at}: {field} `{}` is not a valid package URL, expected `pkg:type/namespace/name@version`",
                shorten(purl)
            ))),
            _ => Ok(matcher),
        }
    }
}

/// "one of `a`, `b`, `c`".
fn list(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    format!("one of {}", quoted.join(", "))
}

/// A value from the document, for a message: at most 100 characters, with control and
/// bidirectional-formatting characters escaped so a hostile document cannot rewrite the terminal.
fn shorten(s: &str) -> String {
    const MAX: usize = 100;
    let mut out = String::new();
    for c in s.chars().take(MAX) {
        if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_detection() {
        assert!(is_openvex_context("https://openvex.dev/ns"));
        assert!(is_openvex_context("https://openvex.dev/ns/v0.2.0"));
        assert!(!is_openvex_context("https://openvex.dev/nsx"));
        assert!(!is_openvex_context("http://openvex.dev/ns"));
    }

    #[test]
    fn shorten_escapes_and_truncates() {
        assert_eq!(shorten("a\u{1b}[31m \u{202e}it's\""), "a\\u{1b}[31m \\u{202e}it's\"");
        assert_eq!(shorten(&"x".repeat(150)).chars().count(), 101);
    }
}
