//! rpm header blobs, as every rpmdb backend stores them (rpm `lib/header.c`, "header blob"):
//!
//! ```text
//! il: u32 BE   number of index entries
//! dl: u32 BE   length of the data store
//! il × { tag: u32, type: u32, offset: u32, count: u32 }   all BE
//! dl bytes of data store; an entry's value starts at `offset` within it
//! ```
//!
//! Only the tags vigil reports are read; every offset is checked against the data store.

/// rpm's own ceiling on index entries (`HEADER_TAGS_MAX`).
const MAX_INDEX_ENTRIES: u32 = 0xffff;
/// rpm's own ceiling on the data store (`HEADER_DATA_MAX`, 256 MiB).
const MAX_DATA_BYTES: u32 = 0x0fff_ffff;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// The package facts of one header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RpmHeader {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) release: String,
    pub(crate) epoch: Option<u32>,
    pub(crate) arch: String,
    /// The source rpm's file name, `bash-5.1.8-6.el9.src.rpm`.
    pub(crate) source_rpm: String,
    pub(crate) license: String,
    pub(crate) vendor: String,
}

/// Parses a header blob. Errors name the byte offset within the blob.
pub(crate) fn parse_header(blob: &[u8]) -> Result<RpmHeader, String> {
    let il = be_u32(blob, 0).ok_or_else(|| format!("header is {} bytes, expected at least 8", blob.len()))?;
    let dl = be_u32(blob, 4).ok_or_else(|| format!("header is {} bytes, expected at least 8", blob.len()))?;
    if il == 0 || il > MAX_INDEX_ENTRIES {
        return Err(format!("header declares {il} index entries, expected 1 to {MAX_INDEX_ENTRIES}"));
    }
    if dl > MAX_DATA_BYTES {
        return Err(format!("header declares a {dl}-byte data store, expected at most {MAX_DATA_BYTES}"));
    }
    // Both are bounded above, so this cannot overflow.
    let store_start = 8 + il as usize * 16;
    let store_end = store_start + dl as usize;
    let store = blob.get(store_start..store_end).ok_or_else(|| {
        format!(
            "header declares {il} index entries and {dl} data bytes ({store_end} bytes in all), but the blob is {} bytes",
            blob.len()
        )
    })?;

    let mut header = RpmHeader::default();
    let mut seen_name = false;
    for i in 0..il as usize {
        let at = 8 + i * 16;
        let (Some(tag), Some(ty), Some(offset), Some(count)) =
            (be_u32(blob, at), be_u32(blob, at + 4), be_u32(blob, at + 8), be_u32(blob, at + 12))
        else {
            return Err(format!("index entry {i} at byte {at} is truncated"));
        };
        let entry = Entry { index: i, tag, ty, offset, count };
        match tag {
            TAG_NAME if !seen_name => {
                header.name = entry.string(store)?;
                seen_name = true;
            }
            TAG_VERSION if header.version.is_empty() => header.version = entry.string(store)?,
            TAG_RELEASE if header.release.is_empty() => header.release = entry.string(store)?,
            TAG_EPOCH if header.epoch.is_none() => header.epoch = Some(entry.int32(store)?),
            TAG_VENDOR if header.vendor.is_empty() => header.vendor = entry.string(store)?,
            TAG_LICENSE if header.license.is_empty() => header.license = entry.string(store)?,
            TAG_ARCH if header.arch.is_empty() => header.arch = entry.string(store)?,
            TAG_SOURCERPM if header.source_rpm.is_empty() => header.source_rpm = entry.string(store)?,
            _ => {}
        }
    }
    if header.name.is_empty() {
        return Err("header has no NAME tag (1000), expected every installed package to have one".to_string());
    }
    Ok(header)
}

/// One index entry, for error messages and typed reads.
struct Entry {
    index: usize,
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

impl Entry {
    /// A STRING value, or the first element of a STRING_ARRAY / I18NSTRING.
    fn string(&self, store: &[u8]) -> Result<String, String> {
        if !matches!(self.ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) || self.count == 0 {
            return Err(self.describe("a string", store.len()));
        }
        let rest = store
            .get(self.offset as usize..)
            .ok_or_else(|| self.describe("an offset inside the data store", store.len()))?;
        let end =
            rest.iter().position(|&b| b == 0).ok_or_else(|| self.describe("a NUL-terminated string", store.len()))?;
        Ok(String::from_utf8_lossy(rest.get(..end).unwrap_or_default()).into_owned())
    }

    /// The first INT32 value.
    fn int32(&self, store: &[u8]) -> Result<u32, String> {
        if self.ty != TYPE_INT32 || self.count == 0 {
            return Err(self.describe("an INT32", store.len()));
        }
        be_u32(store, self.offset as usize).ok_or_else(|| self.describe("an offset inside the data store", store.len()))
    }

    fn describe(&self, expected: &str, store_len: usize) -> String {
        format!(
            "index entry {} (tag {}, type {}, offset {}, count {}) is not valid for a {store_len}-byte data store, expected {expected}",
            self.index, self.tag, self.ty, self.offset, self.count
        )
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(raw))
}

/// Builds header blobs for tests (here and in the database readers).
#[cfg(test)]
pub(crate) mod build {
    /// A header with these tags: strings for everything but EPOCH (1003), which is INT32.
    pub(crate) fn header(tags: &[(u32, &str)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for &(tag, value) in tags {
            let (ty, offset) = if tag == super::TAG_EPOCH {
                while store.len() % 4 != 0 {
                    store.push(0);
                }
                let offset = store.len();
                store.extend_from_slice(&value.parse::<u32>().unwrap_or_default().to_be_bytes());
                (super::TYPE_INT32, offset)
            } else {
                let offset = store.len();
                store.extend_from_slice(value.as_bytes());
                store.push(0);
                (super::TYPE_STRING, offset)
            };
            for field in [tag, ty, offset as u32, 1] {
                index.extend_from_slice(&field.to_be_bytes());
            }
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(tags.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&store);
        blob
    }

    /// A typical package header.
    pub(crate) fn package(
        name: &str,
        version: &str,
        release: &str,
        epoch: Option<&str>,
        arch: &str,
        srpm: &str,
    ) -> Vec<u8> {
        let mut tags = vec![(1000, name), (1001, version), (1002, release), (1022, arch), (1044, srpm), (1014, "MIT")];
        if let Some(epoch) = epoch {
            tags.push((1003, epoch));
        }
        header(&tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_tags() {
        let blob = build::package("bash", "5.1.8", "6.el9", Some("1"), "x86_64", "bash-5.1.8-6.el9.src.rpm");
        let header = parse_header(&blob).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            header,
            RpmHeader {
                name: "bash".into(),
                version: "5.1.8".into(),
                release: "6.el9".into(),
                epoch: Some(1),
                arch: "x86_64".into(),
                source_rpm: "bash-5.1.8-6.el9.src.rpm".into(),
                license: "MIT".into(),
                vendor: String::new(),
            }
        );
    }

    #[test]
    fn rejects_bad_headers() {
        let err = |blob: &[u8]| parse_header(blob).err().unwrap_or_default();
        assert_eq!(err(b"\0\0\0"), "header is 3 bytes, expected at least 8");
        assert_eq!(err(&[0, 0, 0, 0, 0, 0, 0, 0]), "header declares 0 index entries, expected 1 to 65535");
        assert!(err(&[0, 1, 0, 0, 0, 0, 0, 0]).starts_with("header declares 65536 index entries"));
        assert!(err(&[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]).starts_with("header declares a 4294967295-byte data store"));
        assert!(err(&[0, 0, 0, 2, 0, 0, 0, 1]).ends_with("but the blob is 8 bytes"));
        assert_eq!(
            err(&build::header(&[(1001, "1.0")])),
            "header has no NAME tag (1000), expected every installed package to have one"
        );

        // NAME pointing past the data store.
        let mut blob = build::header(&[(1000, "x")]);
        blob[16..20].copy_from_slice(&100u32.to_be_bytes());
        assert!(err(&blob).contains("expected an offset inside the data store"), "{}", err(&blob));
        // NAME without its terminating NUL.
        let mut blob = build::header(&[(1000, "x")]);
        blob.pop();
        blob[4..8].copy_from_slice(&1u32.to_be_bytes());
        assert!(err(&blob).contains("expected a NUL-terminated string"), "{}", err(&blob));
        // EPOCH typed as a string.
        let blob = build::header(&[(1000, "x"), (1003, "")]);
        let mut bad = blob.clone();
        bad[28..32].copy_from_slice(&TYPE_STRING.to_be_bytes());
        assert!(parse_header(&blob).is_ok());
        assert!(err(&bad).contains("expected an INT32"), "{}", err(&bad));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_blobs_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1024)) {
            let _ = parse_header(&bytes);
        }

        #[test]
        fn arbitrary_entries_never_panic(
            entries in proptest::collection::vec((995u32..1050, 0u32..10, 0u32..80, 0u32..3), 1..12),
            store in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let mut blob = Vec::new();
            blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
            blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
            for (tag, ty, offset, count) in &entries {
                for field in [tag, ty, offset, count] {
                    blob.extend_from_slice(&field.to_be_bytes());
                }
            }
            blob.extend_from_slice(&store);
            if let Ok(header) = parse_header(&blob) {
                // Lossy UTF-8 decoding may turn one byte into a three-byte replacement character.
                proptest::prop_assert!(header.name.chars().count() <= store.len());
            }
        }
    }
}
