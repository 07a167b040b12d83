//! CycloneDX VEX (CycloneDX 1.4 to 1.6 JSON, `vulnerabilities[]` with `analysis`), either a
//! standalone VEX BOM or vulnerabilities embedded in an SBOM.

use std::collections::HashMap;

use serde::Deserialize;

use super::json::{Many, Text, Val};
use super::{Ctx, MAX_STATEMENTS, ProductMatcher, VexDocument, VexError, VexStatement, VexStatus, shorten};

/// CycloneDX 1.6 `impactAnalysisState`.
const STATES: [&str; 6] =
    ["resolved", "resolved_with_pedigree", "exploitable", "in_triage", "false_positive", "not_affected"];

/// CycloneDX 1.6 `impactAnalysisJustification`.
const JUSTIFICATIONS: [&str; 9] = [
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];

#[derive(Deserialize)]
pub(crate) struct RawMetadata {
    timestamp: Option<Text>,
    component: Option<Val<RawComponent>>,
}

#[derive(Deserialize)]
pub(crate) struct RawComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<Text>,
    purl: Option<Text>,
    components: Option<Many<Val<RawComponent>>>,
}

#[derive(Deserialize)]
pub(crate) struct RawVulnerability {
    id: Option<Text>,
    references: Option<Many<Val<RawReference>>>,
    analysis: Option<Val<RawAnalysis>>,
    affects: Option<Many<Val<RawAffect>>>,
}

#[derive(Deserialize)]
pub(crate) struct RawReference {
    id: Option<Text>,
}

#[derive(Deserialize)]
pub(crate) struct RawAnalysis {
    state: Option<Text>,
    justification: Option<Text>,
    detail: Option<Text>,
    #[serde(rename = "firstIssued")]
    first_issued: Option<Text>,
    #[serde(rename = "lastUpdated")]
    last_updated: Option<Text>,
}

#[derive(Deserialize)]
pub(crate) struct RawAffect {
    #[serde(rename = "ref")]
    reference: Option<Text>,
}

pub(super) fn read(
    ctx: &Ctx<'_>,
    metadata: Option<Val<RawMetadata>>,
    components: Option<Many<Val<RawComponent>>>,
    vulnerabilities: Option<Many<Val<RawVulnerability>>>,
) -> Result<VexDocument, VexError> {
    let raw = match vulnerabilities {
        None => {
            return Err(VexError::UnknownFormat {
                path: ctx.path.to_string(),
                found: "a CycloneDX BOM without `vulnerabilities`".into(),
            });
        }
        Some(Many::Items(_, len)) if len > MAX_STATEMENTS => return Err(ctx.too_many(len)),
        Some(Many::Items(items, _)) => items,
        Some(Many::Other(kind)) => return Err(ctx.invalid(format!("`vulnerabilities` is {kind}, expected an array"))),
    };
    let (metadata_time, metadata_component) = match metadata {
        None => (None, None),
        Some(Val::Obj(m)) => (ctx.timestamp("`metadata`", "`timestamp`", m.timestamp)?, m.component),
        Some(other) => return Err(ctx.invalid(format!("`metadata` is {}, expected an object", other.kind()))),
    };
    let refs = bom_refs(ctx, metadata_component, components)?;

    let total = raw.len();
    let mut statements = Vec::new();
    for (i, vulnerability) in raw.into_iter().enumerate() {
        let at = format!("vulnerability {}", i + 1);
        let v =
            vulnerability.into_object().map_err(|kind| ctx.invalid(format!("{at} is {kind}, expected an object")))?;
        // A vulnerability without an analysis is a scanner's finding, not a VEX statement.
        let Some(analysis) = v.analysis else { continue };
        let id = ctx.required(&at, "`id`", v.id, "a vulnerability identifier")?;
        let at = format!("{at} (`{}`)", shorten(&id));
        let analysis = analysis
            .into_object()
            .map_err(|kind| ctx.invalid(format!("{at}: `analysis` is {kind}, expected an object")))?;
        let status = match ctx.one_of(&at, "`analysis.state`", analysis.state, &STATES)?.as_deref() {
            Some("not_affected" | "false_positive") => VexStatus::NotAffected,
            Some("resolved" | "resolved_with_pedigree") => VexStatus::Fixed,
            Some("exploitable") => VexStatus::Affected,
            Some(_) => VexStatus::UnderInvestigation,
            None => {
                return Err(ctx.invalid(format!("{at}: `analysis` has no `state`, expected {}", super::list(&STATES))));
            }
        };
        let justification = ctx.one_of(&at, "`analysis.justification`", analysis.justification, &JUSTIFICATIONS)?;
        let impact_statement = ctx.string(&at, "`analysis.detail`", analysis.detail)?.filter(|s| !s.is_empty());
        let last_updated = ctx.timestamp(&at, "`analysis.lastUpdated`", analysis.last_updated)?;
        let first_issued = ctx.timestamp(&at, "`analysis.firstIssued`", analysis.first_issued)?;
        let timestamp = last_updated.or(first_issued).or_else(|| metadata_time.clone());

        let mut aliases = Vec::new();
        for (j, reference) in ctx.items(&at, "`references`", v.references)?.into_iter().enumerate() {
            let here = format!("{at}: `references` entry {}", j + 1);
            let reference =
                reference.into_object().map_err(|kind| ctx.invalid(format!("{here} is {kind}, expected an object")))?;
            aliases.push(ctx.required(&here, "`id`", reference.id, "a vulnerability identifier")?);
        }
        let mut products = Vec::new();
        for (j, affect) in ctx.items(&at, "`affects`", v.affects)?.into_iter().enumerate() {
            let here = format!("{at}: `affects` entry {}", j + 1);
            let affect =
                affect.into_object().map_err(|kind| ctx.invalid(format!("{here} is {kind}, expected an object")))?;
            let reference = ctx.required(&here, "`ref`", affect.reference, "a component's `bom-ref`")?;
            products.push(resolve(ctx, &here, reference, &refs)?);
        }
        statements.push(VexStatement {
            vulnerability: id,
            aliases,
            products,
            status,
            justification,
            impact_statement,
            timestamp,
        });
    }
    if statements.is_empty() && total > 0 {
        return Err(VexError::UnknownFormat {
            path: ctx.path.to_string(),
            found: format!("a CycloneDX BOM whose {total} `vulnerabilities` have no `analysis`"),
        });
    }
    Ok(VexDocument { statements })
}

/// `bom-ref` → purl of every component (`metadata.component` and `components`, nested ones
/// included); the first component with a given `bom-ref` wins.
fn bom_refs(
    ctx: &Ctx<'_>,
    metadata_component: Option<Val<RawComponent>>,
    components: Option<Many<Val<RawComponent>>>,
) -> Result<HashMap<String, Option<String>>, VexError> {
    let mut refs = HashMap::new();
    // Walked with a stack: nesting is bounded by serde_json's recursion limit, but not recursing
    // keeps this independent of it.
    let mut stack: Vec<(String, Val<RawComponent>)> = Vec::new();
    if let Some(component) = metadata_component {
        stack.push(("`metadata.component`".to_string(), component));
    }
    let top = ctx.items("the document", "`components`", components)?;
    stack.extend(top.into_iter().enumerate().rev().map(|(i, c)| (format!("`components[{i}]`"), c)));
    while let Some((at, component)) = stack.pop() {
        let component =
            component.into_object().map_err(|kind| ctx.invalid(format!("{at} is {kind}, expected an object")))?;
        let bom_ref = ctx.string(&at, "`bom-ref`", component.bom_ref)?;
        let purl = ctx.string(&at, "`purl`", component.purl)?.filter(|p| !p.is_empty());
        let children = ctx.items(&at, "`components`", component.components)?;
        let path = at.trim_end_matches('`').to_string();
        stack.extend(children.into_iter().enumerate().rev().map(|(i, c)| (format!("{path}.components[{i}]`"), c)));
        if let Some(bom_ref) = bom_ref.filter(|r| !r.is_empty()) {
            refs.entry(bom_ref).or_insert(purl);
        }
    }
    Ok(refs)
}

/// The matcher for an `affects[].ref`: the purl of the component with that `bom-ref`, else the
/// reference itself when it is a purl, else [`ProductMatcher::Other`]. A BOM-Link
/// (`urn:cdx:<serial>/<version>#<bom-ref>`, CycloneDX 1.5) is resolved by its fragment, as a
/// standalone VEX BOM names the components of another BOM that way.
fn resolve(
    ctx: &Ctx<'_>,
    at: &str,
    reference: String,
    refs: &HashMap<String, Option<String>>,
) -> Result<ProductMatcher, VexError> {
    let mut candidates = vec![reference.clone()];
    if let Some((_, fragment)) = reference.strip_prefix("urn:cdx:").and_then(|r| r.split_once('#')) {
        candidates.push(fragment.to_string());
        if let Some(decoded) = percent_decode(fragment).filter(|d| d != fragment) {
            candidates.push(decoded);
        }
    }
    for candidate in &candidates {
        if let Some(Some(purl)) = refs.get(candidate) {
            let matcher = ProductMatcher::from_id(purl.clone());
            if matches!(matcher, ProductMatcher::Other(_)) || super::product::Package::parse(purl).is_none() {
                return Err(ctx.invalid(format!(
                    "{at}: `ref` `{}` names a component whose `purl` `{}` is not a valid package URL",
                    shorten(&reference),
                    shorten(purl)
                )));
            }
            return Ok(matcher);
        }
    }
    for candidate in candidates {
        if candidate.starts_with("pkg:") {
            return ctx.matcher(at, "`ref`", candidate);
        }
    }
    Ok(ProductMatcher::Other(reference))
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(percent_decode("pkg%3Anpm%2Fa%401").as_deref(), Some("pkg:npm/a@1"));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("a%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
