//! CVSS base scores from vector strings, for CVSS v2.0, v3.0, v3.1 and v4.0.
//!
//! Each version is scored the way its FIRST specification and FIRST's reference calculator
//! score it, floating-point quirks included, so a score here equals the one NVD, GitHub and the
//! FIRST calculators publish for the same vector:
//!
//! - v2.0: the base equation of "CVSS v2 Complete Documentation" §3.2.1, rounded half up to one
//!   decimal.
//! - v3.0: the base equations of the v3.0 specification §8.1; `Roundup` is the calculator's
//!   `Math.ceil(x * 10) / 10`.
//! - v3.1: the same equations; `Roundup` is the integer-based function of the v3.1 specification,
//!   Appendix A, which removes the floating-point artefacts of v3.0.
//! - v4.0: macro vectors (EQ1–EQ6), the macro-vector score table and the severity-distance
//!   interpolation of the v4.0 specification §8 and FIRST's reference calculator.
//!
//! Only base scores are computed. Temporal, threat, environmental and supplemental metrics are
//! validated (known metric, allowed value, at most once) and then ignored, so a CVSS v4.0 score
//! here is always the CVSS-B score. Metrics may appear in any order: the v4.0 specification
//! prescribes one, but published advisories do not always follow it.
//!
//! ```
//! use vigil_vuln::cvss::{base_score, severity, CvssVersion};
//! let cvss = base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?;
//! assert_eq!((cvss.version, cvss.score, severity(cvss.score)), (CvssVersion::V3_1, 9.8, "critical"));
//! # Ok::<(), vigil_vuln::cvss::CvssError>(())
//! ```

use std::fmt;

mod v4;

#[cfg(test)]
mod tests;

/// Longest vector accepted, in bytes after trimming. A vector carrying every v4.0 metric is
/// about 200 bytes; the limit keeps hostile input (and the error messages quoting it) small.
const MAX_VECTOR_LEN: usize = 1024;

/// How much of an over-long vector an error message quotes, in characters.
const QUOTED_PREFIX_CHARS: usize = 64;

/// A CVSS base score computed from a vector string.
#[derive(Debug, Clone, PartialEq)]
pub struct Cvss {
    /// The CVSS version the vector is written in.
    pub version: CvssVersion,
    /// The base score, 0.0 to 10.0 with one decimal (the nearest `f64` to it, so `score == 9.8`
    /// holds for a 9.8). For v4.0 this is the CVSS-B score.
    pub score: f64,
    /// The vector as given, with surrounding whitespace trimmed.
    pub vector: String,
}

/// The CVSS versions vigil scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CvssVersion {
    /// CVSS v2.0 (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally `(…)` or `CVSS:2.0/…`).
    V2,
    /// CVSS v3.0 (`CVSS:3.0/…`).
    V3_0,
    /// CVSS v3.1 (`CVSS:3.1/…`).
    V3_1,
    /// CVSS v4.0 (`CVSS:4.0/…`).
    V4_0,
}

impl CvssVersion {
    /// The version number as FIRST writes it: `2.0`, `3.0`, `3.1` or `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V2 => "2.0",
            CvssVersion::V3_0 => "3.0",
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a vector string could not be scored. Every message quotes the vector (trimmed; the first
/// 64 characters of an over-long one) and names the offending metric or value. Quoted input has
/// control and bidirectional-formatting characters escaped (`\u{1b}`), so a hostile advisory cannot
/// rewrite the terminal an error is printed to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvssError {
    /// The vector is empty or whitespace only.
    #[error("cvss vector is empty")]
    Empty,
    /// The vector is longer than the 1024-byte limit.
    #[error("cvss vector `{vector}…` is {len} bytes long, expected at most {max}")]
    TooLong {
        /// The start of the vector.
        vector: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The `CVSS:x.y/` prefix names a version vigil does not score.
    #[error(
        "cvss vector `{vector}` has unsupported version prefix `{prefix}`, expected `CVSS:2.0`, `CVSS:3.0`, \
         `CVSS:3.1` or `CVSS:4.0`"
    )]
    UnsupportedVersion {
        /// The vector.
        vector: String,
        /// The prefix found, up to the first `/`.
        prefix: String,
    },
    /// A `/`-separated component is not `METRIC:VALUE` (for example an empty one from `//`).
    #[error("cvss vector `{vector}` has malformed component `{component}`, expected `METRIC:VALUE`")]
    Malformed {
        /// The vector.
        vector: String,
        /// The component.
        component: String,
    },
    /// A metric the vector's CVSS version does not define.
    #[error("cvss vector `{vector}` has unknown metric `{metric}` for cvss {version}")]
    UnknownMetric {
        /// The vector.
        vector: String,
        /// The version the vector was read as.
        version: CvssVersion,
        /// The metric name.
        metric: String,
    },
    /// A value the metric does not allow.
    #[error("cvss vector `{vector}` has invalid value `{value}` for metric `{metric}`, expected one of {expected}")]
    InvalidValue {
        /// The vector.
        vector: String,
        /// The metric name.
        metric: String,
        /// The value found.
        value: String,
        /// The allowed values, each in backticks.
        expected: String,
    },
    /// A metric given more than once.
    #[error("cvss vector `{vector}` repeats metric `{metric}`")]
    DuplicateMetric {
        /// The vector.
        vector: String,
        /// The metric name.
        metric: String,
    },
    /// A mandatory base metric is absent.
    #[error("cvss vector `{vector}` is missing mandatory metric `{metric}`")]
    MissingMetric {
        /// The vector.
        vector: String,
        /// The first missing base metric, in specification order.
        metric: String,
    },
}

/// Computes the base score of a CVSS vector string.
///
/// Accepted forms: `CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…`, and CVSS v2.0 as a bare
/// `AV:…/AC:…/Au:…/C:…/I:…/A:…`, wrapped in parentheses, or prefixed `CVSS:2.0/`. Surrounding
/// whitespace is ignored. Every mandatory base metric must be present exactly once; optional
/// metrics of the same version (temporal, threat, environmental, supplemental) are validated and
/// ignored. Metric names and values are case-sensitive, as in the specifications.
///
/// # Errors
///
/// [`CvssError`] for an empty, over-long (more than 1024 bytes) or malformed vector, an
/// unsupported version prefix, an unknown metric, an invalid value, a repeated metric or a
/// missing base metric. Never panics.
///
/// ```
/// use vigil_vuln::cvss::{base_score, CvssVersion};
/// assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P")?.score, 7.5);
/// assert_eq!(base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")?.score, 9.3);
/// assert!(base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").is_err());
/// # Ok::<(), vigil_vuln::cvss::CvssError>(())
/// ```
pub fn base_score(vector: &str) -> Result<Cvss, CvssError> {
    let vector = vector.trim();
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    if vector.len() > MAX_VECTOR_LEN {
        return Err(CvssError::TooLong {
            vector: quoted(&vector.chars().take(QUOTED_PREFIX_CHARS).collect::<String>()),
            len: vector.len(),
            max: MAX_VECTOR_LEN,
        });
    }
    let (version, body) = split_version(vector)?;
    let tenths = match version {
        CvssVersion::V2 => v2_tenths(&parse_metrics(vector, version, body, V2_METRICS)?),
        CvssVersion::V3_0 | CvssVersion::V3_1 => v3_tenths(&parse_metrics(vector, version, body, V3_METRICS)?, version),
        CvssVersion::V4_0 => v4::tenths(&parse_metrics(vector, version, body, v4::METRICS)?),
    };
    Ok(Cvss { version, score: f64::from(tenths.min(100)) / 10.0, vector: vector.to_string() })
}

/// The qualitative severity of a score on the CVSS v3.x/v4.0 rating scale (v3.1 specification
/// §5, v4.0 specification §6): `critical` from 9.0, `high` from 7.0, `medium` from 4.0, `low`
/// above 0.0, else `none` (also for negative and NaN scores). CVSS v2.0 defines no scale; NVD
/// applies the same bands to v2.0 scores without `critical`, which callers wanting that mapping
/// must apply themselves.
pub fn severity(score: f64) -> &'static str {
    if score >= 9.0 {
        "critical"
    } else if score >= 7.0 {
        "high"
    } else if score >= 4.0 {
        "medium"
    } else if score > 0.0 {
        "low"
    } else {
        "none"
    }
}

/// Reads the version from the prefix and returns the metrics part of the vector.
fn split_version(vector: &str) -> Result<(CvssVersion, &str), CvssError> {
    if let Some(rest) = vector.strip_prefix("CVSS:") {
        let (number, body) = rest.split_once('/').unwrap_or((rest, ""));
        let version = match number {
            "2.0" => CvssVersion::V2,
            "3.0" => CvssVersion::V3_0,
            "3.1" => CvssVersion::V3_1,
            "4.0" => CvssVersion::V4_0,
            _ => {
                return Err(CvssError::UnsupportedVersion {
                    vector: quoted(vector),
                    prefix: quoted(&format!("CVSS:{number}")),
                });
            }
        };
        return Ok((version, body));
    }
    // CVSS v2.0 vectors carry no prefix; NVD's v2 feeds and some scanners wrap them in
    // parentheses ("CVSS v2 Complete Documentation" §2.4 shows the bare form).
    let body = vector.strip_prefix('(').and_then(|v| v.strip_suffix(')')).unwrap_or(vector);
    Ok((CvssVersion::V2, body))
}

/// One metric of a version: its abbreviation, its allowed values and whether the base score
/// needs it.
struct Metric {
    name: &'static str,
    values: &'static [&'static str],
    mandatory: bool,
}

const fn base(name: &'static str, values: &'static [&'static str]) -> Metric {
    Metric { name, values, mandatory: true }
}

const fn optional(name: &'static str, values: &'static [&'static str]) -> Metric {
    Metric { name, values, mandatory: false }
}

/// A vector's metric values, aligned with its version's metric table. Values are the table's
/// own `&'static str`s, so scoring code matches on them without touching the input again.
struct Metrics {
    table: &'static [Metric],
    values: Vec<Option<&'static str>>,
}

impl Metrics {
    /// The value of `name`; `X` (Not Defined) when the vector omits it.
    fn get(&self, name: &str) -> &'static str {
        self.table.iter().zip(&self.values).find(|(m, _)| m.name == name).and_then(|(_, v)| *v).unwrap_or("X")
    }
}

/// Splits `body` into `METRIC:VALUE` components and checks them against `table`: every metric
/// known, every value allowed, none repeated, every mandatory one present.
fn parse_metrics(
    vector: &str,
    version: CvssVersion,
    body: &str,
    table: &'static [Metric],
) -> Result<Metrics, CvssError> {
    let mut values: Vec<Option<&'static str>> = vec![None; table.len()];
    let components = if body.is_empty() { None } else { Some(body.split('/')) };
    for component in components.into_iter().flatten() {
        let (name, value) = component
            .split_once(':')
            .ok_or_else(|| CvssError::Malformed { vector: quoted(vector), component: quoted(component) })?;
        let (metric, slot) = table
            .iter()
            .zip(values.iter_mut())
            .find(|(m, _)| m.name == name)
            .ok_or_else(|| CvssError::UnknownMetric { vector: quoted(vector), version, metric: quoted(name) })?;
        if slot.is_some() {
            return Err(CvssError::DuplicateMetric { vector: quoted(vector), metric: metric.name.to_string() });
        }
        let allowed = metric.values.iter().find(|v| **v == value).ok_or_else(|| CvssError::InvalidValue {
            vector: quoted(vector),
            metric: metric.name.to_string(),
            value: quoted(value),
            expected: metric.values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
        })?;
        *slot = Some(*allowed);
    }
    if let Some((metric, _)) = table.iter().zip(&values).find(|(m, v)| m.mandatory && v.is_none()) {
        return Err(CvssError::MissingMetric { vector: quoted(vector), metric: metric.name.to_string() });
    }
    Ok(Metrics { table, values })
}

/// Input as an error message quotes it: control and bidirectional-formatting characters escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// "CVSS v2 Complete Documentation" §2 (base, temporal, environmental metrics).
const V2_METRICS: &[Metric] = &[
    base("AV", &["L", "A", "N"]),
    base("AC", &["H", "M", "L"]),
    base("Au", &["M", "S", "N"]),
    base("C", &["N", "P", "C"]),
    base("I", &["N", "P", "C"]),
    base("A", &["N", "P", "C"]),
    optional("E", &["U", "POC", "F", "H", "ND"]),
    optional("RL", &["OF", "TF", "W", "U", "ND"]),
    optional("RC", &["UC", "UR", "C", "ND"]),
    optional("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    optional("TD", &["N", "L", "M", "H", "ND"]),
    optional("CR", &["L", "M", "H", "ND"]),
    optional("IR", &["L", "M", "H", "ND"]),
    optional("AR", &["L", "M", "H", "ND"]),
];

/// CVSS v2.0 base score in tenths ("CVSS v2 Complete Documentation" §3.2.1):
/// `BaseScore = round_to_1_decimal(((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact))`.
fn v2_tenths(m: &Metrics) -> u32 {
    let av: f64 = match m.get("AV") {
        "L" => 0.395,
        "A" => 0.646,
        _ => 1.0,
    };
    let ac = match m.get("AC") {
        "H" => 0.35,
        "M" => 0.61,
        _ => 0.71,
    };
    let au = match m.get("Au") {
        "M" => 0.45,
        "S" => 0.56,
        _ => 0.704,
    };
    let cia = |name| -> f64 {
        match m.get(name) {
            "P" => 0.275,
            "C" => 0.660,
            _ => 0.0,
        }
    };
    let impact = 10.41 * (1.0 - (1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A")));
    let exploitability = 20.0 * av * ac * au;
    let f_impact = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f_impact;
    // Half up; a zero impact gives -0.0, which the cast turns into 0.
    (score * 10.0).round().max(0.0) as u32
}

/// CVSS v3.0/v3.1 specification §2 (base), §3 (temporal), §4 (environmental) metrics. The two
/// versions define the same metrics and values.
const V3_METRICS: &[Metric] = &[
    base("AV", &["N", "A", "L", "P"]),
    base("AC", &["L", "H"]),
    base("PR", &["N", "L", "H"]),
    base("UI", &["N", "R"]),
    base("S", &["U", "C"]),
    base("C", &["H", "L", "N"]),
    base("I", &["H", "L", "N"]),
    base("A", &["H", "L", "N"]),
    optional("E", &["X", "U", "P", "F", "H"]),
    optional("RL", &["X", "O", "T", "W", "U"]),
    optional("RC", &["X", "U", "R", "C"]),
    optional("CR", &["X", "L", "M", "H"]),
    optional("IR", &["X", "L", "M", "H"]),
    optional("AR", &["X", "L", "M", "H"]),
    optional("MAV", &["X", "N", "A", "L", "P"]),
    optional("MAC", &["X", "L", "H"]),
    optional("MPR", &["X", "N", "L", "H"]),
    optional("MUI", &["X", "N", "R"]),
    optional("MS", &["X", "U", "C"]),
    optional("MC", &["X", "N", "L", "H"]),
    optional("MI", &["X", "N", "L", "H"]),
    optional("MA", &["X", "N", "L", "H"]),
];

/// CVSS v3.x base score in tenths (v3.1 specification §7.1 and §7.4 weights). The operations run
/// in the order of FIRST's calculators (`cvsscalc30.js`/`cvsscalc31.js`), so v3.0's plain ceiling
/// sees the same floating-point values the published v3.0 scores came from.
fn v3_tenths(m: &Metrics, version: CvssVersion) -> u32 {
    let changed = m.get("S") == "C";
    let av: f64 = match m.get("AV") {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        _ => 0.2,
    };
    let ac = if m.get("AC") == "L" { 0.77 } else { 0.44 };
    // Privileges Required weighs more when the scope changes (§7.4).
    let pr = match (m.get("PR"), changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        (_, false) => 0.27,
        (_, true) => 0.5,
    };
    let ui = if m.get("UI") == "N" { 0.85 } else { 0.62 };
    let cia = |name| -> f64 {
        match m.get(name) {
            "H" => 0.56,
            "L" => 0.22,
            _ => 0.0,
        }
    };
    let iss = 1.0 - ((1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A")));
    let impact = if changed { 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powf(15.0) } else { 6.42 * iss };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return 0;
    }
    let raw = if changed { ((exploitability + impact) * 1.08).min(10.0) } else { (exploitability + impact).min(10.0) };
    if version == CvssVersion::V3_0 { (raw * 10.0).ceil() as u32 } else { roundup_v31(raw) }
}

/// `Roundup` of the CVSS v3.1 specification, Appendix A: the smallest one-decimal number not below
/// the input, computed on integers so that, say, 4.000000000000001 stays 4.0. Returns tenths.
fn roundup_v31(x: f64) -> u32 {
    let int_input = (x * 100_000.0).round() as u64;
    let tenths = if int_input.is_multiple_of(10_000) { int_input / 10_000 } else { int_input / 10_000 + 1 };
    u32::try_from(tenths).unwrap_or(u32::MAX)
}
