//! A finding's severity: the highest CVSS base score among the advisory's (and the package
//! entry's) vectors, else the word GitHub or the ecosystem gives, else `unknown`.

use crate::matcher::CvssRef;
use crate::osv::{Advisory, Affected};

/// `(severity word, best CVSS)` for an advisory and the entries that matched.
pub(crate) fn of(advisory: &Advisory, affected: &[Affected]) -> (String, Option<CvssRef>) {
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
        let word = crate::cvss::severity(cvss.score);
        return (if word == "none" { "unknown".into() } else { word.to_string() }, best);
    }
    let word = advisory
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .or_else(|| affected.iter().find_map(|a| a.ecosystem_specific.as_ref()?.get("severity")?.as_str()))
        .or_else(|| affected.iter().find_map(|a| a.database_specific.as_ref()?.get("severity")?.as_str()))
        .or_else(|| advisory.severity.iter().find(|s| !s.kind.starts_with("CVSS")).map(|s| s.score.as_str()));
    (normalise(word), None)
}

/// GHSA uses `MODERATE`; Debian/Ubuntu use `negligible`/`unimportant`.
fn normalise(word: Option<&str>) -> String {
    match word.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") => "critical",
        Some("high" | "important") => "high",
        Some("moderate" | "medium") => "medium",
        Some("low" | "negligible" | "unimportant") => "low",
        _ => "unknown",
    }
    .to_string()
}
