use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How serious a finding is: the one severity scale of vigil, for rules, vulnerabilities and
/// policies alike.
///
/// Totally ordered from least to most serious: `Unknown < Info < Low < Medium < High <
/// Critical`. `Unknown` is for a vulnerability whose advisory gives neither a score nor a
/// word vigil knows; it sorts last in reports and never meets a `--fail-on` or `maxSeverity`
/// threshold above it. Serialised in lowercase (`"critical"`, …, `"unknown"`), the spellings
/// vigil's JSON has always used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// No score and no known severity word (advisories only).
    Unknown,
    /// Informational; never fails a check on its own.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, least serious first.
    pub const ALL: [Severity; 6] =
        [Severity::Unknown, Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The SARIF `level` for this severity (SARIF 2.1.0 §3.27.10): critical/high → `error`,
    /// medium → `warning`, low/info → `note`. `Unknown` → `warning`: an unrated vulnerability
    /// may be serious, so it is not hidden among notes, but it is not called an error either.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium | Severity::Unknown => "warning",
            Severity::Low | Severity::Info => "note",
        }
    }

    /// A severity word from any input vigil reads, or `Unknown` for a word it does not know.
    ///
    /// Case-insensitive and trimmed. Accepted: the names of [`Severity::as_str`]; GHSA and OSV
    /// `database_specific.severity` (`CRITICAL`, `HIGH`, `MODERATE`, `LOW`); Red Hat's
    /// `important`; Debian and Ubuntu's `negligible` and `unimportant` (low); Trivy's and
    /// Grype's `UNKNOWN` and `Negligible`; `informational`; CVSS qualitative ratings, where
    /// `none` (a 0.0 score) is `Unknown`.
    pub fn from_word(word: &str) -> Severity {
        word.parse().unwrap_or(Severity::Unknown)
    }

    /// The CVSS v3/v4 qualitative rating of a base score (CVSS v3.1 specification, table 14):
    /// 9.0–10.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low; 0.0, negative, NaN and
    /// anything else is `Unknown`.
    pub fn from_cvss_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Unknown
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Severity`] from a string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}`, expected one of `critical`, `high`, `medium`, `low`, `info`, `unknown`")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    /// Every spelling [`Severity::from_word`] knows; anything else is an error (for flags and
    /// configuration, where a typo must not pass as `unknown`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "unknown" | "none" => Ok(Severity::Unknown),
            "info" | "informational" => Ok(Severity::Info),
            "low" | "negligible" | "unimportant" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" | "important" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(ParseSeverityError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert!(Severity::Info > Severity::Unknown);
        assert!(Severity::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(Severity::Medium.sarif_level(), "warning");
        assert_eq!(Severity::Unknown.sarif_level(), "warning");
        assert_eq!(Severity::Info.sarif_level(), "note");
    }

    #[test]
    fn every_input_spelling() {
        let cases = [
            ("CRITICAL", Severity::Critical),
            ("Critical", Severity::Critical),
            ("HIGH", Severity::High),
            ("important", Severity::High),
            ("MODERATE", Severity::Medium),
            ("moderate", Severity::Medium),
            ("Medium", Severity::Medium),
            ("LOW", Severity::Low),
            ("negligible", Severity::Low),
            ("Negligible", Severity::Low),
            ("unimportant", Severity::Low),
            ("info", Severity::Info),
            ("Informational", Severity::Info),
            ("UNKNOWN", Severity::Unknown),
            ("none", Severity::Unknown),
            (" high ", Severity::High),
            ("not yet assigned", Severity::Unknown),
            ("", Severity::Unknown),
        ];
        for (word, expected) in cases {
            assert_eq!(Severity::from_word(word), expected, "{word:?}");
        }
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
            let json = serde_json::to_string(&severity).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", severity.as_str()));
        }
    }

    #[test]
    fn cvss_ratings() {
        assert_eq!(Severity::from_cvss_score(9.8), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(8.9), Severity::High);
        assert_eq!(Severity::from_cvss_score(4.0), Severity::Medium);
        assert_eq!(Severity::from_cvss_score(0.1), Severity::Low);
        assert_eq!(Severity::from_cvss_score(0.0), Severity::Unknown);
        assert_eq!(Severity::from_cvss_score(f64::NAN), Severity::Unknown);
    }
}
