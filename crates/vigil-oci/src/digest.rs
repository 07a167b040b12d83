//! Content digests (`sha256:<hex>`), and readers that verify them while streaming.

use std::io::Read;

use sha2::{Digest as _, Sha256, Sha512};

use crate::Error;

/// A validated content digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parses `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let (alg, hex) = s.split_once(':').ok_or_else(|| Error::InvalidDigest(s.to_string()))?;
        let len = match alg {
            "sha256" => 64,
            "sha512" => 128,
            _ => return Err(Error::InvalidDigest(s.to_string())),
        };
        if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::InvalidDigest(s.to_string()));
        }
        Ok(Digest(s.to_string()))
    }

    /// The digest of `bytes` with SHA-256.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Digest(format!("sha256:{}", hex(&Sha256::digest(bytes))))
    }

    /// `sha256` or `sha512`.
    pub fn algorithm(&self) -> &str {
        self.0.split_once(':').map_or("", |(a, _)| a)
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, h)| h)
    }

    /// The full `alg:hex` string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

/// Hashes everything read through it; [`VerifyingReader::finish`] drains the rest and
/// compares the digest, so a blob is accepted only if all of it matches.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Hasher,
    expected: Digest,
    what: String,
    read: u64,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`, which should yield content with digest `expected`.
    pub fn new(inner: R, expected: Digest, what: impl Into<String>) -> Self {
        let hasher = if expected.algorithm() == "sha512" {
            Hasher::Sha512(Sha512::new())
        } else {
            Hasher::Sha256(Sha256::new())
        };
        VerifyingReader { inner, hasher, expected, what: what.into(), read: 0 }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Reads to the end and checks the digest.
    pub fn finish(mut self) -> Result<u64, Error> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|e| Error::io(&self.what, e))?;
        let actual = match self.hasher {
            Hasher::Sha256(h) => format!("sha256:{}", hex(&h.finalize())),
            Hasher::Sha512(h) => format!("sha512:{}", hex(&h.finalize())),
        };
        if actual != self.expected.as_str() {
            return Err(Error::DigestMismatch { what: self.what, expected: self.expected.to_string(), actual });
        }
        Ok(self.read)
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = buf.get(..n).unwrap_or(&[]);
        match &mut self.hasher {
            Hasher::Sha256(h) => h.update(chunk),
            Hasher::Sha512(h) => h.update(chunk),
        }
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_verify() {
        let d = Digest::sha256_of(b"hello");
        assert_eq!(d.as_str(), "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert!(Digest::parse(d.as_str()).is_ok());
        assert!(Digest::parse("sha256:ABC").is_err());
        assert!(Digest::parse("md5:00").is_err());
        assert_eq!(VerifyingReader::new(&b"hello"[..], d.clone(), "x").finish().unwrap(), 5);
        assert!(matches!(VerifyingReader::new(&b"hellO"[..], d, "x").finish(), Err(Error::DigestMismatch { .. })));
    }
}
