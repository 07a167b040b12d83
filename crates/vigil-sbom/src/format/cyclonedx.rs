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
