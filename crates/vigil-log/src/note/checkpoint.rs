//! C2SP tlog checkpoints (`c2sp.org/tlog-checkpoint`): the body of a signed note that commits a
//! log to a tree size and root hash.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::{MAX_NOTE_BYTES, NoteError, VerifiedNote, Verifier, check_text_bytes, verify};

/// Most extension lines accepted after the root hash.
pub const MAX_CHECKPOINT_EXTENSIONS: usize = 64;

/// A checkpoint: origin, tree size, SHA-256 root hash, and optional extension lines.
///
/// ```
/// use vigil_log::note::Checkpoint;
/// let text = "example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
/// let checkpoint = Checkpoint::parse(text).unwrap();
/// assert_eq!((checkpoint.size, checkpoint.to_text().as_str()), (2, text));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The origin line: the log's unique identity (a schema-less URL by convention).
    pub origin: String,
    /// The number of entries in the tree.
    pub size: u64,
    /// The RFC 9162 root hash of the tree of `size` entries.
    pub root: [u8; 32],
    /// Extension lines after the root hash, without their newlines (each non-empty).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    ///
    /// # Errors
    /// [`NoteError::MalformedCheckpoint`] when the origin is not a valid line.
    pub fn new(origin: &str, size: u64, root: [u8; 32]) -> Result<Self, NoteError> {
        let checkpoint = Self { origin: origin.to_string(), size, root, extensions: Vec::new() };
        checkpoint.validate()?;
        Ok(checkpoint)
    }

    /// Parses a checkpoint body (a note's text), strictly: a non-empty origin line, the tree
    /// size in decimal without leading zeros, the root hash in canonical base64 (32 bytes), then
    /// up to [`MAX_CHECKPOINT_EXTENSIONS`] non-empty extension lines; every line ends in a
    /// newline.
    ///
    /// # Errors
    /// [`NoteError::MalformedCheckpoint`] naming the line, or [`NoteError::TooLarge`] /
    /// [`NoteError::ControlCharacter`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        if text.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { size: text.len(), max: MAX_NOTE_BYTES });
        }
        check_text_bytes(text.as_bytes())?;
        let bad = |line, reason| NoteError::MalformedCheckpoint { line, reason };
        let body = text.strip_suffix('\n').ok_or(bad(1, "text does not end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(bad(1, "empty origin line"));
        }
        let size = parse_size(lines.next().ok_or(bad(2, "missing tree size line"))?)
            .ok_or(bad(2, "tree size is not a decimal number without leading zeros that fits 64 bits"))?;
        let root = lines.next().ok_or(bad(3, "missing root hash line"))?;
        let root = B64.decode(root).map_err(|_| bad(3, "root hash is not canonical base64"))?;
        let root: [u8; 32] = root.try_into().map_err(|_| bad(3, "root hash is not 32 bytes"))?;
        let mut extensions = Vec::new();
        for (index, line) in lines.enumerate() {
            if index >= MAX_CHECKPOINT_EXTENSIONS {
                return Err(bad(index + 4, "too many extension lines"));
            }
            if line.is_empty() {
                return Err(bad(index + 4, "empty extension line"));
            }
            extensions.push(line.to_string());
        }
        Ok(Self { origin: origin.to_string(), size, root, extensions })
    }

    /// Verifies the signed note `note` with `verifiers` (see [`verify`]) and parses its text as
    /// a checkpoint.
    ///
    /// # Errors
    /// Any [`verify`] or [`Checkpoint::parse`] error.
    pub fn open(note: &[u8], verifiers: &[Verifier]) -> Result<(Self, VerifiedNote), NoteError> {
        let verified = verify(note, verifiers)?;
        let checkpoint = Self::parse(verified.text())?;
        Ok((checkpoint, verified))
    }

    /// Checks what [`Checkpoint::parse`] checks, for a checkpoint built from its fields.
    ///
    /// # Errors
    /// [`NoteError::MalformedCheckpoint`] naming the line.
    pub fn validate(&self) -> Result<(), NoteError> {
        let bad = |line, reason| Err(NoteError::MalformedCheckpoint { line, reason });
        let is_line = |s: &str| !s.is_empty() && check_text_bytes(s.as_bytes()).is_ok() && !s.contains('\n');
        if !is_line(&self.origin) {
            return bad(1, "origin must be one non-empty line without control characters");
        }
        if self.extensions.len() > MAX_CHECKPOINT_EXTENSIONS {
            return bad(4 + MAX_CHECKPOINT_EXTENSIONS, "too many extension lines");
        }
        for (index, line) in self.extensions.iter().enumerate() {
            if !is_line(line) {
                return bad(index + 4, "extension must be one non-empty line without control characters");
            }
        }
        Ok(())
    }

    /// The checkpoint text: origin, size, base64 root hash and extensions, each line ending in
    /// a newline. Call [`Checkpoint::validate`] first for a checkpoint built from its fields.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// A decimal `u64` without sign, leading zeros (except `0` itself) or other characters.
fn parse_size(line: &str) -> Option<u64> {
    let canonical = !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'))
        && line.len() <= 20;
    if canonical { line.parse().ok() } else { None }
}
