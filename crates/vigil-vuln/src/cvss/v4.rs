//! CVSS v4.0 base score (CVSS-B): the v4.0 specification §8 ("CVSS v4.0 Scoring") as FIRST's
//! reference calculator implements it.
//!
//! A vector falls into a macro vector, its levels in six equivalence sets EQ1–EQ6. Each macro vector
//! has a score in a table FIRST published with the calculator (`cvss_lookup.js`). The vector's
//! score is its macro vector's score minus the mean, over the EQs that have a lower macro vector,
//! of "score drop to the next lower macro vector × the vector's severity distance from the
//! macro vector's highest-severity vectors ÷ the depth of the macro vector". For a base
//! score the threat metric is `E:X` (worst case, Attacked) and the security requirements are
//! `CR/IR/AR:X` (worst case, High), as the specification defines for unset metrics.
//!
//! The arithmetic runs in `f64` in the calculator's order, then rounds half up after lifting the
//! value by 10^-6: the interpolation can land one ULP below an `x.x5` tie (8.549999999999999 for
//! 8.55), and both reference implementations, FIRST/Red Hat's `cvss-v4-calculator` and the
//! Python `cvss` library the reference test data comes from, round those up since their
//! late-2024 fixes (cvss-v4-calculator issue #66, cvss pull request #65).

use super::{Metric, Metrics, base, optional};

/// CVSS v4.0 specification §7 (vector string), in the specification's order.
pub(super) const METRICS: &[Metric] = &[
    base("AV", &["N", "A", "L", "P"]),
    base("AC", &["L", "H"]),
    base("AT", &["N", "P"]),
    base("PR", &["N", "L", "H"]),
    base("UI", &["N", "P", "A"]),
    base("VC", &["H", "L", "N"]),
    base("VI", &["H", "L", "N"]),
    base("VA", &["H", "L", "N"]),
    base("SC", &["H", "L", "N"]),
    base("SI", &["H", "L", "N"]),
    base("SA", &["H", "L", "N"]),
    optional("E", &["X", "A", "P", "U"]),
    optional("CR", &["X", "H", "M", "L"]),
    optional("IR", &["X", "H", "M", "L"]),
    optional("AR", &["X", "H", "M", "L"]),
    optional("MAV", &["X", "N", "A", "L", "P"]),
    optional("MAC", &["X", "L", "H"]),
    optional("MAT", &["X", "N", "P"]),
    optional("MPR", &["X", "N", "L", "H"]),
    optional("MUI", &["X", "N", "P", "A"]),
    optional("MVC", &["X", "H", "L", "N"]),
    optional("MVI", &["X", "H", "L", "N"]),
    optional("MVA", &["X", "H", "L", "N"]),
    optional("MSC", &["X", "H", "L", "N"]),
    optional("MSI", &["X", "S", "H", "L", "N"]),
    optional("MSA", &["X", "S", "H", "L", "N"]),
    optional("S", &["X", "N", "P"]),
    optional("AU", &["X", "N", "Y"]),
    optional("R", &["X", "A", "U", "I"]),
    optional("V", &["X", "D", "C"]),
    optional("RE", &["X", "L", "M", "H"]),
    optional("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// Macro-vector scores in tenths, indexed `[EQ1][EQ2][EQ3][EQ4][EQ5 * 2 + EQ6]`; 0 marks the 54
/// combinations that cannot occur (EQ3 = 2 means no High vulnerable-system impact, so EQ6 is 1).
/// The 270 others are the scores of FIRST's `cvss_lookup.js`.
#[rustfmt::skip]
const MACRO_SCORES: [[[[[u8; 6]; 3]; 3]; 2]; 3] = [
    [ // EQ1 = 0
        [ // EQ2 = 0
            [[100, 99, 98, 95, 95, 92], [100, 96, 93, 87, 91, 81], [93, 90, 89, 80, 81, 68]],
            [[98, 95, 95, 92, 90, 84], [93, 92, 89, 81, 81, 65], [88, 80, 78, 70, 69, 48]],
            [[0, 92, 0, 82, 0, 72], [0, 79, 0, 69, 0, 50], [0, 69, 0, 55, 0, 27]],
        ],
        [ // EQ2 = 1
            [[99, 97, 95, 92, 92, 85], [95, 91, 90, 83, 84, 71], [92, 81, 82, 71, 72, 53]],
            [[95, 93, 92, 85, 85, 73], [92, 82, 80, 72, 70, 59], [84, 70, 71, 52, 50, 30]],
            [[0, 86, 0, 75, 0, 52], [0, 71, 0, 52, 0, 29], [0, 63, 0, 29, 0, 17]],
        ],
    ],
    [ // EQ1 = 1
        [ // EQ2 = 0
            [[98, 95, 94, 87, 91, 81], [94, 89, 86, 74, 77, 64], [87, 75, 74, 63, 63, 49]],
            [[94, 89, 88, 77, 76, 67], [86, 76, 74, 58, 59, 50], [72, 57, 57, 52, 52, 25]],
            [[0, 83, 0, 70, 0, 54], [0, 65, 0, 58, 0, 26], [0, 53, 0, 21, 0, 13]],
        ],
        [ // EQ2 = 1
            [[95, 90, 88, 76, 76, 70], [90, 77, 75, 62, 61, 53], [77, 66, 68, 59, 52, 30]],
            [[89, 78, 76, 67, 62, 58], [74, 59, 57, 57, 47, 23], [61, 52, 57, 29, 24, 16]],
            [[0, 71, 0, 59, 0, 30], [0, 58, 0, 26, 0, 15], [0, 23, 0, 13, 0, 6]],
        ],
    ],
    [ // EQ1 = 2
        [ // EQ2 = 0
            [[93, 87, 86, 72, 75, 58], [86, 74, 74, 61, 56, 34], [70, 54, 52, 40, 40, 22]],
            [[85, 75, 74, 55, 62, 51], [72, 57, 55, 41, 46, 19], [53, 36, 34, 19, 19, 8]],
            [[0, 64, 0, 51, 0, 20], [0, 47, 0, 21, 0, 11], [0, 24, 0, 9, 0, 4]],
        ],
        [ // EQ2 = 1
            [[88, 75, 73, 53, 60, 50], [73, 55, 59, 40, 41, 20], [54, 43, 45, 22, 20, 11]],
            [[75, 55, 58, 45, 40, 21], [61, 51, 48, 18, 20, 9], [46, 18, 17, 7, 8, 2]],
            [[0, 53, 0, 24, 0, 14], [0, 24, 0, 12, 0, 5], [0, 10, 0, 3, 0, 1]],
        ],
    ],
];

/// The score of macro vector `eq` (EQ1..EQ6), if it exists.
fn macro_score(eq: [usize; 6]) -> Option<f64> {
    let [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
    if eq6 > 1 {
        return None;
    }
    let tenths = *MACRO_SCORES.get(eq1)?.get(eq2)?.get(eq3)?.get(eq4)?.get(eq5 * 2 + eq6)?;
    (tenths != 0).then(|| f64::from(tenths) / 10.0)
}

/// The metrics the severity distance is measured on, in the calculator's order: EQ1 (AV PR UI),
/// EQ2 (AC AT), EQ3 with EQ6 (VC VI VA, then CR IR AR), EQ4 (SC SI SA).
const DISTANCE_METRICS: [&str; 14] =
    ["AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR"];

/// A metric value's severity level (the calculator's `*_levels`): 0.0 is the most severe, each
/// step down adds 0.1. SC has no Safety value, so its High sits one step below SI's and SA's Safety.
fn level(metric: &str, value: &str) -> f64 {
    match metric {
        "AV" => match value {
            "A" => 0.1,
            "L" => 0.2,
            "P" => 0.3,
            _ => 0.0,
        },
        "PR" => match value {
            "L" => 0.1,
            "H" => 0.2,
            _ => 0.0,
        },
        "UI" => match value {
            "P" => 0.1,
            "A" => 0.2,
            _ => 0.0,
        },
        "AC" if value == "H" => 0.1,
        "AT" if value == "P" => 0.1,
        "VC" | "VI" | "VA" => match value {
            "L" => 0.1,
            "N" => 0.2,
            _ => 0.0,
        },
        "SC" | "SI" | "SA" => match value {
            "H" => 0.1,
            "L" => 0.2,
            "N" => 0.3,
            _ => 0.0,
        },
        "CR" | "IR" | "AR" => match value {
            "M" => 0.1,
            "L" => 0.2,
            _ => 0.0,
        },
        _ => 0.0,
    }
}

/// The highest-severity vectors of each EQ level (the calculator's `max_composed.js`), as values
/// of [`DISTANCE_METRICS`] in groups: EQ1 (AV PR UI), EQ2 (AC AT), EQ3 × EQ6 (VC VI VA CR IR AR),
/// EQ4 (SC SI SA). EQ5 (E) takes no part in the distance.
const EQ1_MAXES: [&[[&str; 3]]; 3] =
    [&[["N", "N", "N"]], &[["A", "N", "N"], ["N", "L", "N"], ["N", "N", "P"]], &[["P", "N", "N"], ["A", "L", "P"]]];
const EQ2_MAXES: [&[[&str; 2]]; 2] = [&[["L", "N"]], &[["H", "N"], ["L", "P"]]];
const EQ3_EQ6_MAXES: [[&[[&str; 6]]; 2]; 3] = [
    [&[["H", "H", "H", "H", "H", "H"]], &[["H", "H", "L", "M", "M", "H"], ["H", "H", "H", "M", "M", "M"]]],
    [
        &[["L", "H", "H", "H", "H", "H"], ["H", "L", "H", "H", "H", "H"]],
        &[
            ["L", "H", "L", "H", "M", "H"],
            ["L", "H", "H", "H", "M", "M"],
            ["H", "L", "H", "M", "H", "M"],
            ["H", "L", "L", "M", "H", "H"],
            ["L", "L", "H", "H", "H", "M"],
        ],
    ],
    [&[], &[["L", "L", "L", "H", "H", "H"]]],
];
const EQ4_MAXES: [[&str; 3]; 3] = [["H", "S", "S"], ["H", "H", "H"], ["L", "L", "L"]];

/// Depth of each EQ level plus one, in steps of 0.1 (the calculator's `max_severity.js`).
const EQ1_DEPTH: [f64; 3] = [1.0, 4.0, 5.0];
const EQ2_DEPTH: [f64; 2] = [1.0, 2.0];
const EQ3_EQ6_DEPTH: [[f64; 2]; 3] = [[7.0, 6.0], [8.0, 8.0], [0.0, 10.0]];
const EQ4_DEPTH: [f64; 3] = [6.0, 5.0, 4.0];

/// The score step the depths are counted in.
const STEP: f64 = 0.1;

/// Lift before the final half-up rounding (see the module documentation).
const ROUNDING_EPSILON: f64 = 1e-6;

/// The base metric values the score depends on, with the unset threat and requirement metrics at
/// their worst case.
struct Base {
    values: [&'static str; 14],
}

impl Base {
    fn new(m: &Metrics) -> Base {
        // CR, IR, AR and E are Not Defined in a base vector, which scores as High/Attacked (§8).
        Base {
            values: DISTANCE_METRICS.map(|name| match name {
                "CR" | "IR" | "AR" => "H",
                _ => m.get(name),
            }),
        }
    }

    fn get(&self, name: &str) -> &'static str {
        DISTANCE_METRICS.iter().zip(self.values).find(|(n, _)| **n == name).map_or("X", |(_, v)| v)
    }

    /// EQ1..EQ6, as the specification's equivalence-set tables define them.
    fn macro_vector(&self) -> [usize; 6] {
        let is = |name, value| self.get(name) == value;
        let eq1 = if is("AV", "N") && is("PR", "N") && is("UI", "N") {
            0
        } else if (is("AV", "N") || is("PR", "N") || is("UI", "N")) && !is("AV", "P") {
            1
        } else {
            2
        };
        let eq2 = if is("AC", "L") && is("AT", "N") { 0 } else { 1 };
        let eq3 = if is("VC", "H") && is("VI", "H") {
            0
        } else if is("VC", "H") || is("VI", "H") || is("VA", "H") {
            1
        } else {
            2
        };
        // EQ4 level 0 needs MSI:S or MSA:S, which only the environmental group can set.
        let eq4 = if is("SC", "H") || is("SI", "H") || is("SA", "H") { 1 } else { 2 };
        // EQ5 level 0 is E:A, the worst case an unset E stands for.
        let eq5 = 0;
        let eq6 =
            if (is("CR", "H") && is("VC", "H")) || (is("IR", "H") && is("VI", "H")) || (is("AR", "H") && is("VA", "H"))
            {
                0
            } else {
                1
            };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// Per-metric severity distances from `max` (values of [`DISTANCE_METRICS`]).
    fn distances(&self, max: &[&str; 14]) -> [f64; 14] {
        let mut out = [0.0; 14];
        for (((d, name), value), max_value) in out.iter_mut().zip(DISTANCE_METRICS).zip(self.values).zip(max) {
            *d = level(name, value) - level(name, max_value);
        }
        out
    }
}

/// The highest-severity vectors of macro vector `eq`, in the calculator's order.
fn max_vectors(eq: [usize; 6]) -> Vec<[&'static str; 14]> {
    let [eq1, eq2, eq3, eq4, _, eq6] = eq;
    let eq1s = EQ1_MAXES.get(eq1).copied().unwrap_or_default();
    let eq2s = EQ2_MAXES.get(eq2).copied().unwrap_or_default();
    let eq36s = EQ3_EQ6_MAXES.get(eq3).and_then(|e| e.get(eq6)).copied().unwrap_or_default();
    let eq4s = EQ4_MAXES.get(eq4).map(std::slice::from_ref).unwrap_or_default();
    let mut out = Vec::with_capacity(eq1s.len() * eq2s.len() * eq36s.len());
    for [av, pr, ui] in eq1s {
        for [ac, at] in eq2s {
            for [vc, vi, va, cr, ir, ar] in eq36s {
                for [sc, si, sa] in eq4s {
                    out.push([*av, *pr, *ui, *ac, *at, *vc, *vi, *va, *sc, *si, *sa, *cr, *ir, *ar]);
                }
            }
        }
    }
    out
}

/// The CVSS-B score of a validated v4.0 vector, in tenths.
pub(super) fn tenths(m: &Metrics) -> u32 {
    ((unrounded(m) + ROUNDING_EPSILON) * 10.0).round() as u32
}

/// The CVSS-B score before the final rounding, within 0.0..=10.0.
fn unrounded(m: &Metrics) -> f64 {
    let vector = Base::new(m);
    // No impact on either system scores 0.0 whatever else is set (§8).
    if ["VC", "VI", "VA", "SC", "SI", "SA"].iter().all(|name| vector.get(name) == "N") {
        return 0.0;
    }
    let eq = vector.macro_vector();
    let [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
    // Every valid base vector lands on one of the 270 macro vectors (tests check all 104,976).
    let Some(value) = macro_score(eq) else { return 0.0 };

    // 1a. The score drop to the next lower macro vector of each EQ; None where there is none.
    let lower_eq1 = macro_score([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
    let lower_eq2 = macro_score([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
    // EQ3 and EQ6 step together: from 00 both 01 and 10 are one step down, the higher counts.
    let lower_eq3_eq6 = match (eq3, eq6) {
        (0 | 1, 1) => macro_score([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
        (1, 0) => macro_score([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
        (0, 0) => {
            match (macro_score([eq1, eq2, eq3, eq4, eq5, eq6 + 1]), macro_score([eq1, eq2, eq3 + 1, eq4, eq5, eq6])) {
                (Some(left), Some(right)) => Some(if left > right { left } else { right }),
                (left, right) => left.or(right),
            }
        }
        _ => None,
    };
    let lower_eq4 = macro_score([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
    let lower_eq5 = macro_score([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

    // 1b. The severity distance from the first highest-severity vector of the macro vector that
    // is at least as severe as the vector in every metric (the calculator keeps the last one
    // tried if none is).
    let mut distances = [0.0; 14];
    for max in max_vectors(eq) {
        distances = vector.distances(&max);
        if distances.iter().all(|d| *d >= 0.0) {
            break;
        }
    }
    let [av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar] = distances;
    let distance_eq1 = av + pr + ui;
    let distance_eq2 = ac + at;
    let distance_eq3_eq6 = vc + vi + va + cr + ir + ar;
    let distance_eq4 = sc + si + sa;

    // 1c–d. Proportion of the macro vector's depth, times the score drop; EQ5's distance is 0.
    let depth_eq1 = EQ1_DEPTH.get(eq1).copied().unwrap_or(1.0) * STEP;
    let depth_eq2 = EQ2_DEPTH.get(eq2).copied().unwrap_or(1.0) * STEP;
    let depth_eq3_eq6 = EQ3_EQ6_DEPTH.get(eq3).and_then(|d| d.get(eq6)).copied().unwrap_or(1.0) * STEP;
    let depth_eq4 = EQ4_DEPTH.get(eq4).copied().unwrap_or(1.0) * STEP;
    let mut existing = 0u32;
    let mut proportional = |lower: Option<f64>, distance: f64, depth: f64| match lower {
        Some(lower) => {
            existing += 1;
            (value - lower) * (distance / depth)
        }
        None => 0.0,
    };
    let eq1_part = proportional(lower_eq1, distance_eq1, depth_eq1);
    let eq2_part = proportional(lower_eq2, distance_eq2, depth_eq2);
    let eq3_eq6_part = proportional(lower_eq3_eq6, distance_eq3_eq6, depth_eq3_eq6);
    let eq4_part = proportional(lower_eq4, distance_eq4, depth_eq4);
    let eq5_part = proportional(lower_eq5, 0.0, 1.0);

    // 2–3. The macro vector's score minus the mean of those, within 0..10 (rounded by the caller).
    let mean = if existing == 0 {
        0.0
    } else {
        (eq1_part + eq2_part + eq3_eq6_part + eq4_part + eq5_part) / f64::from(existing)
    };
    (value - mean).clamp(0.0, 10.0)
}

#[cfg(test)]
pub(super) fn macro_score_for_test(eq: [usize; 6]) -> Option<f64> {
    macro_score(eq)
}

#[cfg(test)]
pub(super) fn unrounded_for_test(m: &Metrics) -> f64 {
    unrounded(m)
}
