//! `vigil key generate`: cosign's key format, file modes, password sources, overwrite guard;
//! and, when real cosign is available (`VIGIL_COSIGN`, set by scripts/test), cosign reads the key.

use crate::common::{Vigil, temp_dir};

#[test]
fn generate_writes_a_cosign_key_pair() {
    let dir = temp_dir();
    let out = Vigil::in_dir(dir.path())
        .args(["key", "generate", "--output-key-prefix", "release"])
        .env("VIGIL_PASSWORD", "hunter2")
        .run();
    out.assert_code(0);
    let key = std::fs::read_to_string(dir.path().join("release.key")).unwrap();
    let public = std::fs::read_to_string(dir.path().join("release.pub")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"), "{key}");
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"), "{public}");
    assert!(!out.stderr.contains("hunter2"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("release.key")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The key decrypts with the password and matches the public key.
    let signing = vigil_sign::keys::load_private_key(key.as_bytes(), b"hunter2").unwrap();
    assert_eq!(signing.public_key_pem().trim(), public.trim());
    assert!(vigil_sign::keys::load_private_key(key.as_bytes(), b"wrong").is_err());

    // Never overwritten by accident.
    let again = Vigil::in_dir(dir.path())
        .args(["key", "generate", "--output-key-prefix", "release"])
        .env("VIGIL_PASSWORD", "x")
        .run();
    again.assert_code(2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    let Some(cosign) = vigil_testkit::cosign() else { return };
    let out = std::process::Command::new(cosign)
        .args(["public-key", "--key", "release.key"])
        .current_dir(dir.path())
        .env("COSIGN_PASSWORD", "hunter2")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), public.trim());
}

#[test]
fn no_password_without_a_terminal_is_an_error() {
    let dir = temp_dir();
    let out = Vigil::in_dir(dir.path()).args(["key", "generate"]).stdin("").run();
    out.assert_code(2);
    assert!(out.stderr.contains("VIGIL_PASSWORD"), "{}", out.stderr);
}
