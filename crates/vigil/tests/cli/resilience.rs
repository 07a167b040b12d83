//! `vigil serve` limit flags: listed in the help, zero refused before anything starts. The
//! attacks themselves run against the library server in `crates/vigil-admission/tests/`.

use crate::common::{Vigil, temp_dir};

#[test]
fn serve_limit_flags_are_listed_and_zero_is_refused() {
    let dir = temp_dir();
    let help = Vigil::in_dir(dir.path()).args(["serve", "--help"]).run();
    help.assert_code(0);
    for flag in [
        "--max-connections",
        "--max-streams",
        "--max-reviews",
        "--max-registry-reviews",
        "--max-body-bytes",
        "--review-memory",
        "--header-timeout",
        "--body-timeout",
        "--idle-timeout",
    ] {
        assert!(help.stdout.contains(flag), "{flag} missing from:\n{}", help.stdout);
    }
    assert!(help.stdout.contains("[default: 3670016]"), "{}", help.stdout);
    for (flag, value, message) in [
        ("--max-reviews", "0", "--max-reviews must be at least 1"),
        ("--review-memory", "0", "--review-memory must be at least 1"),
        ("--header-timeout", "0", "--header-timeout must be between 0 and 3600 seconds"),
    ] {
        let out = Vigil::in_dir(dir.path())
            .args(["serve", "--policy", "p.yaml", "--tls-cert", "c", "--tls-key", "k", flag, value])
            .run();
        out.assert_code(2);
        assert!(out.stderr.contains(message), "{flag} {value}: {}", out.stderr);
    }
}
