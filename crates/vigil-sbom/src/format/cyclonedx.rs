//! CycloneDX 1.6 JSON (<https://cyclonedx.org/docs/1.6/json/>).

use serde_json::{Value, json};

use super::uuid_of;
use crate::Sbom;
use vigil_core::time::rfc3339;

/// The SBOM as a CycloneDX 1.6 document: the scanned image (or directory) is
/// `metadata.component`, the distribution an `operating-system` component, every package a
/// `library` component with its purl, ecosystem, source package and locations as properties
/// and `evidence.occurrences`.
pub(crate) fn to_cyclonedx(sbom: &Sbom, created: i64) -> Value {
    let mut components = Vec::new();
    if let Some(distro) = &sbom.distro {
        let mut os = json!({
            "type": "operating-system",
            "bom-ref": format!("os:{}@{}", distro.id, distro.version_id),
            "name": distro.id,
            "version": distro.version_id,
        });
        if let Some(pretty) = &distro.pretty_name {
            os["description"] = json!(pretty);
        }
        components.push(os);
    }
    for (i, p) in sbom.packages.iter().enumerate() {
        let mut properties = vec![json!({"name": "vigil:ecosystem", "value": p.ecosystem})];
        if let Some(source) = &p.source {
            properties.push(json!({"name": "vigil:source:name", "value": source.name}));
            properties.push(json!({"name": "vigil:source:version", "value": source.version}));
        }
        for group in &p.dep_groups {
            properties.push(json!({"name": "vigil:depGroup", "value": group}));
        }
        for location in &p.locations {
            if let Some(layer) = &location.layer {
                properties.push(json!({"name": "vigil:location:layer", "value": format!("{}@{layer}", location.path)}));
            }
        }
        let mut component = json!({
            "type": "library",
            "bom-ref": format!("{}?package-id={i}", p.purl),
            "name": p.name,
            "purl": p.purl,
            "properties": properties,
        });
        if !p.version.is_empty() {
            component["version"] = json!(p.version);
        }
        if !p.locations.is_empty() {
            component["evidence"] =
                json!({"occurrences": p.locations.iter().map(|l| json!({"location": l.path})).collect::<Vec<_>>()});
        }
        components.push(component);
    }
    let subject_type = match sbom.source.kind.as_str() {
        "dir" => "file",
        "file" => "file",
        _ => "container",
    };
    let mut subject = json!({"type": subject_type, "bom-ref": "subject", "name": sbom.source.target});
    if let Some(digest) = sbom.source.manifest_digest.as_ref().or(sbom.source.config_digest.as_ref()) {
        subject["version"] = json!(digest);
    }
    let mut subject_props = Vec::new();
    if let Some(platform) = &sbom.source.platform {
        subject_props.push(json!({"name": "vigil:platform", "value": platform}));
    }
    if let Some(config) = &sbom.source.config_digest {
        subject_props.push(json!({"name": "vigil:configDigest", "value": config}));
    }
    subject_props.push(json!({"name": "vigil:sourceKind", "value": sbom.source.kind}));
    subject["properties"] = json!(subject_props);
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": rfc3339(created),
            "tools": {"components": [{"type": "application", "name": "vigil", "version": env!("CARGO_PKG_VERSION")}]},
            "component": subject,
        },
        "components": components,
    });
    // Deterministic serial number: a hash of the content (timestamp excluded).
    let seed = serde_json::to_string(&doc["components"]).unwrap_or_default() + &sbom.source.target;
    doc["serialNumber"] = json!(format!("urn:uuid:{}", uuid_of(&seed)));
    doc
}

/// One entry of a CycloneDX `vulnerabilities` list (CycloneDX 1.6, "vulnerabilities"), as
/// `vigil scan --format cyclonedx` writes them: the vulnerability, the component it affects
/// and, when a VEX statement decided it, the `analysis`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    /// Advisory ID (`GHSA-…`, `CVE-…`).
    pub id: String,
    /// Other IDs of the same vulnerability (`references`; `CVE-…` ones with source NVD).
    pub aliases: Vec<String>,
    /// The purl of the affected package; it must be the purl of a component of the SBOM.
    pub purl: String,
    /// Severity (`ratings[].severity`, CycloneDX's lowercase names).
    pub severity: vigil_core::Severity,
    /// Best CVSS base score and vector, if any.
    pub cvss: Option<(f64, String)>,
    /// Summary (`description`).
    pub description: Option<String>,
    /// Versions that fix it (`recommendation`).
    pub fixed_versions: Vec<String>,
    /// VEX state (`analysis.state`), if a statement decided it.
    pub analysis: Option<AnalysisState>,
}

/// CycloneDX `analysis.state` values vigil writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisState {
    /// `not_affected`.
    NotAffected,
    /// `resolved` (fixed).
    Resolved,
}

/// Why a CycloneDX document could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CycloneDxError {
    /// A vulnerability names a package that is not a component of the SBOM, so its `affects`
    /// reference would dangle.
    #[error("vulnerability `{id}` affects `{purl}`, which is not a component of the SBOM")]
    UnknownComponent {
        /// The vulnerability.
        id: String,
        /// Its package URL.
        purl: String,
    },
    /// Serialising failed.
    #[error("writing CycloneDX JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The SBOM as CycloneDX 1.6 with a `vulnerabilities` section, as pretty JSON with a final
/// newline: every vulnerability `affects` the `bom-ref` of the component with its purl.
///
/// # Errors
///
/// [`CycloneDxError::UnknownComponent`] when a vulnerability's purl is no component's;
/// nothing is written in part.
pub fn write_with_vulnerabilities(
    sbom: &Sbom,
    created: i64,
    vulnerabilities: &[Vulnerability],
) -> Result<String, CycloneDxError> {
    let mut doc = to_cyclonedx(sbom, created);
    let refs: std::collections::HashMap<&str, &str> = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["purl"].as_str()?, c["bom-ref"].as_str()?)))
        .collect();
    let mut entries = Vec::with_capacity(vulnerabilities.len());
    for v in vulnerabilities {
        let Some(component) = refs.get(v.purl.as_str()) else {
            return Err(CycloneDxError::UnknownComponent { id: v.id.clone(), purl: v.purl.clone() });
        };
        let references: Vec<Value> = v
            .aliases
            .iter()
            .map(|a| json!({"id": a, "source": {"name": if a.starts_with("CVE-") { "NVD" } else { "OSV" }}}))
            .collect();
        let mut entry = json!({
            "bom-ref": format!("{}:{}", v.id, v.purl),
            "id": v.id,
            "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{}", v.id)},
            "references": references,
        });
        let mut rating = json!({"severity": v.severity.as_str()});
        if let Some((score, vector)) = &v.cvss {
            rating["score"] = json!(score);
            rating["vector"] = json!(vector);
            rating["method"] = json!(cvss_method(vector));
        }
        entry["ratings"] = json!([rating]);
        if let Some(description) = &v.description {
            entry["description"] = json!(description);
        }
        if !v.fixed_versions.is_empty() {
            entry["recommendation"] = json!(format!("upgrade to {}", v.fixed_versions.join(" or ")));
        }
        if let Some(state) = v.analysis {
            let state = match state {
                AnalysisState::NotAffected => "not_affected",
                AnalysisState::Resolved => "resolved",
            };
            entry["analysis"] = json!({"state": state});
        }
        entry["affects"] = json!([{"ref": component}]);
        entries.push(entry);
    }
    doc["vulnerabilities"] = Value::Array(entries);
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

/// CycloneDX `ratings[].method` for a CVSS vector.
fn cvss_method(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4") {
        "CVSSv4"
    } else if vector.starts_with("CVSS:3.1") {
        "CVSSv31"
    } else if vector.starts_with("CVSS:3") {
        "CVSSv3"
    } else {
        "CVSSv2"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Package;

    fn vulnerability(purl: &str) -> Vulnerability {
        Vulnerability {
            id: "GHSA-1".into(),
            aliases: vec!["CVE-2024-1".into()],
            purl: purl.into(),
            severity: vigil_core::Severity::Unknown,
            cvss: Some((9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into())),
            description: None,
            fixed_versions: vec!["1.0.1".into()],
            analysis: Some(AnalysisState::NotAffected),
        }
    }

    #[test]
    fn vulnerabilities_affect_the_component_bom_ref() {
        let mut sbom = Sbom::default();
        sbom.packages.push(Package::new("a", "1.0.0", "npm", "pkg:npm/a@1.0.0", "/package-lock.json"));
        let text = write_with_vulnerabilities(&sbom, 0, &[vulnerability("pkg:npm/a@1.0.0")]).unwrap_or_default();
        let doc: Value = serde_json::from_str(&text).unwrap_or_default();
        let v = &doc["vulnerabilities"][0];
        assert_eq!(v["affects"][0]["ref"], doc["components"][0]["bom-ref"]);
        assert_eq!(v["ratings"][0]["severity"], "unknown");
        assert_eq!(v["ratings"][0]["method"], "CVSSv31");
        assert_eq!(v["analysis"]["state"], "not_affected");
        assert_eq!(v["references"][0]["source"]["name"], "NVD");
    }

    #[test]
    fn a_vulnerability_of_an_unknown_component_is_an_error() {
        let err = write_with_vulnerabilities(&Sbom::default(), 0, &[vulnerability("pkg:npm/b@1")]);
        assert!(matches!(err, Err(CycloneDxError::UnknownComponent { ref purl, .. }) if purl == "pkg:npm/b@1"));
    }
}
