//! Matching SBOM packages to advisories with each ecosystem's version ordering.

use std::cmp::Ordering;

use serde::Serialize;
use vigil_core::Severity;
use vigil_sbom::{Package, PackageLocation, Sbom};

use crate::db::{Candidate, Database, DbError};
use crate::osv::{Affected, Event};
use crate::version::{Scheme, compare_with, scheme, sort_versions, total_cmp};

/// Whether a finding still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Affected (no VEX statement says otherwise).
    Affected,
    /// A VEX statement says the product is not affected.
    NotAffected,
    /// A VEX statement says it is fixed.
    Fixed,
}

/// The package a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageRef {
    /// Name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// OSV ecosystem.
    pub ecosystem: String,
    /// Package URL.
    pub purl: String,
}

/// A CVSS score and its vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssRef {
    /// Base score.
    pub score: f64,
    /// Vector string.
    pub vector: String,
}

/// One vulnerable package: vigil's scan JSON contract, version 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnFinding {
    /// Advisory ID.
    pub id: String,
    /// Aliases (CVE IDs, …).
    pub aliases: Vec<String>,
    /// The package.
    pub package: PackageRef,
    /// Versions that fix it.
    pub fixed_versions: Vec<String>,
    /// `critical`, `high`, `medium`, `low`, `info` or `unknown` (JSON spellings of
    /// [`Severity`]).
    pub severity: Severity,
    /// The highest CVSS score of the advisory, when it has a vector vigil can score.
    pub cvss: Option<CvssRef>,
    /// Affected, or suppressed by VEX.
    pub status: FindingStatus,
    /// VEX justification, when a statement suppressed it.
    pub justification: Option<String>,
    /// Where the package was found.
    pub locations: Vec<PackageLocation>,
    /// Advisory summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Finds every advisory affecting a package of `sbom`. Withdrawn advisories never match;
/// OS packages are also looked up by their source package (Debian and Ubuntu advisories are
/// keyed by it) and then compared with the source version.
pub fn match_sbom(db: &Database, sbom: &Sbom) -> Result<Vec<VulnFinding>, DbError> {
    use rayon::prelude::*;
    // One connection per worker: packages are split into as many chunks as there are threads.
    let threads = rayon::current_num_threads().max(1);
    let chunk = sbom.packages.len().div_ceil(threads).max(64);
    if sbom.packages.len() <= chunk {
        let mut cache = Cache::default();
        let mut findings = Vec::new();
        for package in &sbom.packages {
            findings.extend(match_cached(db, package, &mut cache)?);
        }
        return Ok(finish(findings));
    }
    let path = std::path::PathBuf::from(db.path());
    let parts: Vec<Result<Vec<VulnFinding>, DbError>> = sbom
        .packages
        .par_chunks(chunk)
        .map(|packages| {
            let conn = Database::open(&path)?;
            let mut cache = Cache::default();
            let mut out = Vec::new();
            for package in packages {
                out.extend(match_cached(&conn, package, &mut cache)?);
            }
            Ok(out)
        })
        .collect();
    let mut findings = Vec::new();
    for part in parts {
        findings.extend(part?);
    }
    Ok(finish(findings))
}

/// Sorted by ecosystem, package and advisory, duplicates dropped.
fn finish(mut findings: Vec<VulnFinding>) -> Vec<VulnFinding> {
    findings.sort_by(|a, b| {
        (&a.package.ecosystem, &a.package.name, &a.package.version, &a.id).cmp(&(
            &b.package.ecosystem,
            &b.package.name,
            &b.package.version,
            &b.id,
        ))
    });
    findings.dedup_by(|a, b| a.id == b.id && a.package == b.package);
    findings
}

/// Candidates already read, by (ecosystem, name): an SBOM often lists the same package name
/// several times (several versions, `stdlib` in every Go binary).
type Cache = std::collections::HashMap<(String, String), std::rc::Rc<Vec<Candidate>>>;

/// The findings for one package.
pub fn match_package(db: &Database, package: &Package) -> Result<Vec<VulnFinding>, DbError> {
    match_cached(db, package, &mut Cache::default())
}

fn match_cached(db: &Database, package: &Package, cache: &mut Cache) -> Result<Vec<VulnFinding>, DbError> {
    let mut lookups = vec![(package.name.as_str(), package.version.as_str())];
    if let Some(source) = &package.source
        && source.name != package.name
    {
        lookups.push((source.name.as_str(), source.version.as_str()));
    }
    let mut out = Vec::new();
    for (name, version) in lookups {
        let key = (package.ecosystem.clone(), name.to_string());
        let candidates = match cache.get(&key) {
            Some(found) => found.clone(),
            None => {
                let mut found = db.candidates(&package.ecosystem, name)?;
                sort_ranges(&mut found, &package.ecosystem);
                let found = std::rc::Rc::new(found);
                cache.insert(key, found.clone());
                found
            }
        };
        for candidate in candidates.iter() {
            if candidate.advisory.withdrawn.is_some() {
                continue;
            }
            if let Some(fixed) = affects(candidate, &package.ecosystem, version) {
                out.push(finding(candidate, package, fixed));
            }
        }
    }
    Ok(out)
}

/// The scheme a range is evaluated with: SemVer for `SEMVER`, the ecosystem's for `ECOSYSTEM`;
/// `None` for `GIT` and for ecosystems without an ordering (only `versions` lists count then).
fn range_scheme(kind: &str, ecosystem: &str) -> Option<Scheme> {
    match kind {
        "SEMVER" => Some(Scheme::SemVer),
        "ECOSYSTEM" => scheme(ecosystem),
        _ => None,
    }
}

/// Puts every range's events in version order, once per candidate rather than once per
/// package version: `introduced: "0"` first, then by the scheme's total order (the
/// ecosystem's own may be intransitive, and `sort_by` may panic on an order that is not
/// total). The sort is stable: events with the same version keep the advisory's order.
fn sort_ranges(candidates: &mut [Candidate], ecosystem: &str) {
    let key = |e: &Event| -> Option<String> {
        e.introduced.clone().or_else(|| e.fixed.clone()).or_else(|| e.last_affected.clone()).or_else(|| e.limit.clone())
    };
    let ranges = candidates.iter_mut().flat_map(|c| c.affected.iter_mut()).flat_map(|a| a.ranges.iter_mut());
    for range in ranges {
        let Some(scheme) = range_scheme(&range.kind, ecosystem) else { continue };
        let mut keyed: Vec<(bool, String, Event)> = std::mem::take(&mut range.events)
            .into_iter()
            .filter_map(|e| key(&e).map(|k| (!(e.introduced.is_some() && k == "0"), k, e)))
            .collect();
        keyed.sort_by(|(za, ka, _), (zb, kb, _)| za.cmp(zb).then_with(|| total_cmp(scheme, ka, kb)));
        range.events = keyed.into_iter().map(|(_, _, e)| e).collect();
    }
}

/// `Some(fixed versions)` when `version` is affected by one of the candidate's entries.
fn affects(candidate: &Candidate, ecosystem: &str, version: &str) -> Option<Vec<String>> {
    let mut hit = false;
    let mut fixed = Vec::new();
    for affected in &candidate.affected {
        if let Some(f) = entry_affects(affected, ecosystem, version) {
            hit = true;
            fixed.extend(f);
        }
    }
    // In the ecosystem's order (`1.9.0` before `1.10.0`), not as text.
    sort_versions(scheme(ecosystem), &mut fixed);
    fixed.dedup();
    hit.then_some(fixed)
}

fn entry_affects(affected: &Affected, ecosystem: &str, version: &str) -> Option<Vec<String>> {
    if affected.versions.iter().any(|v| v == version) {
        // Fixed versions come from version ranges; GIT ranges hold commit hashes.
        let fixed = affected
            .ranges
            .iter()
            .filter(|r| r.kind != "GIT")
            .flat_map(|r| r.events.iter().filter_map(|e| e.fixed.clone()))
            .collect();
        return Some(fixed);
    }
    for range in &affected.ranges {
        // No ordering (GIT, or an ecosystem vigil cannot order): only `versions` counts.
        let Some(scheme) = range_scheme(&range.kind, ecosystem) else { continue };
        if let Some(fixed) = in_range(scheme, version, &range.events) {
            return Some(fixed);
        }
    }
    None
}

/// The OSV evaluation (osv-schema, "Evaluation") over events already in version order
/// ([`sort_ranges`]): `introduced` opens, `fixed`/`limit` close before, `last_affected` closes
/// after. Returns the fixed versions above `version` when it is affected.
fn in_range(scheme: Scheme, version: &str, sorted: &[Event]) -> Option<Vec<String>> {
    let mut affected = false;
    for event in sorted {
        if let Some(introduced) = &event.introduced {
            if introduced == "0" || compare_with(scheme, version, introduced) != Ordering::Less {
                affected = true;
            }
        } else if let Some(fixed) = &event.fixed {
            if compare_with(scheme, version, fixed) != Ordering::Less {
                affected = false;
            }
        } else if let Some(last) = &event.last_affected {
            if compare_with(scheme, version, last) == Ordering::Greater {
                affected = false;
            }
        } else if let Some(limit) = &event.limit
            && compare_with(scheme, version, limit) != Ordering::Less
        {
            affected = false;
        }
    }
    if !affected {
        return None;
    }
    let fixed = sorted
        .iter()
        .filter_map(|e| e.fixed.as_ref())
        .filter(|f| compare_with(scheme, version, f) == Ordering::Less)
        .take(1)
        .cloned()
        .collect();
    Some(fixed)
}

fn finding(candidate: &Candidate, package: &Package, fixed_versions: Vec<String>) -> VulnFinding {
    let advisory = &candidate.advisory;
    let (severity, cvss) = crate::severity::of(advisory, &candidate.affected);
    VulnFinding {
        id: advisory.id.clone(),
        aliases: advisory.aliases.clone(),
        package: PackageRef {
            name: package.name.clone(),
            version: package.version.clone(),
            ecosystem: package.ecosystem.clone(),
            purl: package.purl.clone(),
        },
        fixed_versions,
        severity,
        cvss,
        status: FindingStatus::Affected,
        justification: None,
        locations: package.locations.clone(),
        summary: advisory.summary.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(introduced: Option<&str>, fixed: Option<&str>, last: Option<&str>) -> Event {
        Event {
            introduced: introduced.map(Into::into),
            fixed: fixed.map(Into::into),
            last_affected: last.map(Into::into),
            limit: None,
        }
    }

    #[test]
    fn ranges_follow_the_osv_evaluation() {
        let events = [
            ev(Some("0"), None, None),
            ev(None, Some("1.2.3"), None),
            ev(Some("2.0.0"), None, None),
            ev(None, None, Some("2.1.0")),
        ];
        let check = |v: &str| in_range(Scheme::SemVer, v, &events);
        assert_eq!(check("1.2.2"), Some(vec!["1.2.3".to_string()]));
        assert_eq!(check("1.2.3"), None);
        assert_eq!(check("1.9.9"), None);
        assert_eq!(check("2.0.0"), Some(vec![]));
        assert_eq!(check("2.1.0"), Some(vec![]));
        assert_eq!(check("2.1.1"), None);
    }
}
