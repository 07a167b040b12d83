//! The Berkeley DB hash database rpm used up to 4.16 (`var/lib/rpm/Packages`): header
//! instance number → header blob. Read directly from the file format (Berkeley DB 4–6
//! `dbinc/db_page.h`), without Berkeley DB:
//!
//! * page 0 is the hash metadata page: magic `0x061561` at byte 12 (its byte order is the
//!   database's), page size at 20, last page number at 32;
//! * hash pages (type 13, or 2 in old files) start with a 26-byte header (`entries` at 20) and
//!   an index of `entries` u16 item offsets; items alternate key, data; an item runs from its
//!   offset to the previous item's offset (the page end for the first);
//! * a data item is inline (`H_KEYDATA`, type 1) or points to a chain of overflow pages
//!   (`H_OFFPAGE`, type 3: page number at +4, total length at +8). Overflow pages (type 7)
//!   hold `hf_offset` bytes after their header and link through `next_pgno`.
//!
//! Like go-rpmdb, every hash page is scanned rather than following bucket math. rpm's record
//! with key 0 holds the next instance number, not a header, and is skipped.

/// Berkeley DB hash magic; the btree magic is recognised only to say so.
const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// Hash format versions written by Berkeley DB 3.x to 6.x.
const HASH_VERSIONS: std::ops::RangeInclusive<u32> = 6..=10;

const PAGE_HEADER_BYTES: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// One stored header blob and where it came from.
pub(crate) struct BdbRecord {
    /// Hash page holding the record.
    pub(crate) page: u32,
    /// Index of the data item on that page.
    pub(crate) item: usize,
    pub(crate) blob: Vec<u8>,
}

/// Whether the bytes carry a Berkeley DB hash or btree magic, in either byte order.
pub(crate) fn has_magic(data: &[u8]) -> bool {
    data.get(12..16).and_then(|b| <[u8; 4]>::try_from(b).ok()).is_some_and(|m| {
        [HASH_MAGIC, BTREE_MAGIC].iter().any(|&magic| u32::from_le_bytes(m) == magic || u32::from_be_bytes(m) == magic)
    })
}

/// Reads every key/data pair except rpm's key-0 record. Errors name the page and item.
pub(crate) fn read_records(data: &[u8]) -> Result<Vec<BdbRecord>, String> {
    let db = Db::open(data)?;
    // Each overflow page belongs to one chain in a sound file, so all values together are no
    // larger than the file; more means chains share pages, which only a crafted file does.
    let mut budget = data.len();
    let mut records = Vec::new();
    for pgno in 1..db.pages {
        let page = db.page(pgno).ok_or_else(|| format!("page {pgno} is beyond the end of the file"))?;
        let ty = page.get(25).copied().unwrap_or_default();
        if ty != P_HASH && ty != P_HASH_UNSORTED {
            continue;
        }
        let entries = db.u16(page, 20).unwrap_or_default() as usize;
        let index_end = PAGE_HEADER_BYTES + 2 * entries;
        if index_end > db.page_size || !entries.is_multiple_of(2) {
            return Err(format!(
                "page {pgno}: {entries} items, expected an even number that fits a {}-byte page",
                db.page_size
            ));
        }
        for key_index in (0..entries).step_by(2) {
            let data_index = key_index + 1;
            let key = db.item(page, key_index, index_end).map_err(|e| format!("page {pgno}, item {key_index}: {e}"))?;
            let value =
                db.item(page, data_index, index_end).map_err(|e| format!("page {pgno}, item {data_index}: {e}"))?;
            if key == [H_KEYDATA, 0, 0, 0, 0] {
                continue;
            }
            let blob = match value.split_first() {
                Some((&H_KEYDATA, inline)) => inline.to_vec(),
                Some((&H_OFFPAGE, _)) => {
                    db.overflow(value, budget).map_err(|e| format!("page {pgno}, item {data_index}: {e}"))?
                }
                Some((ty, _)) => {
                    return Err(format!(
                        "page {pgno}, item {data_index}: data item of type {ty}, expected inline (1) or overflow (3) data"
                    ));
                }
                None => return Err(format!("page {pgno}, item {data_index}: empty data item")),
            };
            budget = budget.checked_sub(blob.len()).ok_or_else(|| {
                format!("page {pgno}, item {data_index}: records add up to more bytes than the file holds")
            })?;
            records.push(BdbRecord { page: pgno, item: data_index, blob });
            if records.len() > super::MAX_PACKAGES {
                return Err(format!(
                    "more than {} records, expected at most {}",
                    super::MAX_PACKAGES,
                    super::MAX_PACKAGES
                ));
            }
        }
    }
    Ok(records)
}

/// An opened database: its bytes, byte order and geometry.
struct Db<'a> {
    data: &'a [u8],
    big_endian: bool,
    page_size: usize,
    /// Pages present: the metadata's count, capped by the file length.
    pages: u32,
}

impl<'a> Db<'a> {
    fn open(data: &'a [u8]) -> Result<Self, String> {
        let magic = data.get(12..16).and_then(|b| <[u8; 4]>::try_from(b).ok());
        let big_endian = match magic.map(|m| (u32::from_le_bytes(m), u32::from_be_bytes(m))) {
            Some((HASH_MAGIC, _)) => false,
            Some((_, HASH_MAGIC)) => true,
            Some((BTREE_MAGIC, _) | (_, BTREE_MAGIC)) => {
                return Err("a Berkeley DB btree database, expected rpm's hash database".to_string());
            }
            _ => return Err("no Berkeley DB hash magic (0x061561) at byte 12".to_string()),
        };
        let mut db = Db { data, big_endian, page_size: 0, pages: 0 };
        let meta = data;
        let version = db.u32(meta, 16).unwrap_or_default();
        if !HASH_VERSIONS.contains(&version) {
            return Err(format!(
                "hash format version {version}, expected {}–{}",
                HASH_VERSIONS.start(),
                HASH_VERSIONS.end()
            ));
        }
        let page_size = db.u32(meta, 20).unwrap_or_default();
        if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
            return Err(format!("page size {page_size}, expected a power of two from 512 to 65536"));
        }
        if meta.get(24).copied().unwrap_or_default() != 0 {
            return Err("the database is encrypted, expected a plain rpm database".to_string());
        }
        if meta.get(25).copied() != Some(P_HASHMETA) {
            return Err(format!(
                "page 0 has type {}, expected hash metadata (8)",
                meta.get(25).copied().unwrap_or_default()
            ));
        }
        db.page_size = page_size as usize;
        let last_page = db.u32(meta, 32).unwrap_or_default();
        let in_file = (data.len() / db.page_size) as u64;
        db.pages = (u64::from(last_page) + 1).min(in_file) as u32;
        Ok(db)
    }

    fn page(&self, pgno: u32) -> Option<&'a [u8]> {
        let start = (pgno as usize).checked_mul(self.page_size)?;
        self.data.get(start..start.checked_add(self.page_size)?)
    }

    fn u16(&self, bytes: &[u8], at: usize) -> Option<u16> {
        let raw: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big_endian { u16::from_be_bytes(raw) } else { u16::from_le_bytes(raw) })
    }

    fn u32(&self, bytes: &[u8], at: usize) -> Option<u32> {
        let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) })
    }

    /// Item `index` of a hash page: from its offset up to the previous item's.
    fn item(&self, page: &'a [u8], index: usize, index_end: usize) -> Result<&'a [u8], String> {
        let offset = |i: usize| self.u16(page, PAGE_HEADER_BYTES + 2 * i).map(usize::from).unwrap_or_default();
        let start = offset(index);
        let end = if index == 0 { self.page_size } else { offset(index - 1) };
        if start < index_end || start >= end || end > self.page_size {
            return Err(format!(
                "item spans bytes {start}..{end}, expected a range within {index_end}..{}",
                self.page_size
            ));
        }
        page.get(start..end).ok_or_else(|| "item is outside its page".to_string())
    }

    /// Follows an `H_OFFPAGE` item's chain of overflow pages; `budget` is the most it may hold.
    fn overflow(&self, item: &[u8], budget: usize) -> Result<Vec<u8>, String> {
        let (Some(mut pgno), Some(total)) = (self.u32(item, 4), self.u32(item, 8)) else {
            return Err(format!("overflow reference is {} bytes, expected 12", item.len()));
        };
        let total = total as usize;
        if total > budget {
            return Err(format!("overflow data of {total} bytes, more than the file holds"));
        }
        let mut out = Vec::with_capacity(total);
        let mut steps = 0u32;
        while pgno != 0 {
            // A chain visits each page at most once; more steps means a cycle.
            steps += 1;
            if steps > self.pages {
                return Err(format!("overflow chain of {total} bytes does not end"));
            }
            let page = self.page(pgno).ok_or_else(|| format!("overflow page {pgno} is beyond the end of the file"))?;
            let ty = page.get(25).copied().unwrap_or_default();
            if ty != P_OVERFLOW {
                return Err(format!("page {pgno} has type {ty}, expected an overflow page (7)"));
            }
            let len = usize::from(self.u16(page, 22).unwrap_or_default());
            let chunk = page.get(PAGE_HEADER_BYTES..PAGE_HEADER_BYTES + len).ok_or_else(|| {
                format!("overflow page {pgno} claims {len} bytes, more than a {}-byte page holds", self.page_size)
            })?;
            if chunk.len() > total - out.len() {
                return Err(format!("overflow chain holds more than the {total} bytes its reference declares"));
            }
            out.extend_from_slice(chunk);
            pgno = self.u32(page, 16).unwrap_or_default();
        }
        if out.len() != total {
            return Err(format!("overflow chain holds {} bytes, expected {total}", out.len()));
        }
        Ok(out)
    }
}

/// Builds Berkeley DB hash files for tests.
#[cfg(test)]
pub(crate) mod build {
    /// A little- or big-endian hash database with 512-byte pages holding `values` (key i+1 →
    /// value i) plus rpm's key-0 record. Values over 100 bytes go to overflow chains.
    pub(crate) fn database(values: &[Vec<u8>], big_endian: bool) -> Vec<u8> {
        const PS: usize = 512;
        let u16b = |v: u16| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let u32b = |v: u32| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut pages: Vec<Vec<u8>> = vec![vec![0; PS]];
        // Page 1: the hash page; overflow pages follow.
        pages.push(vec![0; PS]);
        let mut items: Vec<Vec<u8>> = vec![vec![1, 0, 0, 0, 0], [&[1u8][..], &u32b(values.len() as u32 + 1)].concat()];
        for (i, value) in values.iter().enumerate() {
            items.push([&[1u8][..], &((i + 1) as u32).to_le_bytes()].concat());
            if value.len() <= 100 {
                items.push([&[1u8][..], value].concat());
                continue;
            }
            let first = pages.len() as u32;
            let chunks: Vec<&[u8]> = value.chunks(PS - 26).collect();
            for (n, chunk) in chunks.iter().enumerate() {
                let mut page = vec![0; PS];
                page[8..12].copy_from_slice(&u32b(pages.len() as u32));
                let next = if n + 1 < chunks.len() { pages.len() as u32 + 1 } else { 0 };
                page[16..20].copy_from_slice(&u32b(next));
                page[20..22].copy_from_slice(&u16b(1));
                page[22..24].copy_from_slice(&u16b(chunk.len() as u16));
                page[25] = 7;
                page[26..26 + chunk.len()].copy_from_slice(chunk);
                pages.push(page);
            }
            let mut item = vec![3, 0, 0, 0];
            item.extend_from_slice(&u32b(first));
            item.extend_from_slice(&u32b(value.len() as u32));
            items.push(item);
        }
        let hash = &mut pages[1];
        hash[8..12].copy_from_slice(&u32b(1));
        hash[20..22].copy_from_slice(&u16b(items.len() as u16));
        hash[25] = 13;
        let mut end = PS;
        for (i, item) in items.iter().enumerate() {
            let start = end - item.len();
            hash[start..end].copy_from_slice(item);
            hash[26 + 2 * i..28 + 2 * i].copy_from_slice(&u16b(start as u16));
            end = start;
        }
        let last = pages.len() as u32 - 1;
        let meta = &mut pages[0];
        meta[12..16].copy_from_slice(&u32b(0x0006_1561));
        meta[16..20].copy_from_slice(&u32b(9));
        meta[20..24].copy_from_slice(&u32b(PS as u32));
        meta[25] = 8;
        meta[32..36].copy_from_slice(&u32b(last));
        pages.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8]) -> Vec<Vec<u8>> {
        read_records(data).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|r| r.blob).collect()
    }

    #[test]
    fn reads_inline_and_overflow_values_in_both_byte_orders() {
        let long: Vec<u8> = (0..1500u32).map(|i| i as u8).collect();
        let values = vec![b"short".to_vec(), long.clone()];
        for big_endian in [false, true] {
            let db = build::database(&values, big_endian);
            assert_eq!(read(&db), values, "big endian: {big_endian}");
        }
    }

    #[test]
    fn rejects_other_files() {
        let err = |data: &[u8]| read_records(data).err().unwrap_or_default();
        assert_eq!(err(b"this is not a real RPM file"), "no Berkeley DB hash magic (0x061561) at byte 12");
        assert_eq!(err(b"short"), "no Berkeley DB hash magic (0x061561) at byte 12");
        let mut btree = vec![0u8; 512];
        btree[12..16].copy_from_slice(&BTREE_MAGIC.to_le_bytes());
        assert_eq!(err(&btree), "a Berkeley DB btree database, expected rpm's hash database");
        let mut db = build::database(&[vec![7; 300]], false);
        db[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(err(&db), "page size 1000, expected a power of two from 512 to 65536");
    }

    #[test]
    fn rejects_broken_chains() {
        let good = build::database(&[vec![7; 1200]], false);
        let err = |data: &[u8]| read_records(data).err().unwrap_or_default();
        // Overflow page 2 linking back to itself.
        let mut cyclic = good.clone();
        cyclic[2 * 512 + 16..2 * 512 + 20].copy_from_slice(&2u32.to_le_bytes());
        assert!(err(&cyclic).contains("more than the 1200 bytes"), "{}", err(&cyclic));
        // Truncated file: the chain's last page is missing.
        let truncated = &good[..good.len() - 512];
        assert!(err(truncated).contains("beyond the end of the file"), "{}", err(truncated));
        // Overflow pointer to the hash page itself.
        let mut wrong_type = good.clone();
        let item_at = 512 + usize::from(u16::from_le_bytes([good[512 + 32], good[512 + 33]]));
        wrong_type[item_at + 4..item_at + 8].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(err(&wrong_type), "page 1, item 3: page 1 has type 13, expected an overflow page (7)");
        // An item offset inside the index.
        let mut bad_offset = good;
        bad_offset[512 + 26..512 + 28].copy_from_slice(&3u16.to_le_bytes());
        assert!(err(&bad_offset).starts_with("page 1, item 0: item spans bytes 3.."), "{}", err(&bad_offset));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let _ = read_records(&bytes);
        }

        #[test]
        fn mutated_databases_never_panic(flips in proptest::collection::vec((0usize..2560, proptest::num::u8::ANY), 1..16)) {
            let mut db = build::database(&[vec![1; 40], vec![2; 900]], false);
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
