//! SPDX 2.3 JSON (<https://spdx.github.io/spdx-spec/v2.3/>).

use serde_json::{Value, json};

use super::uuid_of;
use crate::Sbom;
use vigil_core::time::rfc3339;

/// The SBOM as an SPDX 2.3 document: one package for the scanned subject, which the document
/// DESCRIBES and which CONTAINS one package per catalogued package, each with its purl as a
/// `PACKAGE-MANAGER` external reference.
pub(crate) fn to_spdx(sbom: &Sbom, created: i64) -> Value {
    let subject_id = "SPDXRef-Subject";
    let mut packages = vec![json!({
        "SPDXID": subject_id,
        "name": sbom.source.target,
        "versionInfo": sbom.source.manifest_digest.clone().or(sbom.source.config_digest.clone()).unwrap_or_default(),
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": if matches!(sbom.source.kind.as_str(), "dir" | "file") { "SOURCE" } else { "CONTAINER" },
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": subject_id,
    })];
    if let Some(distro) = &sbom.distro {
        packages.push(json!({
            "SPDXID": "SPDXRef-OperatingSystem",
            "name": distro.id,
            "versionInfo": distro.version_id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "OPERATING_SYSTEM",
            "comment": distro.pretty_name.clone().unwrap_or_default(),
        }));
        relationships.push(json!({"spdxElementId": subject_id, "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-OperatingSystem"}));
    }
    for (i, p) in sbom.packages.iter().enumerate() {
        let id = format!("SPDXRef-Package-{i}");
        let locations: Vec<String> = p
            .locations
            .iter()
            .map(|l| match &l.layer {
                Some(layer) => format!("{} (layer {layer})", l.path),
                None => l.path.clone(),
            })
            .collect();
        let mut package = json!({
            "SPDXID": id,
            "name": p.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "LIBRARY",
            "sourceInfo": format!("{} package found in {}", p.ecosystem, locations.join(", ")),
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl}],
        });
        if !p.version.is_empty() {
            package["versionInfo"] = json!(p.version);
        }
        if let Some(source) = &p.source {
            package["comment"] = json!(format!("source package {} {}", source.name, source.version));
        }
        packages.push(package);
        relationships
            .push(json!({"spdxElementId": subject_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
    }
    let seed = serde_json::to_string(&packages).unwrap_or_default();
    let name = if sbom.source.target.is_empty() { "vigil-sbom".to_string() } else { sbom.source.target.clone() };
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://vigil.invalid/spdxdocs/{}", uuid_of(&seed)),
        "creationInfo": {"created": rfc3339(created), "creators": [format!("Tool: vigil-{}", env!("CARGO_PKG_VERSION"))]},
        "packages": packages,
        "relationships": relationships,
    })
}
