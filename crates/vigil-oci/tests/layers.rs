#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reading hand-built OCI layouts: layer order, whiteouts, and hostile layers.

mod layout_builder;

use layout_builder::{GZIP_LAYER, Item, TAR_LAYER, gzip, tar, write_layout};
use vigil_oci::{Entry, EntryKind, Error, Limits, Overlay, Platform, Target, walk};

fn open(root: &std::path::Path, limits: Limits) -> Result<vigil_oci::Image, Error> {
    vigil_oci::Image::open_oci_dir(root, None, &Platform::linux_amd64(), limits)
}

fn files(image: &vigil_oci::Image) -> Result<Vec<(String, usize, String)>, Error> {
    let mut overlay = Overlay::new();
    walk(image, |entry: &Entry, content| {
        overlay.apply(entry);
        if entry.kind == EntryKind::File {
            let mut text = String::new();
            content.read_to_string(&mut text).map_err(|e| Error::Io { path: entry.path.clone(), source: e })?;
            overlay.insert(entry, text);
        }
        Ok(())
    })?;
    Ok(overlay.into_files().into_iter().map(|(p, (l, t))| (p, l, t)).collect())
}

#[test]
fn layers_squash_with_whiteouts() {
    let dir = tempfile::tempdir().unwrap();
    let base = tar(&[
        Item::Dir("etc"),
        Item::File("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
        Item::File("etc/secret", b"x"),
        Item::File("opt/app/a.txt", b"a"),
        Item::File("opt/app/b.txt", b"b"),
    ]);
    let top = tar(&[
        Item::File("etc/.wh.secret", b""),
        Item::File("opt/app/.wh..wh..opq", b""),
        Item::File("opt/app/c.txt", b"c"),
    ]);
    write_layout(dir.path(), &[(gzip(&base), base.clone(), GZIP_LAYER), (top.clone(), top, TAR_LAYER)]);
    let image = open(dir.path(), Limits::default()).unwrap();
    assert_eq!(image.info.layers.len(), 2);
    let got = files(&image).unwrap();
    let paths: Vec<(&str, usize)> = got.iter().map(|(p, l, _)| (p.as_str(), *l)).collect();
    assert_eq!(paths, [("etc/os-release", 0), ("opt/app/c.txt", 1)]);
    // Layer identity is the diff_id, whatever the stored compression.
    assert_eq!(image.info.layers[0].digest, layout_builder::sha256(&base));
    assert_ne!(image.info.layers[0].blob_digest, image.info.layers[0].digest);
}

#[test]
fn target_detection_finds_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::File("hello", b"hi")]);
    write_layout(dir.path(), &[(layer.clone(), layer, TAR_LAYER)]);
    let target = Target::parse(&dir.path().display().to_string()).unwrap();
    assert!(matches!(target, Target::OciDir(_, None)));
    let tagged = Target::parse(&format!("oci-dir:{}:latest", dir.path().display())).unwrap();
    let image = tagged.open(&Default::default()).unwrap();
    assert_eq!(files(&image).unwrap().len(), 1);
    let missing = Target::parse(&format!("oci-dir:{}:nope", dir.path().display())).unwrap();
    let err = missing.open(&Default::default()).unwrap_err().to_string();
    assert!(err.contains("no image tagged `nope`"), "{err}");
}

#[test]
fn path_traversal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::File("ok", b"1"), Item::RawFile(b"../../etc/evil", b"pwned")]);
    write_layout(dir.path(), &[(layer.clone(), layer, TAR_LAYER)]);
    let err = files(&open(dir.path(), Limits::default()).unwrap()).unwrap_err();
    assert!(matches!(err, Error::UnsafePath { .. }), "{err}");
    assert!(err.to_string().contains("path traversal"), "{err}");
    assert!(!dir.path().join("../../etc/evil").exists());
}

#[test]
fn gzip_bomb_hits_the_ratio_limit() {
    let dir = tempfile::tempdir().unwrap();
    // 200 MiB of zeros in one file compresses to ~200 KiB: a ratio near 1000.
    let zeros = vec![0u8; 200 * 1024 * 1024];
    let layer = tar(&[Item::File("zeros", &zeros)]);
    let blob = gzip(&layer);
    drop(zeros);
    write_layout(dir.path(), &[(blob, layer, GZIP_LAYER)]);
    let Err(err) = files(&open(dir.path(), Limits::default()).unwrap()) else { panic!("the bomb was read to the end") };
    assert!(matches!(err, Error::Limit { .. }), "{err}");
    assert!(err.to_string().contains("decompression ratio"), "{err}");
}

#[test]
fn layer_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::File("big", &[7u8; 100_000])]);
    write_layout(dir.path(), &[(layer.clone(), layer, TAR_LAYER)]);
    let limits = Limits { max_layer_bytes: 50_000, ..Limits::default() };
    let err = files(&open(dir.path(), limits).unwrap()).unwrap_err();
    assert!(err.to_string().contains("layer size"), "{err}");
}

#[test]
fn truncated_layer_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::File("a", &[1u8; 10_000]), Item::File("b", &[2u8; 10_000])]);
    let blob = gzip(&layer);
    write_layout(dir.path(), &[(blob.clone(), layer, GZIP_LAYER)]);
    // Truncate the stored blob in place (the digest no longer matches either).
    let manifest_layer = open(dir.path(), Limits::default()).unwrap().info.layers[0].blob_digest.clone();
    let path = dir.path().join("blobs/sha256").join(&manifest_layer[7..]);
    std::fs::write(&path, &blob[..blob.len() / 2]).unwrap();
    let err = files(&open(dir.path(), Limits::default()).unwrap()).unwrap_err();
    assert!(matches!(err, Error::BadLayer { .. } | Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn digest_mismatch_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::File("a", b"original")]);
    write_layout(dir.path(), &[(layer.clone(), layer.clone(), TAR_LAYER)]);
    let image = open(dir.path(), Limits::default()).unwrap();
    let blob = dir.path().join("blobs/sha256").join(&image.info.layers[0].blob_digest[7..]);
    let tampered = tar(&[Item::File("a", b"tampered")]);
    std::fs::write(blob, tampered).unwrap();
    let err = files(&image).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn symlinks_are_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::Symlink("escape", "/etc"), Item::Symlink("up", "../../../../")]);
    write_layout(dir.path(), &[(layer.clone(), layer, TAR_LAYER)]);
    let mut links = Vec::new();
    walk(&open(dir.path(), Limits::default()).unwrap(), |e, _| {
        if let EntryKind::Symlink(t) = &e.kind {
            links.push((e.path.clone(), t.clone()));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(links, [("escape".to_string(), "/etc".to_string()), ("up".to_string(), "../../../../".to_string())]);
}

#[test]
fn malformed_layouts_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let err = open(dir.path(), Limits::default()).unwrap_err().to_string();
    assert!(err.contains("no `index.json`"), "{err}");
    std::fs::write(dir.path().join("index.json"), b"{not json").unwrap();
    let err = open(dir.path(), Limits::default()).unwrap_err().to_string();
    assert!(err.contains("index.json: invalid JSON"), "{err}");
    std::fs::write(dir.path().join("index.json"), br#"{"manifests":[{"digest":"sha256:00","size":1}]}"#).unwrap();
    let err = open(dir.path(), Limits::default()).unwrap_err().to_string();
    assert!(err.contains("invalid digest"), "{err}");
}

#[test]
fn missing_final_padding_is_accepted_but_cut_data_is_not() {
    // umoci 0.4 ends layers right after the last file's data.
    let full = tar(&[Item::File("a", b"first"), Item::File("b", b"second file")]);
    let data_end = 512 + 512 + 512 + "second file".len();
    let unpadded = full[..data_end].to_vec();
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[(unpadded.clone(), unpadded, TAR_LAYER)]);
    let got = files(&open(dir.path(), Limits::default()).unwrap()).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].2, "second file");

    let cut = full[..data_end - 3].to_vec();
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path(), &[(cut.clone(), cut, TAR_LAYER)]);
    let err = files(&open(dir.path(), Limits::default()).unwrap()).unwrap_err();
    assert!(matches!(err, Error::BadLayer { .. }), "{err}");
}

#[test]
fn platform_is_chosen_from_an_index() {
    // Two single-layer images, wrapped in one image index.
    let dir = tempfile::tempdir().unwrap();
    let amd = tar(&[Item::File("arch", b"amd64")]);
    let arm = tar(&[Item::File("arch", b"arm64")]);
    let amd_root = tempfile::tempdir().unwrap();
    let arm_root = tempfile::tempdir().unwrap();
    let amd_manifest = write_layout(amd_root.path(), &[(amd.clone(), amd, TAR_LAYER)]);
    let arm_manifest = write_layout(arm_root.path(), &[(arm.clone(), arm, TAR_LAYER)]);
    let blobs = dir.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    for root in [amd_root.path(), arm_root.path()] {
        for entry in std::fs::read_dir(root.join("blobs/sha256")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), blobs.join(entry.file_name())).unwrap();
        }
    }
    let size = |digest: &str| std::fs::metadata(blobs.join(&digest[7..])).unwrap().len();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd_manifest, "size": size(&amd_manifest),
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm_manifest, "size": size(&arm_manifest),
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        ],
    });
    let index_bytes = serde_json::to_vec(&index).unwrap();
    let index_digest = layout_builder::sha256(&index_bytes);
    std::fs::write(blobs.join(&index_digest[7..]), &index_bytes).unwrap();
    let top = serde_json::json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": index_digest, "size": index_bytes.len(), "annotations": {"org.opencontainers.image.ref.name": "1.0"}}]});
    std::fs::write(dir.path().join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    std::fs::write(dir.path().join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();

    let arch_of = |platform: &str| -> Result<String, Error> {
        let image =
            vigil_oci::Image::open_oci_dir(dir.path(), Some("1.0"), &Platform::parse(platform)?, Limits::default())?;
        Ok(files(&image)?.into_iter().map(|(_, _, text)| text).collect())
    };
    assert_eq!(arch_of("linux/amd64").unwrap(), "amd64");
    assert_eq!(arch_of("linux/arm64").unwrap(), "arm64");
    assert_eq!(arch_of("linux/arm64/v8").unwrap(), "arm64");
    let err = arch_of("linux/s390x").unwrap_err().to_string();
    assert!(err.contains("no image for platform `linux/s390x`") && err.contains("linux/arm64/v8"), "{err}");
}

#[test]
fn writing_through_a_symlink_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::Symlink("evil", "/etc"), Item::File("evil/passwd", b"root::0:0::/:/bin/sh")]);
    write_layout(dir.path(), &[(layer.clone(), layer, TAR_LAYER)]);
    let err = files(&open(dir.path(), Limits::default()).unwrap()).unwrap_err();
    assert!(matches!(err, Error::UnsafePath { .. }), "{err}");
    assert!(err.to_string().contains("symlink escape"), "{err}");
    assert!(std::fs::read_to_string("/etc/passwd").map(|p| !p.starts_with("root::0:0::/:/bin/sh")).unwrap_or(true));
}

#[test]
fn zstd_layers_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let layer = tar(&[Item::File("etc/zstd.txt", b"compressed with zstd")]);
    let blob = ruzstd::encoding::compress_to_vec(&layer[..], ruzstd::encoding::CompressionLevel::Fastest);
    assert_eq!(&blob[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
    write_layout(dir.path(), &[(blob, layer, "application/vnd.oci.image.layer.v1.tar+zstd")]);
    let got = files(&open(dir.path(), Limits::default()).unwrap()).unwrap();
    assert_eq!(got, [("etc/zstd.txt".to_string(), 0, "compressed with zstd".to_string())]);
}
