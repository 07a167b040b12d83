//! A finding's severity: the highest CVSS base score among the advisory's (and the package
//! entry's) vectors, else the word GitHub or the ecosystem gives, else `Unknown`.

use vigil_core::Severity;

use crate::matcher::CvssRef;
use crate::osv::{Advisory, Affected};

/// `(severity, best CVSS)` for an advisory and the entries that matched.
pub(crate) fn of(advisory: &Advisory, affected: &[Affected]) -> (Severity, Option<CvssRef>) {
    let vectors = advisory.severity.iter().chain(affected.iter().flat_map(|a| a.severity.iter()));
    let mut best: Option<CvssRef> = None;
    for entry in vectors {
        if !entry.kind.starts_with("CVSS") {
            continue;
        }
        if let Ok(cvss) = crate::cvss::base_score(&entry.score)
            && best.as_ref().is_none_or(|b| cvss.score > b.score)
        {
            best = Some(CvssRef { score: cvss.score, vector: cvss.vector.clone() });
        }
    }
    if let Some(cvss) = &best {
        return (Severity::from_cvss_score(cvss.score), best);
    }
    // GHSA writes `MODERATE`, Debian and Ubuntu `negligible`/`unimportant`, Red Hat `important`
    // (every spelling is in `Severity::from_word`).
    let word = advisory
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .or_else(|| affected.iter().find_map(|a| a.ecosystem_specific.as_ref()?.get("severity")?.as_str()))
        .or_else(|| affected.iter().find_map(|a| a.database_specific.as_ref()?.get("severity")?.as_str()))
        .or_else(|| advisory.severity.iter().find(|s| !s.kind.starts_with("CVSS")).map(|s| s.score.as_str()));
    (word.map_or(Severity::Unknown, Severity::from_word), None)
}
