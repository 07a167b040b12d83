//! rpm's NDB database (`Packages.db`, SUSE; rpm `lib/backend/ndb/rpmpkg.c`), all
//! little-endian:
//!
//! ```text
//! header (32 bytes)  "RpmP", version 0, generation, slot page count, 4 reserved u32
//! slot pages         4096 bytes each, 16-byte slots { "Slot", package index, block offset,
//!                    block count }; the header fills the first two slots
//! blobs              at block offset × 16: { "BlbS", package index, checksum, length },
//!                    then `length` bytes of header blob
//! ```
//!
//! A slot with package index 0 is free. Checksums are not verified (neither does go-rpmdb).

const HEADER_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_MAGIC: &[u8; 4] = b"BlbS";
const SLOT_PAGE_BYTES: usize = 4096;
const SLOT_BYTES: usize = 16;
const BLOCK_BYTES: usize = 16;
/// rpm's sanity limit on slot pages (go-rpmdb uses the same): 2048 pages, 524,286 slots.
const MAX_SLOT_PAGES: u32 = 2048;

/// One stored header blob and where it came from.
pub(crate) struct NdbRecord {
    /// Slot number (0 is the first slot after the header).
    pub(crate) slot: usize,
    pub(crate) package_index: u32,
    pub(crate) blob: Vec<u8>,
}

/// Reads every used slot's blob. Errors name the slot and package index.
pub(crate) fn read_records(data: &[u8]) -> Result<Vec<NdbRecord>, String> {
    if data.get(..4) != Some(&HEADER_MAGIC[..]) {
        return Err("no NDB magic `RpmP` at byte 0".to_string());
    }
    let version = le_u32(data, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(format!("NDB version {version}, expected 0"));
    }
    let slot_pages = le_u32(data, 12).unwrap_or_default();
    if slot_pages == 0 || slot_pages > MAX_SLOT_PAGES {
        return Err(format!("{slot_pages} slot pages, expected 1 to {MAX_SLOT_PAGES}"));
    }
    let slots_end = slot_pages as usize * SLOT_PAGE_BYTES;
    if slots_end > data.len() {
        return Err(format!("{slot_pages} slot pages need {slots_end} bytes, but the file is {} bytes", data.len()));
    }
    // Blobs of a sound file do not overlap, so together they are smaller than the file.
    let mut budget = data.len();
    let mut records = Vec::new();
    for (slot, at) in (2 * SLOT_BYTES..slots_end).step_by(SLOT_BYTES).enumerate() {
        let field = |i: usize| le_u32(data, at + 4 * i).unwrap_or_default();
        if data.get(at..at + 4) != Some(&SLOT_MAGIC[..]) {
            return Err(format!("slot {slot} at byte {at} has no `Slot` magic"));
        }
        let (package_index, block_offset, block_count) = (field(1), field(2), field(3));
        if package_index == 0 {
            continue;
        }
        let at_slot = |message: String| format!("slot {slot} (package {package_index}): {message}");
        // u32 × 16 and the additions below fit a u64; positions past the file are rejected.
        let start = u64::from(block_offset) * BLOCK_BYTES as u64;
        let blob_header = usize::try_from(start)
            .ok()
            .and_then(|s| data.get(s..s.checked_add(BLOCK_BYTES)?))
            .ok_or_else(|| at_slot(format!("blob at byte {start} is beyond the end of the file")))?;
        if blob_header.get(..4) != Some(&BLOB_MAGIC[..]) {
            return Err(at_slot(format!("no `BlbS` magic at byte {start}")));
        }
        if le_u32(blob_header, 4) != Some(package_index) {
            return Err(at_slot(format!(
                "the blob at byte {start} belongs to package {}",
                le_u32(blob_header, 4).unwrap_or_default()
            )));
        }
        let length = le_u32(blob_header, 12).unwrap_or_default();
        if BLOCK_BYTES as u64 + u64::from(length) > u64::from(block_count) * BLOCK_BYTES as u64 {
            return Err(at_slot(format!("blob of {length} bytes does not fit the slot's {block_count} blocks")));
        }
        let blob_start = start + BLOCK_BYTES as u64;
        let blob = usize::try_from(blob_start)
            .ok()
            .zip(usize::try_from(blob_start + u64::from(length)).ok())
            .and_then(|(from, to)| data.get(from..to))
            .ok_or_else(|| at_slot(format!("blob of {length} bytes at byte {start} runs past the end of the file")))?;
        budget = budget
            .checked_sub(blob.len())
            .ok_or_else(|| at_slot("blobs add up to more bytes than the file holds".to_string()))?;
        records.push(NdbRecord { slot, package_index, blob: blob.to_vec() });
    }
    Ok(records)
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(raw))
}

/// Builds NDB files for tests.
#[cfg(test)]
pub(crate) mod build {
    /// One slot page; `blobs[i]` is package i+1.
    pub(crate) fn database(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut data = vec![0u8; super::SLOT_PAGE_BYTES];
        data[..4].copy_from_slice(super::HEADER_MAGIC);
        data[12..16].copy_from_slice(&1u32.to_le_bytes());
        for slot in 0..(super::SLOT_PAGE_BYTES / 16 - 2) {
            let at = 32 + slot * 16;
            data[at..at + 4].copy_from_slice(super::SLOT_MAGIC);
        }
        for (i, blob) in blobs.iter().enumerate() {
            let block = (data.len() / 16) as u32;
            let blocks = (16 + blob.len()).div_ceil(16) as u32;
            let at = 32 + i * 16;
            data[at + 4..at + 8].copy_from_slice(&(i as u32 + 1).to_le_bytes());
            data[at + 8..at + 12].copy_from_slice(&block.to_le_bytes());
            data[at + 12..at + 16].copy_from_slice(&blocks.to_le_bytes());
            data.extend_from_slice(super::BLOB_MAGIC);
            data.extend_from_slice(&(i as u32 + 1).to_le_bytes());
            data.extend_from_slice(&0u32.to_le_bytes());
            data.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            data.extend_from_slice(blob);
            data.resize(data.len().div_ceil(16) * 16, 0);
        }
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_used_slots() {
        let blobs = vec![b"first".to_vec(), vec![9; 100]];
        let records = read_records(&build::database(&blobs)).unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<_> = records.iter().map(|r| (r.slot, r.package_index, r.blob.clone())).collect();
        assert_eq!(got, [(0, 1, blobs[0].clone()), (1, 2, blobs[1].clone())]);
    }

    #[test]
    fn rejects_broken_files() {
        let err = |data: &[u8]| read_records(data).err().unwrap_or_default();
        assert_eq!(err(b"SQLite format 3\0"), "no NDB magic `RpmP` at byte 0");
        let good = build::database(&[b"first".to_vec()]);
        assert_eq!(err(&good[..100]), "1 slot pages need 4096 bytes, but the file is 100 bytes");
        let mut bad_slot = good.clone();
        bad_slot[48..52].copy_from_slice(b"Slat");
        assert_eq!(err(&bad_slot), "slot 1 at byte 48 has no `Slot` magic");
        let mut past_end = good.clone();
        past_end[40..44].copy_from_slice(&100_000u32.to_le_bytes());
        assert_eq!(err(&past_end), "slot 0 (package 1): blob at byte 1600000 is beyond the end of the file");
        let mut wrong_owner = good.clone();
        wrong_owner[4096 + 4..4096 + 8].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(err(&wrong_owner), "slot 0 (package 1): the blob at byte 4096 belongs to package 7");
        let mut too_long = good;
        too_long[4096 + 12..4096 + 16].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(err(&too_long), "slot 0 (package 1): blob of 1000 bytes does not fit the slot's 2 blocks");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..5000)) {
            let mut data = b"RpmP\0\0\0\0\0\0\0\0\x01\0\0\0".to_vec();
            data.extend_from_slice(&bytes);
            let _ = read_records(&data);
            let _ = read_records(&bytes);
        }

        #[test]
        fn mutated_databases_never_panic(flips in proptest::collection::vec((0usize..4300, proptest::num::u8::ANY), 1..16)) {
            let mut db = build::database(&[vec![1; 40], vec![2; 90]]);
            for (at, byte) in flips {
                if let Some(b) = db.get_mut(at) {
                    *b = byte;
                }
            }
            if let Ok(records) = read_records(&db) {
                let total: usize = records.iter().map(|r| r.blob.len()).sum();
                proptest::prop_assert!(total <= db.len());
            }
        }
    }
}
