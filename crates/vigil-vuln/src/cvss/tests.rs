use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;

#[track_caller]
fn score(vector: &str) -> f64 {
    match base_score(vector) {
        Ok(cvss) => cvss.score,
        Err(e) => panic!("{vector}: {e}"),
    }
}

#[track_caller]
fn check_all(version: CvssVersion, cases: &[(&str, f64)]) {
    let mut wrong = Vec::new();
    for (vector, expected) in cases {
        match base_score(vector) {
            Ok(cvss) if cvss.version == version && cvss.score == *expected => {}
            Ok(cvss) => {
                wrong.push(format!("{vector}: got {} {}, expected {version} {expected}", cvss.version, cvss.score))
            }
            Err(e) => wrong.push(format!("{vector}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{} of {} wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

// Expected scores: NVD and the FIRST calculators, and the reference test data of the Python
// `cvss` library (RedHatProductSecurity/cvss, tests/vectors_simple2, vectors_simple31,
// vectors_simple4), which FIRST's calculators agree with.

#[test]
fn v2_known_scores() {
    check_all(
        CvssVersion::V2,
        &[
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
            ("AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3),
            ("AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0),
            ("AV:N/AC:M/Au:N/C:C/I:C/A:C", 9.3),
            ("AV:N/AC:H/Au:N/C:C/I:C/A:C", 7.6),
            ("AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0),
            ("AV:N/AC:M/Au:N/C:P/I:P/A:P", 6.8),
            ("AV:N/AC:L/Au:S/C:P/I:P/A:P", 6.5),
            ("AV:L/AC:H/Au:M/C:N/I:N/A:P", 0.8),
            ("AV:L/AC:H/Au:M/C:C/I:C/A:C", 5.9),
            ("AV:L/AC:H/Au:N/C:P/I:P/A:P", 3.7),
            ("AV:L/AC:M/Au:S/C:P/I:P/A:P", 4.1),
            ("AV:L/AC:L/Au:S/C:N/I:N/A:P", 1.7),
            ("AV:L/AC:L/Au:N/C:P/I:N/A:N", 2.1),
            ("AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2),
            ("AV:A/AC:H/Au:N/C:C/I:C/A:C", 6.8),
            ("AV:A/AC:M/Au:M/C:P/I:P/A:P", 4.5),
            ("AV:A/AC:H/Au:S/C:P/I:P/A:C", 5.5),
            // No impact: the equation gives -0.0, reported as 0.0.
            ("AV:L/AC:H/Au:M/C:N/I:N/A:N", 0.0),
            ("AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0),
            // The forms found in the wild.
            ("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5),
            ("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
            // Temporal and environmental metrics do not change the base score.
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C", 7.5),
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:U/RL:U/RC:UR/CDP:LM/TD:H/CR:M/IR:ND/AR:L", 7.5),
        ],
    );
    assert_eq!(score("AV:N/AC:L/Au:N/C:N/I:N/A:N").to_bits(), 0.0f64.to_bits(), "not -0.0");
}

#[test]
fn v30_known_scores() {
    check_all(
        CvssVersion::V3_0,
        &[
            ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.0/AV:L/AC:L/PR:H/UI:R/S:C/C:N/I:L/A:H", 6.3),
            ("CVSS:3.0/AV:L/AC:L/PR:H/UI:R/S:U/C:L/I:L/A:N", 3.1),
            ("CVSS:3.0/AV:L/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H", 8.1),
            ("CVSS:3.0/AV:L/AC:H/PR:N/UI:R/S:C/C:L/I:N/A:N", 2.7),
            ("CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:C/C:L/I:L/A:L", 5.3),
            ("CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.2),
            ("CVSS:3.0/AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H", 7.5),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0),
        ],
    );
}

#[test]
fn v31_known_scores() {
    check_all(
        CvssVersion::V3_1,
        &[
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
            ("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8),
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 5.4),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 3.5),
            ("CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 7.4),
            ("CVSS:3.1/AV:L/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 2.5),
            ("CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:L/I:N/A:N", 2.0),
            // Scope changed: the 10.0 cap and the changed-scope Privileges Required weights.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:L", 9.9),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:N/A:N", 5.0),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:N/A:N", 6.8),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:L", 6.6),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:N/A:N", 4.1),
            ("CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:C/C:N/I:L/A:N", 2.8),
            ("CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:C/C:H/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H", 7.5),
            // Scope unchanged, high privileges.
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.9),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:L/A:L", 6.0),
            // No impact scores 0.0 whatever the exploitability.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ],
    );
}

#[test]
fn v3_temporal_and_environmental_metrics_are_ignored() {
    for vector in [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:L/IR:L/AR:L/MAV:P/MAC:H/MPR:H/MUI:R/MS:C/MC:N/MI:N/MA:N",
        // Any order (v3.1 specification §6).
        "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N",
        "CVSS:3.1/E:F/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ] {
        assert_eq!(score(vector), 9.8, "{vector}");
    }
}

#[test]
fn v4_known_scores() {
    check_all(
        CvssVersion::V4_0,
        &[
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L", 9.2),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L", 7.8),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N", 6.9),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 7.9),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:N/VA:L/SC:N/SI:H/SA:N", 8.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L", 5.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.6),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:H/SI:N/SA:N", 8.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:H", 6.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:L/SC:L/SI:L/SA:L", 7.0),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H", 9.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:L/SC:L/SI:L/SA:N", 5.1),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:N/SC:L/SI:N/SA:N", 4.8),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:A/VC:L/VI:N/VA:N/SC:H/SI:N/SA:H", 6.0),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 6.2),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H", 9.5),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:L/VA:L/SC:H/SI:L/SA:L", 7.0),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:L/VA:N/SC:H/SI:N/SA:N", 4.9),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 2.1),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", 2.3),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:H/SA:L", 4.5),
            ("CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N", 1.8),
            ("CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L", 9.4),
            ("CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 2.1),
            ("CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:P/VC:H/VI:H/VA:H/SC:H/SI:L/SA:H", 8.8),
            ("CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N", 4.0),
            ("CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N", 9.5),
            ("CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:L", 6.3),
            ("CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:N", 1.8),
            ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:H/SA:L", 8.5),
            ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 5.1),
            ("CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:L/VI:N/VA:L/SC:N/SI:L/SA:L", 2.4),
            ("CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:P/VC:L/VI:N/VA:N/SC:H/SI:N/SA:H", 4.4),
            ("CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:L/SA:N", 7.7),
            ("CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:P/VC:L/VI:N/VA:N/SC:N/SI:L/SA:L", 1.0),
            ("CVSS:4.0/AV:A/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:N/SC:H/SI:N/SA:N", 8.4),
            ("CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:H/SA:H", 5.6),
            ("CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:N/VC:L/VI:N/VA:L/SC:L/SI:H/SA:H", 5.0),
            ("CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:N/VC:H/VI:L/VA:H/SC:L/SI:L/SA:L", 6.1),
            ("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:A/VC:H/VI:H/VA:H/SC:L/SI:N/SA:N", 5.4),
            ("CVSS:4.0/AV:A/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:N", 7.0),
            ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:H", 8.3),
            ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:L/SC:H/SI:N/SA:N", 9.2),
            ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:L", 9.2),
            ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:L", 4.6),
            ("CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:L", 7.4),
            ("CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:L", 2.0),
            ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:A/VC:L/VI:N/VA:N/SC:N/SI:L/SA:L", 1.0),
            ("CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:N/SA:L", 8.6),
            ("CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:L/SC:N/SI:H/SA:L", 8.5),
            ("CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N", 8.5),
            ("CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:H", 8.6),
            ("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:L/VI:N/VA:N/SC:H/SI:N/SA:N", 4.0),
            ("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:N/VI:N/VA:L/SC:H/SI:H/SA:L", 4.7),
            ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N", 6.9),
            ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:L/SC:L/SI:H/SA:H", 8.5),
            ("CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:P/VC:L/VI:N/VA:N/SC:H/SI:H/SA:H", 4.7),
            ("CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N", 4.1),
            ("CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:H/SA:L", 2.3),
            ("CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:N/SA:L", 1.0),
            ("CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:H", 7.2),
            ("CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L", 5.4),
            ("CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:H", 7.2),
            ("CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:A/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 1.0),
            ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:N/VC:L/VI:N/VA:N/SC:H/SI:N/SA:N", 1.8),
            ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:H/SA:H", 2.3),
            ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:H/VA:N/SC:H/SI:H/SA:N", 5.8),
            // No impact on either system is 0.0.
            ("CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0),
        ],
    );
}

/// The interpolation lands on 8.549999999999999 for an exact 8.55; the reference
/// implementations round it up since cvss-v4-calculator issue #66.
#[test]
fn v4_rounds_float_ties_half_up() {
    assert_eq!(score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H"), 8.6);
}

#[test]
fn v4_threat_environmental_and_supplemental_metrics_are_ignored() {
    let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    for extra in [
        "/E:U",
        "/E:P/CR:L/IR:L/AR:L",
        "/E:X/CR:X/IR:X/AR:X/MAV:P/MAC:H/MAT:P/MPR:H/MUI:A/MVC:N/MVI:N/MVA:N/MSC:N/MSI:S/MSA:S",
        "/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
        "/U:Clear",
    ] {
        assert_eq!(score(&format!("{base}{extra}")), 9.3, "{extra}");
    }
    // Two vectors from the corpus that carry a threat metric.
    assert_eq!(
        score("CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/E:U"),
        score("CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N"),
    );
    // GitHub has published vectors with the impact metrics interleaved.
    assert_eq!(score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N"), 9.3);
}

fn all_v3(prefix: &str) -> Vec<String> {
    cartesian(
        prefix,
        &[
            ("AV", &["N", "A", "L", "P"]),
            ("AC", &["L", "H"]),
            ("PR", &["N", "L", "H"]),
            ("UI", &["N", "R"]),
            ("S", &["U", "C"]),
            ("C", &["H", "L", "N"]),
            ("I", &["H", "L", "N"]),
            ("A", &["H", "L", "N"]),
        ],
    )
}

fn all_v4() -> Vec<String> {
    let cia: &[&str] = &["H", "L", "N"];
    cartesian(
        "CVSS:4.0",
        &[
            ("AV", &["N", "A", "L", "P"]),
            ("AC", &["L", "H"]),
            ("AT", &["N", "P"]),
            ("PR", &["N", "L", "H"]),
            ("UI", &["N", "P", "A"]),
            ("VC", cia),
            ("VI", cia),
            ("VA", cia),
            ("SC", cia),
            ("SI", cia),
            ("SA", cia),
        ],
    )
}

/// Every vector with one value of each metric, `prefix` first.
fn cartesian(prefix: &str, metrics: &[(&str, &[&str])]) -> Vec<String> {
    let mut out = vec![prefix.to_string()];
    for (name, values) in metrics {
        out = out.iter().flat_map(|p| values.iter().map(move |v| format!("{p}/{name}:{v}"))).collect();
    }
    out
}

#[test]
fn every_v2_base_vector_scores_within_range() {
    let vectors = cartesian(
        "",
        &[
            ("AV", &["L", "A", "N"]),
            ("AC", &["H", "M", "L"]),
            ("Au", &["M", "S", "N"]),
            ("C", &["N", "P", "C"]),
            ("I", &["N", "P", "C"]),
            ("A", &["N", "P", "C"]),
        ],
    );
    assert_eq!(vectors.len(), 729);
    for vector in vectors {
        let vector = vector.trim_start_matches('/');
        let s = score(vector);
        assert!((0.0..=10.0).contains(&s), "{vector}: {s}");
    }
}

/// The v3.1 Roundup only removes floating-point artefacts; on base vectors the v3.0 ceiling has
/// none, so both versions agree on all 2,592 of them (as the reference test data shows).
#[test]
fn v30_and_v31_agree_on_every_base_vector() {
    let vectors = all_v3("CVSS:3.1");
    assert_eq!(vectors.len(), 2592);
    for v31 in vectors {
        let v30 = v31.replace("CVSS:3.1", "CVSS:3.0");
        let s = score(&v31);
        assert_eq!(s, score(&v30), "{v31}");
        assert!((0.0..=10.0).contains(&s), "{v31}: {s}");
    }
}

#[test]
fn v31_roundup_is_the_appendix_a_function() {
    assert_eq!(roundup_v31(4.0), 40);
    assert_eq!(roundup_v31(4.000_000_000_000_001), 40);
    assert_eq!(roundup_v31(4.02), 41);
    assert_eq!(roundup_v31(4.000_01), 41);
    assert_eq!(roundup_v31(0.0), 0);
    assert_eq!(roundup_v31(10.0), 100);
}

/// All 104,976 base vectors: each lands on an existing macro vector and scores within 0..10.
/// Exactly 522 of them sit one ULP below an `x.x5` tie, the count the reference implementations
/// report for their rounding fix; matching it shows the interpolation arithmetic is theirs,
/// operation for operation.
#[test]
fn every_v4_base_vector_scores_like_the_reference() {
    let vectors = all_v4();
    assert_eq!(vectors.len(), 104_976);
    let mut lifted_by_epsilon = 0;
    for vector in &vectors {
        let Some(body) = vector.strip_prefix("CVSS:4.0/") else { unreachable!() };
        let metrics = match parse_metrics(vector, CvssVersion::V4_0, body, v4::METRICS) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let raw = v4::unrounded_for_test(&metrics);
        assert!((0.0..=10.0).contains(&raw), "{vector}: {raw}");
        let no_impact = vector.ends_with("VC:N/VI:N/VA:N/SC:N/SI:N/SA:N");
        assert_eq!(raw == 0.0, no_impact, "{vector}: {raw}");
        if (raw * 10.0).round() != ((raw + 1e-6) * 10.0).round() {
            lifted_by_epsilon += 1;
        }
    }
    assert_eq!(lifted_by_epsilon, 522);
}

#[test]
fn v4_macro_score_table_has_the_270_reference_entries() {
    let mut present = 0;
    for eq1 in 0..3 {
        for eq2 in 0..2 {
            for eq3 in 0..3 {
                for eq4 in 0..3 {
                    for eq5 in 0..3 {
                        for eq6 in 0..2 {
                            let s = v4::macro_score_for_test([eq1, eq2, eq3, eq4, eq5, eq6]);
                            assert_eq!(s.is_some(), !(eq3 == 2 && eq6 == 0), "{eq1}{eq2}{eq3}{eq4}{eq5}{eq6}");
                            present += usize::from(s.is_some());
                        }
                    }
                }
            }
        }
    }
    assert_eq!(present, 270);
    // Spot checks against cvss_lookup.js.
    assert_eq!(v4::macro_score_for_test([0, 0, 0, 0, 0, 0]), Some(10.0));
    assert_eq!(v4::macro_score_for_test([1, 1, 1, 1, 2, 1]), Some(2.3));
    assert_eq!(v4::macro_score_for_test([2, 1, 2, 2, 2, 1]), Some(0.1));
    assert_eq!(v4::macro_score_for_test([3, 0, 0, 0, 0, 0]), None);
    assert_eq!(v4::macro_score_for_test([2, 1, 3, 2, 2, 2]), None);
}

#[test]
fn vector_is_trimmed_and_kept() {
    let cvss = base_score("  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n").ok();
    assert_eq!(
        cvss,
        Some(Cvss {
            version: CvssVersion::V3_1,
            score: 9.8,
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()
        })
    );
    assert_eq!(
        base_score("(AV:N/AC:M/Au:N/C:N/I:P/A:N)").map(|c| c.vector).ok().as_deref(),
        Some("(AV:N/AC:M/Au:N/C:N/I:P/A:N)")
    );
}

#[track_caller]
fn error(vector: &str) -> CvssError {
    match base_score(vector) {
        Ok(cvss) => panic!("{vector} scored {}", cvss.score),
        Err(e) => e,
    }
}

#[test]
fn errors_name_the_vector_and_the_offending_metric() {
    let v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H";
    assert_eq!(
        error(v31).to_string(),
        "cvss vector `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H` is missing mandatory metric `A`"
    );
    assert_eq!(
        error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L").to_string(),
        "cvss vector `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L` repeats metric `AV`"
    );
    assert_eq!(
        error("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").to_string(),
        "cvss vector `CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` has invalid value `X` for metric `AV`, \
         expected one of `N`, `A`, `L`, `P`"
    );
    assert_eq!(
        error("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H").to_string(),
        "cvss vector `CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H` has unknown metric `AT` for cvss 3.1"
    );
    assert_eq!(
        error("CVSS:3.2/AV:N").to_string(),
        "cvss vector `CVSS:3.2/AV:N` has unsupported version prefix `CVSS:3.2`, expected `CVSS:2.0`, `CVSS:3.0`, \
         `CVSS:3.1` or `CVSS:4.0`"
    );
    assert_eq!(
        error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/").to_string(),
        "cvss vector `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/` has malformed component ``, expected `METRIC:VALUE`"
    );
    assert_eq!(error("  ").to_string(), "cvss vector is empty");
    for e in [error(v31), error("x"), error(&"A".repeat(2000))] {
        let message = e.to_string();
        assert!(message.starts_with("cvss vector"), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}

#[test]
fn malformed_vectors_are_rejected() {
    type Expectation = fn(&CvssError) -> bool;
    let cases: &[(&str, Expectation)] = &[
        ("", |e| matches!(e, CvssError::Empty)),
        ("CVSS:5.0/AV:N", |e| matches!(e, CvssError::UnsupportedVersion { prefix, .. } if prefix == "CVSS:5.0")),
        ("CVSS:", |e| matches!(e, CvssError::UnsupportedVersion { .. })),
        ("CVSS:3.1", |e| matches!(e, CvssError::MissingMetric { metric, .. } if metric == "AV")),
        ("CVSS:3.1/", |e| matches!(e, CvssError::MissingMetric { metric, .. } if metric == "AV")),
        ("CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", |e| matches!(e, CvssError::Malformed { .. })),
        (
            "CVSS:3.1/AV/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            |e| matches!(e, CvssError::Malformed { component, .. } if component == "AV"),
        ),
        (
            "CVSS:3.1/AV:N:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            |e| matches!(e, CvssError::InvalidValue { value, .. } if value == "N:L"),
        ),
        ("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", |e| matches!(e, CvssError::InvalidValue { .. })),
        ("CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", |e| matches!(e, CvssError::UnknownMetric { .. })),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z",
            |e| matches!(e, CvssError::InvalidValue { metric, .. } if metric == "E"),
        ),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/E:U", |e| matches!(e, CvssError::DuplicateMetric { .. })),
        (
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            |e| matches!(e, CvssError::MissingMetric { metric, .. } if metric == "S"),
        ),
        // Base metrics of one version under another version's prefix (v4.0's S is Safety).
        (
            "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            |e| matches!(e, CvssError::InvalidValue { metric, .. } if metric == "S"),
        ),
        (
            "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            |e| matches!(e, CvssError::UnknownMetric { metric, .. } if metric == "C"),
        ),
        ("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", |e| {
            matches!(e, CvssError::UnknownMetric { .. })
        }),
        // A v3 vector without its prefix is read as v2.
        (
            "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            |e| matches!(e, CvssError::UnknownMetric { version: CvssVersion::V2, metric, .. } if metric == "PR"),
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            |e| matches!(e, CvssError::MissingMetric { metric, .. } if metric == "SA"),
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
            |e| matches!(e, CvssError::InvalidValue { metric, .. } if metric == "SI"),
        ),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:amber", |e| {
            matches!(e, CvssError::InvalidValue { .. })
        }),
        ("AV:N/AC:L/Au:N/C:P/I:P", |e| matches!(e, CvssError::MissingMetric { metric, .. } if metric == "A")),
        ("(AV:N/AC:L/Au:N/C:P/I:P/A:P", |e| matches!(e, CvssError::UnknownMetric { metric, .. } if metric == "(AV")),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", |e| matches!(e, CvssError::InvalidValue { metric, .. } if metric == "E")),
    ];
    for (vector, expected) in cases {
        let e = error(vector);
        assert!(expected(&e), "{vector}: {e:?}");
    }
}

#[test]
fn errors_escape_control_and_bidi_characters() {
    let message = error("CVSS:3.1/AV:N\u{1b}[2J/AC:L").to_string();
    assert!(message.contains("`N\\u{1b}[2J`"), "{message}");
    assert!(!message.contains('\u{1b}'), "{message}");
    let message = error("CVSS:3.1/AV:N/\u{202e}AC:L").to_string();
    assert!(message.contains("`\\u{202e}AC`"), "{message}");
    assert!(!message.contains('\u{202e}'), "{message}");
    let message = error("CVSS:3.1/AV:N\n/AC:L").to_string();
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn over_long_vectors_are_rejected_with_a_short_quote() {
    let long = format!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H{}", "/E:X".repeat(300));
    let CvssError::TooLong { vector, len, max } = error(&long) else { panic!("not TooLong") };
    assert_eq!((vector.chars().count(), len, max), (64, long.len(), 1024));
    // The quote is cut at a character boundary.
    let e = error(&"é".repeat(600));
    assert!(matches!(&e, CvssError::TooLong { vector, .. } if vector.chars().count() == 64), "{e:?}");
}

#[test]
fn scores_are_exact_tenths() {
    for vector in ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "AV:N/AC:M/Au:N/C:N/I:P/A:N"] {
        let s = score(vector);
        assert_eq!(s, (s * 10.0).round() / 10.0, "{vector}");
    }
    assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
    assert_eq!(format!("{}", score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")), "6.1");
}

#[test]
fn severity_follows_the_v3_and_v4_rating_scale() {
    let cases = [
        (0.0, "none"),
        (0.1, "low"),
        (3.9, "low"),
        (4.0, "medium"),
        (6.9, "medium"),
        (7.0, "high"),
        (8.9, "high"),
        (9.0, "critical"),
        (10.0, "critical"),
        (-1.0, "none"),
        (f64::NAN, "none"),
    ];
    for (s, expected) in cases {
        assert_eq!(severity(s), expected, "{s}");
    }
    assert_eq!(severity(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")), "critical");
    assert_eq!(severity(score("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N")), "high");
}

#[test]
fn versions_display_as_first_writes_them() {
    let shown: Vec<String> = [CvssVersion::V2, CvssVersion::V3_0, CvssVersion::V3_1, CvssVersion::V4_0]
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(shown, ["2.0", "3.0", "3.1", "4.0"]);
}

/// Every metric name and value of every version, plus near misses, for token-soup inputs.
fn token() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "AV", "AC", "AT", "PR", "UI", "S", "C", "I", "A", "Au", "VC", "VI", "VA", "SC", "SI", "SA", "E", "RL", "RC",
        "CR", "IR", "AR", "CDP", "TD", "MAV", "MAC", "MAT", "MPR", "MUI", "MS", "MC", "MI", "MA", "MVC", "MVI", "MVA",
        "MSC", "MSI", "MSA", "AU", "R", "V", "RE", "U", "CVSS", "", "av",
    ]);
    let values = prop::sample::select(vec![
        "N", "A", "L", "P", "H", "M", "S", "C", "U", "R", "X", "Y", "D", "I", "F", "O", "T", "W", "POC", "ND", "OF",
        "TF", "UC", "UR", "LM", "MH", "Clear", "Green", "Amber", "Red", "3.1", "4.0", "", ":", "é",
    ]);
    (names, values).prop_map(|(n, v)| format!("{n}:{v}"))
}

fn soup() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec!["", "CVSS:2.0/", "CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/", "(", "CVSS:", " "]);
    let suffix = prop::sample::select(vec!["", ")", "/", " ", "//"]);
    (prefix, prop::collection::vec(token(), 0..40), suffix).prop_map(|(p, t, s)| format!("{p}{}{s}", t.join("/")))
}

/// A valid vector with base metrics and a random selection of the optional ones, shuffled, and
/// the same base metrics in specification order.
fn valid(prefix: &'static str, table: &'static [Metric]) -> impl Strategy<Value = (String, String)> {
    let picks: Vec<_> = table
        .iter()
        .map(|m| {
            let value = prop::sample::select(m.values.to_vec());
            let keep = if m.mandatory { Just(true).boxed() } else { any::<bool>().boxed() };
            (Just(m.name), value, keep, Just(m.mandatory))
        })
        .collect();
    picks.prop_flat_map(move |picked| {
        let base: Vec<String> = picked.iter().filter(|p| p.3).map(|p| format!("{}:{}", p.0, p.1)).collect();
        let all: Vec<String> = picked.iter().filter(|p| p.2).map(|p| format!("{}:{}", p.0, p.1)).collect();
        let canonical = format!("{prefix}{}", base.join("/"));
        Just(all).prop_shuffle().prop_map(move |all| (format!("{prefix}{}", all.join("/")), canonical.clone()))
    })
}

fn check_in_range(vector: &str) -> Result<(), TestCaseError> {
    if let Ok(cvss) = base_score(vector) {
        prop_assert!((0.0..=10.0).contains(&cvss.score), "{vector}: {}", cvss.score);
        prop_assert_eq!(cvss.score, (cvss.score * 10.0).round() / 10.0);
        prop_assert_eq!(cvss.vector.as_str(), vector.trim());
    }
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        check_in_range(&s)?;
    }

    #[test]
    fn metric_soup_never_panics(s in soup()) {
        check_in_range(&s)?;
    }

    #[test]
    fn valid_vectors_score_whatever_the_order_and_optional_metrics(
        (v2, v2_base) in valid("", V2_METRICS),
        (v3, v3_base) in valid("CVSS:3.1/", V3_METRICS),
        (v4, v4_base) in valid("CVSS:4.0/", v4::METRICS),
    ) {
        for (vector, canonical) in [(v2, v2_base), (v3, v3_base), (v4, v4_base)] {
            let scored = base_score(&vector);
            prop_assert!(scored.is_ok(), "{}: {:?}", vector, scored);
            prop_assert_eq!(scored.ok().map(|c| c.score), base_score(&canonical).ok().map(|c| c.score), "{}", vector);
        }
    }
}

/// Every CVSS vector in the advisory corpora (`$VIGIL_CORPORA/advisories`: OSV JSON from
/// go-vulndb and RustSec, PyPA's OSV YAML, RustSec's TOML front matter, vunnel's fixtures) must
/// score; where a fixture records a base score next to its vector, the scores must agree.
#[test]
fn corpus_advisory_vectors_all_score() {
    let Some(dir) = vigil_testkit::require_corpus("advisories") else { return };
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();

    let mut found: Vec<(PathBuf, String)> = Vec::new();
    let mut recorded: Vec<(PathBuf, String, f64)> = Vec::new();
    let mut by_extension: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let Ok(bytes) = std::fs::read(file) else { panic!("cannot read {}", file.display()) };
        let text = String::from_utf8_lossy(&bytes);
        let vectors = vectors_in(&text);
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
        if !vectors.is_empty() {
            *by_extension.entry(extension.clone()).or_default() += vectors.len();
        }
        found.extend(vectors.into_iter().map(|v| (file.clone(), v)));
        if extension == "json"
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
        {
            recorded_scores(&json, &mut |vector, score| recorded.push((file.clone(), vector, score)));
        }
    }

    let mut failures = Vec::new();
    let mut by_version: BTreeMap<String, usize> = BTreeMap::new();
    for (file, vector) in &found {
        match base_score(vector) {
            Ok(cvss) => *by_version.entry(cvss.version.to_string()).or_default() += 1,
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    let mut mismatches = Vec::new();
    for (file, vector, expected) in &recorded {
        let got = base_score(vector).map(|c| c.score);
        if got.as_ref().ok() != Some(expected) {
            mismatches.push(format!("{}: {vector} scored {got:?}, the fixture records {expected}", file.display()));
        }
    }
    let distinct: std::collections::BTreeSet<&str> = found.iter().map(|(_, v)| v.as_str()).collect();
    let parsed = found.len() - failures.len();
    vigil_testkit::report(format!(
        "cvss: {parsed}/{} ({:.1}%) corpus vectors scored, {} distinct, from {} files; by version {by_version:?}; \
         by file type {by_extension:?}; {}/{} recorded base scores matched",
        found.len(),
        100.0 * parsed as f64 / found.len().max(1) as f64,
        distinct.len(),
        files.len(),
        recorded.len() - mismatches.len(),
        recorded.len(),
    ));
    // Exact counts: a vanished advisory file is a failure, not a smaller denominator.
    assert_eq!((found.len(), recorded.len()), (1504, 2), "vectors and recorded scores under {}", dir.display());
    assert!(failures.is_empty(), "{} vectors failed:\n{}", failures.len(), failures.join("\n"));
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { panic!("cannot list {}", dir.display()) };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

/// Every `CVSS:x.y/…` run of vector characters in `text`, whatever the file format.
fn vectors_in(text: &str) -> Vec<String> {
    let is_vector_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.');
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("CVSS:") {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !is_vector_char(c)).unwrap_or(tail.len());
        out.push(tail[..end].to_string());
        rest = &tail[end.max(1)..];
    }
    out
}

/// `{"vector_string": …, "base_metrics": {"base_score": …}}` objects (vunnel's GitHub records).
fn recorded_scores(json: &serde_json::Value, found: &mut dyn FnMut(String, f64)) {
    match json {
        serde_json::Value::Object(map) => {
            let vector = map.get("vector_string").and_then(|v| v.as_str());
            let score = map.get("base_metrics").and_then(|m| m.get("base_score")).and_then(|s| s.as_f64());
            if let (Some(vector), Some(score)) = (vector, score) {
                found(vector.to_string(), score);
            }
            map.values().for_each(|v| recorded_scores(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| recorded_scores(v, found)),
        _ => {}
    }
}
