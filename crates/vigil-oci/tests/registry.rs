#![allow(clippy::unwrap_used)]

//! Pulling from a real registry: Debian's `docker-registry` (CNCF Distribution 2.8) started on
//! 127.0.0.1 by the test, plain and with htpasswd auth, the test image pushed with skopeo.
//! When `docker-registry`/`skopeo` or the test images are missing, the harness fails the test
//! with `CI=true` or `VIGIL_REQUIRE_REGISTRY=1` (scripts/test sets it) and otherwise reports it
//! as skipped (`vigil_testkit`).

use std::path::Path;

use vigil_oci::{Credentials, EntryKind, Error, OpenOptions, Overlay, RegistryOptions, Target, walk};

use vigil_oci::testing::start;

fn squash(image: &vigil_oci::Image) -> Result<Vec<(String, usize)>, Error> {
    let mut overlay = Overlay::new();
    walk(image, |entry, _| {
        overlay.apply(entry);
        if entry.kind == EntryKind::File {
            overlay.insert(entry, ());
        }
        Ok(())
    })?;
    Ok(overlay.into_files().into_iter().map(|(p, (l, ()))| (p, l)).collect())
}

fn options(credentials: Option<Credentials>, auth_file: Option<&Path>) -> OpenOptions {
    OpenOptions {
        registry: RegistryOptions {
            plain_http: true,
            insecure: false,
            credentials,
            auth_file: auth_file.map(Path::to_path_buf),
            progress: None,
            timeout: None,
        },
        ..OpenOptions::default()
    }
}

#[test]
fn pull_matches_the_layout() {
    let Some((registry, layout)) = start(false) else { return };
    let target =
        Target::parse(&format!("registry:{}/vigil/debian:1.0", registry.addr)).unwrap_or_else(|e| panic!("{e}"));
    let pulled = target.open(&options(None, Some(Path::new("/nonexistent")))).unwrap_or_else(|e| panic!("{e}"));
    let local = Target::parse(&format!("oci-dir:{}", layout.display()))
        .and_then(|t| t.open(&Default::default()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pulled.info.manifest_digest, local.info.manifest_digest);
    assert_eq!(squash(&pulled).unwrap_or_else(|e| panic!("{e}")), squash(&local).unwrap_or_else(|e| panic!("{e}")));
    // By digest too.
    let digest = pulled.info.manifest_digest.clone().unwrap_or_default();
    let pinned = Target::parse(&format!("{}/vigil/debian@{digest}", registry.addr)).unwrap_or_else(|e| panic!("{e}"));
    assert!(pinned.open(&options(None, None)).is_ok());
    // TLS is the default: a plain-HTTP registry is refused unless asked.
    let tls = target.open(&OpenOptions::default()).unwrap_err().to_string();
    assert!(tls.contains(&registry.addr), "{tls}");
}

#[test]
fn authentication() {
    let Some((registry, _)) = start(true) else { return };
    let target =
        Target::parse(&format!("registry:{}/vigil/debian:1.0", registry.addr)).unwrap_or_else(|e| panic!("{e}"));
    let denied = target.open(&options(None, Some(Path::new("/nonexistent")))).unwrap_err().to_string();
    assert!(denied.contains(&registry.addr) && denied.contains("hint"), "{denied}");
    let basic = Credentials::Basic { username: "vigil".into(), password: "vigil-pass".into() };
    assert!(target.open(&options(Some(basic), None)).is_ok());
    let wrong = Credentials::Basic { username: "vigil".into(), password: "nope".into() };
    assert!(target.open(&options(Some(wrong), None)).is_err());
    // Docker's config file.
    let config = registry.dir.path().join("docker-config.json");
    let auth = base64_encode(b"vigil:vigil-pass");
    std::fs::write(&config, format!("{{\"auths\":{{\"{}\":{{\"auth\":\"{auth}\"}}}}}}", registry.addr))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(target.open(&options(None, Some(&config))).is_ok());
}

#[test]
fn corrupted_blob_in_the_registry_is_detected() {
    let Some((registry, _)) = start(false) else { return };
    let target =
        Target::parse(&format!("registry:{}/vigil/debian:1.0", registry.addr)).unwrap_or_else(|e| panic!("{e}"));
    let image = target.open(&options(None, None)).unwrap_or_else(|e| panic!("{e}"));
    // Overwrite the app layer's blob in the registry's storage.
    let blob = &image.info.layers[1].blob_digest;
    let hex = &blob[7..];
    let data = registry.dir.path().join(format!("data/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]));
    let len = std::fs::metadata(&data).map(|m| m.len()).unwrap_or_else(|e| panic!("{}: {e}", data.display()));
    std::fs::write(&data, vec![0x1f; usize::try_from(len).unwrap_or(0)]).unwrap_or_else(|e| panic!("{e}"));
    let err = match target.open(&options(None, None)) {
        Err(e) => e,
        Ok(image) => squash(&image).unwrap_err(),
    };
    let text = err.to_string();
    assert!(text.contains("digest") || text.contains("Digest"), "{text}");
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
