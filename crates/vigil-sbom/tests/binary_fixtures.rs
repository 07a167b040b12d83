//! Builders of the small executables and archives the binary catalogers' tests read: ELF files
//! written byte by byte (so 32-bit, big-endian and section-less layouts are possible), Mach-O
//! and PE files through `object`'s writers, zip files through `zip`'s writer. Go, cargo
//! auditable and Maven are not available here, so the embedded data follows their formats by
//! hand (Go `debug/buildinfo`, `auditable-serde`, Maven's `pom.properties`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::ops::Range;

/// Virtual address of the ELF payload.
pub const BASE: u64 = 0x40_0000;

/// The Go build information magic.
pub const GO_MAGIC: &[u8; 14] = b"\xff Go buildinf:";

/// `cmd/go`'s sentinels around the module information.
const INFO_START: &[u8; 16] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
const INFO_END: &[u8; 16] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

/// Module information as `cmd/go` embeds it.
pub fn framed(mod_info: &str) -> Vec<u8> {
    [INFO_START.as_slice(), mod_info.as_bytes(), INFO_END.as_slice()].concat()
}

fn uvarint(mut n: usize, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n & 0x7f) as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A Go 1.18+ build information blob: header, then varint-prefixed version and module info.
pub fn go_inline_blob(version: &str, mod_info: &[u8]) -> Vec<u8> {
    let mut blob = GO_MAGIC.to_vec();
    blob.extend([8, 2]);
    blob.resize(32, 0);
    uvarint(version.len(), &mut blob);
    blob.extend(version.as_bytes());
    uvarint(mod_info.len(), &mut blob);
    blob.extend(mod_info);
    blob.resize(blob.len().next_multiple_of(16), 0);
    blob
}

/// A pre-1.18 payload to load at [`BASE`]: the header points at two Go string headers
/// (address, length) that point at the version and module information bytes.
pub fn go_pointer_payload(is_64: bool, big_endian: bool, version: &str, mod_info: &[u8]) -> Vec<u8> {
    let size = if is_64 { 8 } else { 4 };
    let word = |value: u64, out: &mut Vec<u8>| match (is_64, big_endian) {
        (true, false) => out.extend(value.to_le_bytes()),
        (true, true) => out.extend(value.to_be_bytes()),
        (false, false) => out.extend((value as u32).to_le_bytes()),
        (false, true) => out.extend((value as u32).to_be_bytes()),
    };
    let version_header = 32;
    let mod_header = version_header + 2 * size;
    let version_at = mod_header + 2 * size;
    let mod_at = version_at + version.len();
    let mut payload = GO_MAGIC.to_vec();
    payload.extend([size as u8, u8::from(big_endian)]);
    word(BASE + version_header as u64, &mut payload);
    word(BASE + mod_header as u64, &mut payload);
    payload.resize(32, 0);
    word(BASE + version_at as u64, &mut payload);
    word(version.len() as u64, &mut payload);
    word(BASE + mod_at as u64, &mut payload);
    word(mod_info.len() as u64, &mut payload);
    payload.extend(version.as_bytes());
    payload.extend(mod_info);
    payload
}

/// How to lay out an ELF file.
#[derive(Debug, Clone, Copy)]
pub struct ElfLayout {
    pub is_64: bool,
    pub big_endian: bool,
    /// Without section headers only the program header maps the payload (like `sstrip`).
    pub section_headers: bool,
}

impl ElfLayout {
    pub const X86_64: ElfLayout = ElfLayout { is_64: true, big_endian: false, section_headers: true };
}

struct Bytes {
    out: Vec<u8>,
    is_64: bool,
    big_endian: bool,
}

impl Bytes {
    fn u16(&mut self, v: u16) {
        self.out.extend(if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    fn u32(&mut self, v: u32) {
        self.out.extend(if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    fn u64(&mut self, v: u64) {
        self.out.extend(if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    /// A 32- or 64-bit address or size.
    fn word(&mut self, v: u64) {
        if self.is_64 { self.u64(v) } else { self.u32(v as u32) }
    }
    fn pad_to(&mut self, len: usize) {
        assert!(self.out.len() <= len);
        self.out.resize(len, 0);
    }
}

/// An ELF executable with one writable, non-executable `PT_LOAD` segment mapping `payload` at
/// [`BASE`], and (with section headers) a `PROGBITS` section for each `(name, range of the
/// payload)`.
pub fn elf(layout: ElfLayout, payload: &[u8], sections: &[(&str, Range<usize>)]) -> Vec<u8> {
    let ElfLayout { is_64, big_endian, section_headers } = layout;
    let (ehsize, phentsize, shentsize) = if is_64 { (64u16, 56u16, 64u16) } else { (52, 32, 40) };
    let payload_at = 0x100usize;
    let mut shstrtab = vec![0u8];
    let mut names = Vec::new();
    for (name, _) in sections.iter().map(|(n, r)| (*n, r)).chain([(".shstrtab", &(0..0))]) {
        names.push(shstrtab.len() as u32);
        shstrtab.extend(name.as_bytes());
        shstrtab.push(0);
    }
    let shstrtab_at = payload_at + payload.len();
    let shoff = (shstrtab_at + shstrtab.len()).next_multiple_of(8);
    let shnum = if section_headers { sections.len() as u16 + 2 } else { 0 };

    let mut b = Bytes { out: Vec::new(), is_64, big_endian };
    b.out.extend([0x7f, b'E', b'L', b'F', if is_64 { 2 } else { 1 }, if big_endian { 2 } else { 1 }, 1, 0]);
    b.pad_to(16);
    b.u16(2); // ET_EXEC
    b.u16(match (is_64, big_endian) {
        (true, _) => 62,     // x86-64
        (false, true) => 8,  // MIPS
        (false, false) => 3, // i386
    });
    b.u32(1);
    b.word(BASE); // entry
    b.word(u64::from(ehsize)); // program headers right after the file header
    b.word(if section_headers { shoff as u64 } else { 0 });
    b.u32(0);
    b.u16(ehsize);
    b.u16(phentsize);
    b.u16(1);
    b.u16(shentsize);
    b.u16(shnum);
    b.u16(if section_headers { shnum - 1 } else { 0 });
    assert_eq!(b.out.len(), usize::from(ehsize));

    // PT_LOAD, PF_R | PF_W.
    let (offset, size) = (payload_at as u64, payload.len() as u64);
    if is_64 {
        b.u32(1);
        b.u32(6);
        b.u64(offset);
        b.u64(BASE);
        b.u64(BASE);
        b.u64(size);
        b.u64(size);
        b.u64(16);
    } else {
        for v in [1, offset as u32, BASE as u32, BASE as u32, size as u32, size as u32, 6, 16] {
            b.u32(v);
        }
    }
    b.pad_to(payload_at);
    b.out.extend(payload);
    b.out.extend(&shstrtab);
    if !section_headers {
        return b.out;
    }
    b.pad_to(shoff);
    let header = |b: &mut Bytes, name: u32, ty: u32, flags: u64, addr: u64, offset: usize, size: usize| {
        b.u32(name);
        b.u32(ty);
        b.word(flags);
        b.word(addr);
        b.word(offset as u64);
        b.word(size as u64);
        b.u32(0);
        b.u32(0);
        b.word(1);
        b.word(0);
    };
    header(&mut b, 0, 0, 0, 0, 0, 0);
    for ((_, range), name) in sections.iter().zip(&names) {
        // PROGBITS, SHF_WRITE | SHF_ALLOC.
        header(&mut b, *name, 1, 3, BASE + range.start as u64, payload_at + range.start, range.len());
    }
    header(&mut b, *names.last().unwrap(), 3, 0, 0, shstrtab_at, shstrtab.len());
    b.out
}

/// An ELF executable whose payload is one section.
pub fn elf_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    elf(ElfLayout::X86_64, data, &[(name, 0..data.len())])
}

/// A Mach-O object file with the given `(segment, section, data)` sections.
pub fn macho(sections: &[(&str, &str, &[u8])]) -> Vec<u8> {
    use object::write::Object;
    use object::{Architecture, BinaryFormat, Endianness, SectionKind};
    let mut obj = Object::new(BinaryFormat::MachO, Architecture::Aarch64, Endianness::Little);
    for (segment, section, data) in sections {
        let id = obj.add_section(segment.as_bytes().to_vec(), section.as_bytes().to_vec(), SectionKind::Data);
        obj.append_section_data(id, data, 16);
    }
    obj.write().unwrap()
}

/// A 64-bit PE executable with a `.text` section, a writable `.data` section holding `data`,
/// and the given extra initialized-data sections.
pub fn pe(data: &[u8], extra: &[([u8; 8], &[u8])]) -> Vec<u8> {
    use object::pe;
    use object::write::pe::{NtHeaders, Writer};
    let mut buffer = Vec::new();
    let mut writer = Writer::new(true, 0x1000, 0x200, &mut buffer);
    writer.reserve_dos_header_and_stub();
    writer.reserve_nt_headers(16);
    writer.reserve_section_headers(2 + extra.len() as u16);
    let text = writer.reserve_text_section(16);
    let data_range = writer.reserve_data_section(data.len() as u32, data.len() as u32);
    let extra_ranges: Vec<_> = extra
        .iter()
        .map(|(name, bytes)| {
            let flags = pe::IMAGE_SCN_CNT_INITIALIZED_DATA | pe::IMAGE_SCN_MEM_READ;
            writer.reserve_section(*name, flags, bytes.len() as u32, bytes.len() as u32)
        })
        .collect();
    writer.write_dos_header_and_stub().unwrap();
    writer.write_nt_headers(NtHeaders {
        machine: pe::IMAGE_FILE_MACHINE_AMD64,
        time_date_stamp: 0,
        characteristics: pe::IMAGE_FILE_EXECUTABLE_IMAGE | pe::IMAGE_FILE_LARGE_ADDRESS_AWARE,
        major_linker_version: 3,
        minor_linker_version: 0,
        address_of_entry_point: text.virtual_address,
        image_base: 0x1_4000_0000,
        major_operating_system_version: 6,
        minor_operating_system_version: 1,
        major_image_version: 1,
        minor_image_version: 0,
        major_subsystem_version: 6,
        minor_subsystem_version: 1,
        subsystem: pe::IMAGE_SUBSYSTEM_WINDOWS_CUI,
        dll_characteristics: pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
        size_of_stack_reserve: 0x10_0000,
        size_of_stack_commit: 0x1000,
        size_of_heap_reserve: 0x10_0000,
        size_of_heap_commit: 0x1000,
    });
    writer.write_section_headers();
    writer.write_section(text.file_offset, &[0xc3; 16]);
    writer.write_section(data_range.file_offset, data);
    for (range, (_, bytes)) in extra_ranges.iter().zip(extra) {
        writer.write_section(range.file_offset, bytes);
    }
    buffer
}

/// zlib-compressed bytes, as `cargo auditable` stores its JSON.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A zip file of `(name, contents)` entries, deflated; names ending in `/` are directories.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Deflated)
}

/// A zip file of `(name, contents)` entries stored without compression (as Spring Boot stores
/// its nested JARs).
pub fn zip_stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Stored)
}

fn zip_with(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method).large_file(false);
    for (name, contents) in entries {
        if name.ends_with('/') {
            writer.add_directory(*name, options).unwrap();
        } else {
            writer.start_file(*name, options).unwrap();
            writer.write_all(contents).unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

/// A `pom.properties` as Maven writes it.
pub fn pom_properties(group: &str, artifact: &str, version: &str) -> Vec<u8> {
    format!("#Generated by Maven\n#Tue Jan 02 03:04:05 UTC 2024\ngroupId={group}\nartifactId={artifact}\nversion={version}\n")
        .into_bytes()
}
