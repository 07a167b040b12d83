#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The same real image (built from Debian packages by scripts/make-test-images.sh) read as an
//! OCI layout, an OCI archive and a docker archive gives the same squashed file system, with
//! the same layer for every file.

use std::collections::BTreeMap;

use vigil_oci::{EntryKind, Error, Overlay, Target, walk};

/// path → (layer digest, size)
type Files = BTreeMap<String, (String, u64)>;

fn squash(target: &str) -> Result<(vigil_oci::ImageInfo, Files), Error> {
    let image = Target::parse(target)?.open(&Default::default())?;
    let mut overlay = Overlay::new();
    walk(&image, |entry, _| {
        overlay.apply(entry);
        if entry.kind == EntryKind::File {
            overlay.insert(entry, entry.size);
        }
        Ok(())
    })?;
    let layers = image.info.layers.clone();
    let files = overlay
        .into_files()
        .into_iter()
        .map(|(path, (layer, size))| (path, (layers.get(layer).map(|l| l.digest.clone()).unwrap_or_default(), size)))
        .collect();
    Ok((image.info, files))
}

#[test]
fn four_ways_one_file_system() {
    let Some(dir) = vigil_testkit::test_images() else { return };
    let d = dir.display();
    let (layout_info, layout) = squash(&format!("oci-dir:{d}/oci:latest")).unwrap_or_else(|e| panic!("{e}"));
    let (archive_info, archive) = squash(&format!("oci-archive:{d}/oci-archive.tar")).unwrap_or_else(|e| panic!("{e}"));
    let (docker_info, docker) =
        squash(&format!("docker-archive:{d}/docker-archive.tar")).unwrap_or_else(|e| panic!("{e}"));
    // Detection without a scheme finds the same sources.
    let (_, detected) = squash(&format!("{d}/docker-archive.tar")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(layout.len(), archive.len());
    assert!(layout == archive, "OCI layout and OCI archive differ");
    assert!(layout == docker, "OCI layout and docker archive differ");
    assert!(docker == detected);
    assert_eq!(layout_info.layers.len(), docker_info.layers.len());
    assert_eq!(archive_info.manifest_digest, layout_info.manifest_digest);
    // Whiteouts from the top layer apply.
    assert!(layout.contains_key("var/lib/dpkg/status"));
    assert!(layout.contains_key("app/package-lock.json"));
    assert!(!layout.contains_key("app/remove-me.txt"));
    assert!(!layout.keys().any(|p| p.starts_with("usr/share/doc/zlib1g/")));
    assert!(layout.keys().any(|p| p.starts_with("usr/share/doc/liblzma5/")));
    // Files name the layer they came from: dpkg status from the base layer, the app from the next.
    let base = &layout["var/lib/dpkg/status"].0;
    let app = &layout["app/package-lock.json"].0;
    assert_ne!(base, app);
    assert_eq!(layout_info.platform.as_ref().map(ToString::to_string).as_deref(), Some("linux/amd64"));
}
