//! `vigil sign` / `vigil verify` against the real registry harness: exit codes, the JSON
//! contract and the error reasons.

use crate::common::{Vigil, temp_dir};

#[test]
fn sign_then_verify_through_the_cli() {
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let dir = temp_dir();
    for name in ["k", "other"] {
        let pair = vigil_sign::keys::generate_key_pair(b"pw").unwrap();
        std::fs::write(dir.path().join(format!("{name}.key")), &pair.private_pem).unwrap();
        std::fs::write(dir.path().join(format!("{name}.pub")), &pair.public_pem).unwrap();
    }
    let image = format!("{}/vigil/debian:1.0", registry.addr);

    // Unsigned: nothing verifies.
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "k.pub", "--plain-http"]).run();
    out.assert_code(1);
    assert!(out.stderr.contains("no signatures found"), "{}", out.stderr);

    let out = Vigil::in_dir(dir.path())
        .args(["sign", &image, "--key", "k.key", "-a", "build=42", "--plain-http"])
        .env("VIGIL_PASSWORD", "pw")
        .run();
    out.assert_code(0);

    let out =
        Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "k.pub", "--format", "json", "--plain-http"]).run();
    out.assert_code(0);
    let report = out.json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["image"], image.as_str());
    let digest = report["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"));
    let signature = &report["signatures"][0];
    assert_eq!(signature["payload"]["critical"]["image"]["docker-manifest-digest"], digest);
    assert_eq!(signature["payload"]["optional"]["build"], "42");
    assert!(signature["annotations"]["dev.cosignproject.cosign/signature"].is_string());

    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "other.pub", "--plain-http"]).run();
    out.assert_code(1);
    assert!(out.stderr.contains("does not verify with the given key"), "{}", out.stderr);

    // Usage and runtime errors exit 2.
    let out = Vigil::in_dir(dir.path())
        .args(["sign", &image, "--key", "k.key", "-a", "novalue", "--plain-http"])
        .env("VIGIL_PASSWORD", "pw")
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("`novalue` is not `key=value`"), "{}", out.stderr);
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "missing.pub", "--plain-http"]).run();
    out.assert_code(2);
    let out = Vigil::in_dir(dir.path())
        .args(["sign", &image, "--key", "k.key", "--plain-http"])
        .env("VIGIL_PASSWORD", "wrong")
        .run();
    out.assert_code(2);
}
