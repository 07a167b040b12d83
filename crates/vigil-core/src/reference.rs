//! Container image references, read the way Docker and Kubernetes read them.
//!
//! [`ImageReference::parse`] accepts the grammar of the Docker distribution reference
//! (`github.com/distribution/reference`, `reference.go` and `regexp.go`) and normalises the
//! result like its `ParseNormalizedNamed` (`normalize.go`), which is what container runtimes
//! do before pulling: `nginx` means `docker.io/library/nginx`, and `index.docker.io` means
//! `docker.io`. It does not add a default `latest` tag, resolve digests or contact a registry.
//!
//! ```
//! use vigil_core::reference::ImageReference;
//!
//! let image: ImageReference = "nginx:1.25".parse()?;
//! assert_eq!(image.registry(), "docker.io");
//! assert_eq!(image.repository(), "library/nginx");
//! assert_eq!(image.tag(), Some("1.25"));
//! assert_eq!(image.to_string(), "docker.io/library/nginx:1.25");
//! assert_eq!(image.familiar(), "nginx:1.25");
//! # Ok::<(), vigil_core::reference::ReferenceError>(())
//! ```

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// Longest accepted repository path in bytes, counted after normalisation (so including an
/// added `library/`), as distribution/reference's `RepositoryNameTotalLengthMax`.
pub const MAX_REPOSITORY_LEN: usize = 255;

/// Longest accepted input in bytes.
///
/// Docker sets no overall limit; this one bounds the work and the error size on hostile input
/// and is far above any real reference (a 253-byte host, a full-length repository, a 128-byte
/// tag and a sha512 digest together fit in well under 1,000 bytes).
pub const MAX_INPUT_LEN: usize = 4096;

/// Tag grammar `[\w][\w.-]{0,127}` (distribution/reference, regexp.go).
const MAX_TAG_LEN: usize = 128;
/// Registry used when a reference names none (normalize.go `defaultDomain`).
const DEFAULT_REGISTRY: &str = "docker.io";
/// The old Docker Hub index host, normalised to [`DEFAULT_REGISTRY`] (normalize.go).
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
/// Namespace of Docker Hub's official images (normalize.go `officialRepoPrefix`).
const OFFICIAL_PREFIX: &str = "library/";
/// How many characters of the input an error message repeats before eliding the rest.
const SHOWN_MAX_CHARS: usize = 300;
/// How many characters of an over-long input [`ReferenceError::InputTooLong`] keeps.
const INPUT_START_CHARS: usize = 64;

const EXPECTED_SHAPE: &str = "expected `[registry/]repository[:tag][@digest]`";
const EXPECTED_COMPONENT: &str = "expected lowercase letters and digits separated by `.`, `_`, `__` or `-`";

/// A parsed and normalised container image reference: `registry/repository[:tag][@digest]`.
///
/// The registry and repository are always present after normalisation; tag and digest are
/// what the input wrote, if anything (no `latest` is assumed). Equality compares the
/// normalised form, so `nginx` equals `docker.io/library/nginx`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageReference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageReference {
    /// Parses and normalises an image reference such as `nginx`, `ghcr.io/a/b:1.0`,
    /// `localhost:5000/app@sha256:…` or `[::1]:5000/x`.
    ///
    /// The first path component names the registry only when it contains `.` or `:`, is
    /// `localhost`, or has an uppercase letter (Docker's rule); otherwise the registry is
    /// `docker.io`, and a one-component Docker Hub name gets the `library/` namespace.
    /// `index.docker.io` is normalised to `docker.io`.
    ///
    /// # Errors
    ///
    /// Returns a [`ReferenceError`] when the input is empty, longer than [`MAX_INPUT_LEN`],
    /// contains whitespace, is a bare 64-digit hexadecimal image ID, does not match the
    /// grammar, has uppercase letters in the repository path, has a repository path longer
    /// than [`MAX_REPOSITORY_LEN`], or has an invalid tag or digest. Digests must use
    /// `sha256`, `sha384` or `sha512` with exactly 64, 96 or 128 lowercase hexadecimal digits.
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if s.len() > MAX_INPUT_LEN {
            return Err(ReferenceError::InputTooLong {
                start: s.chars().take(INPUT_START_CHARS).collect(),
                len: s.len(),
            });
        }
        if s.chars().any(char::is_whitespace) {
            return Err(invalid(s, "contains whitespace, expected none".to_owned()));
        }
        // normalize.go rejects a bare image ID, so that it is not mistaken for
        // `docker.io/library/<id>`.
        if is_image_id(s) {
            return Err(invalid(s, "is a 64-digit hexadecimal image ID, expected a repository name".to_owned()));
        }

        // Neither a name nor a tag may contain `@`, and a tag may contain neither `:` nor `/`.
        let (name_and_tag, digest) = match s.split_once('@') {
            Some((name_and_tag, digest)) => (name_and_tag, Some(digest)),
            None => (s, None),
        };
        let (name, tag) = match name_and_tag.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
            _ => (name_and_tag, None),
        };
        if name.is_empty() {
            return Err(invalid(s, format!("repository name is missing, {EXPECTED_SHAPE}")));
        }

        let (registry, repository) = split_name(s, name)?;
        if let Some(tag) = tag {
            check_tag(s, tag)?;
        }
        if let Some(digest) = digest {
            check_digest(s, digest)?;
        }
        Ok(ImageReference { registry, repository, tag: tag.map(str::to_owned), digest: digest.map(str::to_owned) })
    }

    /// The registry host, with its port when one was written: `docker.io`, `ghcr.io`,
    /// `localhost:5000`, `[::1]:5000`. Docker Hub is always `docker.io`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry, e.g. `library/nginx` for `nginx`; lowercase,
    /// at most [`MAX_REPOSITORY_LEN`] bytes.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag as written (`1.25` in `nginx:1.25`), or `None` when none was written.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest as written (`sha256:` followed by 64 lowercase hexadecimal digits), or
    /// `None` when none was written.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The fully qualified name without tag or digest: `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short form Docker shows: `docker.io/` and a one-level `library/` are left out
    /// (`nginx:1.25`, `bitnami/redis`), other registries are kept (`ghcr.io/a/b@sha256:…`).
    ///
    /// Parsing the result gives back an equal reference. Where dropping a prefix would change
    /// the meaning (a Docker Hub path whose first component looks like a host, or a name that
    /// would read as a bare image ID) the prefix is kept, unlike Docker's `FamiliarString`.
    pub fn familiar(&self) -> String {
        let mut out = String::new();
        let short_path = match self.repository.strip_prefix(OFFICIAL_PREFIX) {
            Some(rest) if !rest.contains('/') => rest,
            _ => self.repository.as_str(),
        };
        let first_component = self.repository.split('/').next().unwrap_or_default();
        if self.registry != DEFAULT_REGISTRY || looks_like_registry(first_component) {
            out.push_str(&self.name());
        } else if self.tag.is_none() && self.digest.is_none() && is_image_id(short_path) {
            out.push_str(&self.repository);
        } else {
            out.push_str(short_path);
        }
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

/// Writes the fully qualified, normalised form `registry/repository[:tag][@digest]`, e.g.
/// `docker.io/library/nginx:1.25`. Parsing it gives back an equal reference.
impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for ImageReference {
    type Err = ReferenceError;

    /// Same as [`ImageReference::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageReference::parse(s)
    }
}

/// Why a string is not a valid image reference.
///
/// Messages start lowercase, repeat the offending input in backticks (control and non-ASCII
/// characters escaped, long inputs elided with `…`) and say what was expected.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[non_exhaustive]
pub enum ReferenceError {
    /// The input is empty.
    #[error("image reference is empty, {EXPECTED_SHAPE}")]
    Empty,
    /// The input is longer than [`MAX_INPUT_LEN`] bytes.
    #[error(
        "image reference `{}…` is {len} bytes long, expected at most {MAX_INPUT_LEN} bytes",
        shown(.start)
    )]
    InputTooLong {
        /// The first characters of the input.
        start: String,
        /// The input's length in bytes.
        len: usize,
    },
    /// The normalised repository path is longer than [`MAX_REPOSITORY_LEN`] bytes.
    #[error(
        "invalid image reference `{}`: repository name is {len} characters long, \
         expected at most {MAX_REPOSITORY_LEN}",
        shown(.reference)
    )]
    TooLong {
        /// The input.
        reference: String,
        /// The length of the normalised repository path in bytes.
        len: usize,
    },
    /// The input does not match the reference grammar.
    #[error("invalid image reference `{}`: {reason}", shown(.reference))]
    InvalidFormat {
        /// The input.
        reference: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// The repository path has uppercase letters.
    #[error(
        "invalid image reference `{}`: repository name `{}` has uppercase letters, expected \
         lowercase (repository names must be lowercase)",
        shown(.reference),
        shown(.repository)
    )]
    UppercaseRepository {
        /// The input.
        reference: String,
        /// The repository path as written.
        repository: String,
    },
    /// The tag does not match `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    #[error(
        "invalid image reference `{}`: tag `{}` is not valid, expected 1 to {MAX_TAG_LEN} \
         letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
        shown(.reference),
        shown(.tag)
    )]
    InvalidTag {
        /// The input.
        reference: String,
        /// The tag as written.
        tag: String,
    },
    /// The digest is malformed or uses an unsupported algorithm.
    #[error(
        "invalid image reference `{}`: digest `{}` is not valid, {reason}",
        shown(.reference),
        shown(.digest)
    )]
    InvalidDigest {
        /// The input.
        reference: String,
        /// The digest as written.
        digest: String,
        /// What was expected.
        reason: String,
    },
}

fn invalid(reference: &str, reason: String) -> ReferenceError {
    ReferenceError::InvalidFormat { reference: reference.to_owned(), reason }
}

/// Escapes characters that could garble a terminal or hide text (control, non-ASCII) and
/// elides long input, so an error message stays one short, honest line.
fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == SHOWN_MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

/// A bare image ID: `[a-f0-9]{64}` (regexp.go `identifier`).
fn is_image_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Docker's test for whether a name's first component is a registry (normalize.go
/// `splitDockerDomain`); uppercase counts because repository paths cannot have it.
fn looks_like_registry(component: &str) -> bool {
    component == "localhost" || component.contains(['.', ':']) || component.bytes().any(|b| b.is_ascii_uppercase())
}

/// Splits a name (no tag, no digest) into normalised registry and repository path.
fn split_name(reference: &str, name: &str) -> Result<(String, String), ReferenceError> {
    let (registry, path) = match name.split_once('/') {
        Some((first, rest)) if looks_like_registry(first) => {
            if !is_registry(first) {
                // An uppercase first component is read as a registry only because paths
                // cannot hold uppercase; if it is no host either, the path is what was meant.
                if first.bytes().any(|b| b.is_ascii_uppercase()) && is_path_component(&first.to_ascii_lowercase()) {
                    return Err(ReferenceError::UppercaseRepository {
                        reference: reference.to_owned(),
                        repository: name.to_owned(),
                    });
                }
                return Err(invalid(
                    reference,
                    format!(
                        "registry `{}` is not a valid host, expected a DNS name, an IPv4 \
                         address or a bracketed IPv6 address, optionally followed by `:<port>`",
                        shown(first)
                    ),
                ));
            }
            let registry = if first == LEGACY_DEFAULT_REGISTRY { DEFAULT_REGISTRY } else { first };
            (registry, rest)
        }
        _ => (DEFAULT_REGISTRY, name),
    };

    check_path(reference, path)?;
    let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
        format!("{OFFICIAL_PREFIX}{path}")
    } else {
        path.to_owned()
    };
    if repository.len() > MAX_REPOSITORY_LEN {
        return Err(ReferenceError::TooLong { reference: reference.to_owned(), len: repository.len() });
    }
    Ok((registry.to_owned(), repository))
}

/// `host[:port]` where host is a domain name or a bracketed IPv6 address (regexp.go
/// `domainAndPort`).
fn is_registry(s: &str) -> bool {
    if let Some(bracketed) = s.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return false;
        };
        // regexp.go allows `[a-fA-F0-9:]+`, which excludes zone IDs and dotted IPv4-mapped
        // forms; also requiring a real IPv6 address rejects garbage such as `[:::]`.
        let port_ok = after.is_empty() || after.strip_prefix(':').is_some_and(is_port);
        return !address.is_empty()
            && address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
            && address.parse::<Ipv6Addr>().is_ok()
            && port_ok;
    }
    match s.split_once(':') {
        Some((host, port)) => is_domain_name(host) && is_port(port),
        None => is_domain_name(s),
    }
}

/// `[0-9]+`, as regexp.go; the value is not range-checked, as Docker does not.
fn is_port(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Dot-separated components, each alphanumeric with inner `-` (regexp.go `domainName`).
fn is_domain_name(s: &str) -> bool {
    s.split('.').all(|component| {
        !component.is_empty()
            && !component.starts_with('-')
            && !component.ends_with('-')
            && component.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Checks a repository path: `/`-separated path components.
fn check_path(reference: &str, path: &str) -> Result<(), ReferenceError> {
    // Uppercase is reported first, as normalize.go does, since it is the likelier mistake.
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(ReferenceError::UppercaseRepository {
            reference: reference.to_owned(),
            repository: path.to_owned(),
        });
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(invalid(
                reference,
                format!(
                    "repository name `{}` has an empty path component, expected components \
                     separated by a single `/`",
                    shown(path)
                ),
            ));
        }
        if !is_path_component(component) {
            return Err(invalid(
                reference,
                format!("path component `{}` is not valid, {EXPECTED_COMPONENT}", shown(component)),
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*` (regexp.go `pathComponent`).
fn is_path_component(s: &str) -> bool {
    let mut bytes = s.bytes().peekable();
    loop {
        let mut run = 0usize;
        while bytes.next_if(|b| b.is_ascii_lowercase() || b.is_ascii_digit()).is_some() {
            run += 1;
        }
        if run == 0 {
            return false;
        }
        match bytes.next() {
            None => return true,
            Some(b'.') => {}
            Some(b'_') => {
                bytes.next_if_eq(&b'_');
            }
            Some(b'-') => while bytes.next_if_eq(&b'-').is_some() {},
            Some(_) => return false,
        }
    }
}

/// `[\w][\w.-]{0,127}` with ASCII `\w` (regexp.go `tag`).
fn check_tag(reference: &str, tag: &str) -> Result<(), ReferenceError> {
    if tag.is_empty() {
        return Err(invalid(reference, "ends with `:` but no tag follows, expected a tag after `:`".to_owned()));
    }
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut bytes = tag.bytes();
    let valid = tag.len() <= MAX_TAG_LEN
        && bytes.next().is_some_and(is_word)
        && bytes.all(|b| is_word(b) || b == b'.' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ReferenceError::InvalidTag { reference: reference.to_owned(), tag: tag.to_owned() })
    }
}

/// `algorithm:encoded` per regexp.go `digestPat`, then the algorithm and length checks of
/// go-digest, which Docker applies: only `sha256`, `sha384` and `sha512`, lowercase hex.
fn check_digest(reference: &str, digest: &str) -> Result<(), ReferenceError> {
    if digest.is_empty() {
        return Err(invalid(
            reference,
            "ends with `@` but no digest follows, expected `<algorithm>:<hex>` after `@`".to_owned(),
        ));
    }
    let fail = |reason: String| ReferenceError::InvalidDigest {
        reference: reference.to_owned(),
        digest: digest.to_owned(),
        reason,
    };
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return Err(fail("expected `<algorithm>:<hex>`, e.g. `sha256:<64 hex digits>`".to_owned()));
    };
    if !is_digest_algorithm(algorithm) {
        return Err(fail(format!(
            "algorithm `{}` is malformed, expected letters and digits starting with a letter, \
             e.g. `sha256`",
            shown(algorithm)
        )));
    }
    if encoded.len() < 32 || !encoded.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(fail(format!("expected at least 32 hexadecimal digits after `{}:`", shown(algorithm))));
    }
    let expected_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(fail(format!(
                "algorithm `{}` is not supported, expected `sha256`, `sha384` or `sha512`",
                shown(algorithm)
            )));
        }
    };
    let lowercase_hex = encoded.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if encoded.len() != expected_len || !lowercase_hex {
        return Err(fail(format!(
            "found {} characters after `{algorithm}:`, expected exactly {expected_len} \
             lowercase hexadecimal digits",
            encoded.len()
        )));
    }
    Ok(())
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*` (regexp.go `digestPat`).
fn is_digest_algorithm(s: &str) -> bool {
    s.split(['-', '_', '+', '.']).all(|component| {
        let mut bytes = component.bytes();
        bytes.next().is_some_and(|b| b.is_ascii_alphabetic()) && bytes.all(|b| b.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SHA256: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const SHA256_B: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
    const HEX64: &str = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

    /// One valid case: input, registry, repository, tag, digest, familiar form.
    struct Valid {
        input: String,
        registry: &'static str,
        repository: String,
        tag: Option<String>,
        digest: Option<String>,
        familiar: String,
    }

    fn ok(
        input: impl Into<String>,
        registry: &'static str,
        repository: impl Into<String>,
        tag: Option<&str>,
        digest: Option<&str>,
        familiar: impl Into<String>,
    ) -> Valid {
        Valid {
            input: input.into(),
            registry,
            repository: repository.into(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
            familiar: familiar.into(),
        }
    }

    #[rustfmt::skip] // one case a line reads better as a table
    fn valid_cases() -> Vec<Valid> {
        let sha512 = format!("sha512:{}", "f".repeat(128));
        let sha384 = format!("sha384:{}", "0".repeat(96));
        let long_path = format!("{}a", "a/".repeat(127));
        let tag128 = format!("t{}", "x".repeat(127));
        vec![
            // Docker Hub normalisation (normalize_test.go).
            ok("nginx", "docker.io", "library/nginx", None, None, "nginx"),
            ok("nginx:latest", "docker.io", "library/nginx", Some("latest"), None, "nginx:latest"),
            ok("nginx:1.25", "docker.io", "library/nginx", Some("1.25"), None, "nginx:1.25"),
            ok("library/nginx", "docker.io", "library/nginx", None, None, "nginx"),
            ok("docker.io/nginx", "docker.io", "library/nginx", None, None, "nginx"),
            ok("docker.io/library/nginx", "docker.io", "library/nginx", None, None, "nginx"),
            ok("index.docker.io/library/nginx", "docker.io", "library/nginx", None, None, "nginx"),
            ok("index.docker.io/nginx", "docker.io", "library/nginx", None, None, "nginx"),
            ok("index.docker.io/fooo/bar", "docker.io", "fooo/bar", None, None, "fooo/bar"),
            ok("docker.io/library/redis:latest", "docker.io", "library/redis", Some("latest"), None, "redis:latest"),
            ok("dmcgowan/myapp:latest", "docker.io", "dmcgowan/myapp", Some("latest"), None, "dmcgowan/myapp:latest"),
            ok("library/foo/bar", "docker.io", "library/foo/bar", None, None, "library/foo/bar"),
            ok("store/foo/bar", "docker.io", "store/foo/bar", None, None, "store/foo/bar"),
            ok("other/library", "docker.io", "other/library", None, None, "other/library"),
            ok("ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base", None, None, "ubuntu-12.04-base"),
            ok("test_com/foo", "docker.io", "test_com/foo", None, None, "test_com/foo"),
            // Docker, unlike the spelling of `index.docker.io`, keeps this host as written.
            ok("registry-1.docker.io/library/nginx", "registry-1.docker.io", "library/nginx", None, None, "registry-1.docker.io/library/nginx"),
            ok("docker.io:443/nginx", "docker.io:443", "nginx", None, None, "docker.io:443/nginx"),
            // Registries: localhost, dots, ports, IPv4, IPv6 (reference_test.go).
            ok("localhost/foo", "localhost", "foo", None, None, "localhost/foo"),
            ok("localhost:5000/foo/bar:1", "localhost:5000", "foo/bar", Some("1"), None, "localhost:5000/foo/bar:1"),
            ok("foo.com/bar", "foo.com", "bar", None, None, "foo.com/bar"),
            ok("foo:5000/bar", "foo:5000", "bar", None, None, "foo:5000/bar"),
            ok("test-com:8080/foo", "test-com:8080", "foo", None, None, "test-com:8080/foo"),
            ok("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", None, None, "xn--n3h.com:18080/foo"),
            ok("Foo.Example.COM/bar", "Foo.Example.COM", "bar", None, None, "Foo.Example.COM/bar"),
            ok("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", Some("some-long-tag"), None, "sub-dom1.foo.com/bar/baz/quux:some-long-tag"),
            ok("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", Some("test.example.com"), None, "b.gcr.io/test.example.com/my-app:test.example.com"),
            ok("192.168.1.1/repo", "192.168.1.1", "repo", None, None, "192.168.1.1/repo"),
            ok("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", Some("5050"), None, "192.168.1.1:5000/repo:5050"),
            ok("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase", None, None, "127.0.0.1:8000/private/moonbase"),
            ok("[::1]:5000/x", "[::1]:5000", "x", None, None, "[::1]:5000/x"),
            ok("[2001:db8::1]/repo", "[2001:db8::1]", "repo", None, None, "[2001:db8::1]/repo"),
            ok("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", Some("tag"), None, "[2001:db8:1:2:3:4:5:6]/repo:tag"),
            ok("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", None, None, "[2001:db8::]:5000/repo"),
            ok(format!("[2001:db8::1]:5000/repo:tag@{SHA256}"), "[2001:db8::1]:5000", "repo", Some("tag"), Some(SHA256), format!("[2001:db8::1]:5000/repo:tag@{SHA256}")),
            ok("[FC00::1]:5000/docker", "[FC00::1]:5000", "docker", None, None, "[FC00::1]:5000/docker"),
            // A single component is always a repository, even when it looks like a host;
            // what follows its `:` is a tag (reference_test.go, normalize.go FIXME).
            ok("localhost", "docker.io", "library/localhost", None, None, "localhost"),
            ok("localhost:5000", "docker.io", "library/localhost", Some("5000"), None, "localhost:5000"),
            ok("test.com:5000", "docker.io", "library/test.com", Some("5000"), None, "test.com:5000"),
            ok("192.168.1.1", "docker.io", "library/192.168.1.1", None, None, "192.168.1.1"),
            ok("192.168.1.1:5000", "docker.io", "library/192.168.1.1", Some("5000"), None, "192.168.1.1:5000"),
            ok("foo_bar.com:8080", "docker.io", "library/foo_bar.com", Some("8080"), None, "foo_bar.com:8080"),
            ok("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", Some("8080"), None, "foo/foo_bar.com:8080"),
            // A Docker Hub path whose first component looks like a host keeps `docker.io/` in
            // its familiar form, so that it does not read back as another registry.
            ok("docker.io/foo.com/bar", "docker.io", "foo.com/bar", None, None, "docker.io/foo.com/bar"),
            ok("docker.io/localhost/bar", "docker.io", "localhost/bar", None, None, "docker.io/localhost/bar"),
            // An uppercase first component is read as a registry (normalize.go).
            ok("Foo/bar", "Foo", "bar", None, None, "Foo/bar"),
            ok("FOO/bar", "FOO", "bar", None, None, "FOO/bar"),
            ok("Docker/docker", "Docker", "docker", None, None, "Docker/docker"),
            // Digests, and tag plus digest.
            ok(format!("ghcr.io/a/b@{SHA256}"), "ghcr.io", "a/b", None, Some(SHA256), format!("ghcr.io/a/b@{SHA256}")),
            ok(format!("a/b:tag@{SHA256}"), "docker.io", "a/b", Some("tag"), Some(SHA256), format!("a/b:tag@{SHA256}")),
            ok(format!("redis@{SHA256_B}"), "docker.io", "library/redis", None, Some(SHA256_B), format!("redis@{SHA256_B}")),
            ok(format!("busybox:latest@{SHA256_B}"), "docker.io", "library/busybox", Some("latest"), Some(SHA256_B), format!("busybox:latest@{SHA256_B}")),
            ok(format!("test:5000/repo:tag@{SHA256}"), "test:5000", "repo", Some("tag"), Some(SHA256), format!("test:5000/repo:tag@{SHA256}")),
            ok(format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}"), "xn--7o8h.com", "myimage", Some("xn--7o8h.com"), Some(&sha512), format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}")),
            ok(format!("foo@{sha384}"), "docker.io", "library/foo", None, Some(&sha384), format!("foo@{sha384}")),
            // Tags.
            ok("lowercase:Uppercase", "docker.io", "library/lowercase", Some("Uppercase"), None, "lowercase:Uppercase"),
            ok("nginx:_private", "docker.io", "library/nginx", Some("_private"), None, "nginx:_private"),
            ok("nginx:1.2-3_4.RC", "docker.io", "library/nginx", Some("1.2-3_4.RC"), None, "nginx:1.2-3_4.RC"),
            ok(format!("nginx:{tag128}"), "docker.io", "library/nginx", Some(&tag128), None, format!("nginx:{tag128}")),
            // Path component separators (normalize_test.go).
            ok("docker---rules/docker", "docker.io", "docker---rules/docker", None, None, "docker---rules/docker"),
            ok("dock__er/docker", "docker.io", "dock__er/docker", None, None, "dock__er/docker"),
            ok("a_b__c-d--e/x", "docker.io", "a_b__c-d--e/x", None, None, "a_b__c-d--e/x"),
            ok("ghcr.io/a.b_c__d-e--f/x", "ghcr.io", "a.b_c__d-e--f/x", None, None, "ghcr.io/a.b_c__d-e--f/x"),
            ok("d/docker", "docker.io", "d/docker", None, None, "d/docker"),
            ok("jess/t", "docker.io", "jess/t", None, None, "jess/t"),
            // Hexadecimal names: only a bare 64-digit ID is refused.
            ok(format!("docker.io/{HEX64}"), "docker.io", format!("library/{HEX64}"), None, None, format!("library/{HEX64}")),
            ok(format!("{HEX64}:tag"), "docker.io", format!("library/{HEX64}"), Some("tag"), None, format!("{HEX64}:tag")),
            ok(&HEX64[..63], "docker.io", format!("library/{}", &HEX64[..63]), None, None, &HEX64[..63]),
            // Length limits: exactly at the maximum.
            ok(format!("{long_path}:tag-puts-this-over-max"), "docker.io", long_path.clone(), Some("tag-puts-this-over-max"), None, format!("{long_path}:tag-puts-this-over-max")),
            ok("b".repeat(247), "docker.io", format!("library/{}", "b".repeat(247)), None, None, "b".repeat(247)),
            ok(format!("ghcr.io/{}", "c".repeat(255)), "ghcr.io", "c".repeat(255), None, None, format!("ghcr.io/{}", "c".repeat(255))),
        ]
    }

    #[test]
    fn valid_references() {
        let cases = valid_cases();
        for case in &cases {
            let input = case.input.as_str();
            let image = ImageReference::parse(input).unwrap_or_else(|e| panic!("`{input}` should parse, got: {e}"));
            assert_eq!(image.registry(), case.registry, "registry of `{input}`");
            assert_eq!(image.repository(), case.repository, "repository of `{input}`");
            assert_eq!(image.tag(), case.tag.as_deref(), "tag of `{input}`");
            assert_eq!(image.digest(), case.digest.as_deref(), "digest of `{input}`");
            assert_eq!(image.name(), format!("{}/{}", case.registry, case.repository));
            assert_eq!(image.familiar(), case.familiar, "familiar form of `{input}`");

            let mut full = image.name();
            if let Some(tag) = &case.tag {
                full = format!("{full}:{tag}");
            }
            if let Some(digest) = &case.digest {
                full = format!("{full}@{digest}");
            }
            assert_eq!(image.to_string(), full, "display of `{input}`");

            // Both printed forms read back as the same reference.
            assert_eq!(ImageReference::parse(&image.to_string()), Ok(image.clone()));
            assert_eq!(ImageReference::parse(&image.familiar()), Ok(image.clone()));
            assert_eq!(input.parse::<ImageReference>(), Ok(image));
        }
        assert!(cases.len() >= 60, "table shrank to {}", cases.len());
    }

    /// What kind of error an invalid input must give.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Empty,
        InputTooLong,
        TooLong,
        Format,
        Uppercase,
        Tag,
        Digest,
    }

    fn kind(error: &ReferenceError) -> Kind {
        match error {
            ReferenceError::Empty => Kind::Empty,
            ReferenceError::InputTooLong { .. } => Kind::InputTooLong,
            ReferenceError::TooLong { .. } => Kind::TooLong,
            ReferenceError::InvalidFormat { .. } => Kind::Format,
            ReferenceError::UppercaseRepository { .. } => Kind::Uppercase,
            ReferenceError::InvalidTag { .. } => Kind::Tag,
            ReferenceError::InvalidDigest { .. } => Kind::Digest,
        }
    }

    fn invalid_cases() -> Vec<(String, Kind)> {
        use Kind::*;
        let s = |v: &str| v.to_owned();
        vec![
            (s(""), Empty),
            ("x".repeat(MAX_INPUT_LEN + 1), InputTooLong),
            // Uppercase repository paths (reference_test.go, normalize_test.go).
            (s("Nginx"), Uppercase),
            (s("Uppercase:tag"), Uppercase),
            (s("docker/Docker"), Uppercase),
            (s("docker.io/docker/Docker"), Uppercase),
            (s("test:5000/Uppercase/lowercase:tag"), Uppercase),
            (s("Foo_Bar/baz"), Uppercase),
            (format!("NGINX@{SHA256}"), Uppercase),
            // Missing or dangling parts.
            (s("nginx:"), Format),
            (s("nginx@"), Format),
            (s(":tag"), Format),
            (s(":justtag"), Format),
            (format!("@{SHA256}"), Format),
            (s(":"), Format),
            (s("@"), Format),
            (s("/"), Format),
            // Path components.
            (s("a//b"), Format),
            (s("docker///docker"), Format),
            (s("docker.io/docker///docker"), Format),
            (s("docker/"), Format),
            (s("/docker"), Format),
            (s("localhost:5000/"), Format),
            (s("-a/b"), Format),
            (s("-docker"), Format),
            (s("-docker/docker"), Format),
            (s("docker-/docker"), Format),
            (s("-docker-/docker"), Format),
            (s("____/____"), Format),
            (s("_docker/_docker"), Format),
            (s("dock..er/docker"), Format),
            (s("dock_.er/docker"), Format),
            (s("dock-.er/docker"), Format),
            (s("a___b"), Format),
            (s("aa/asdf$$^/aa"), Format),
            (s("nginx:a:b"), Format),
            (s("\u{c4}bc"), Format),
            (s("caf\u{e9}"), Format),
            // Garbage and path tricks.
            (s(".."), Format),
            (s("../etc/passwd"), Format),
            (s("./nginx"), Format),
            (s("https://github.com/docker/docker"), Format),
            (s("nginx\u{0}"), Format),
            (s("nginx\u{1b}[31m"), Format),
            // Whitespace.
            (s(" nginx"), Format),
            (s("nginx "), Format),
            (s("ngi nx"), Format),
            (s("nginx\n"), Format),
            (s("\t"), Format),
            (s("nginx:1.25 "), Format),
            // Registries.
            (s("-docker.io/docker/docker"), Format),
            (s("foo_bar.com/baz"), Format),
            (s("foo..com/bar"), Format),
            (s("foo.com:/bar"), Format),
            (s("foo.com:abc/bar"), Format),
            (s("foo.com:5000:6000/bar"), Format),
            (s("fc00::1:5000/debian"), Format),
            (s("[fc00::1]"), Format),
            (s("[fc00::1]:5000"), Format),
            (s("[2001:db8::1]:tag"), Format),
            (s("[fe80::1%eth0]:5000/debian"), Format),
            (s("[fe80::1%@invalidzone]:5000/repo"), Format),
            (s("[2001:db8:3:4::192.0.2.33]:5000/debian"), Format),
            (s("[::1/x"), Format),
            (s("[]/x"), Format),
            (s("[:::]/x"), Format),
            (s("[::1]x/y"), Format),
            // A bare image ID is not a name (normalize_test.go).
            (s(HEX64), Format),
            // Tags.
            (s("nginx:-tag"), Tag),
            (s("nginx:.tag"), Tag),
            (s("nginx:ta$g"), Tag),
            (s("nginx:ta+g"), Tag),
            (format!("nginx:t{}", "x".repeat(128)), Tag),
            // Digests.
            (s("nginx@sha256:abc"), Digest),
            (s("repo@sha256:ffffffffffffffffffffffffffffffffff"), Digest),
            (format!("nginx@sha256:{}", "F".repeat(64)), Digest),
            (format!("nginx@sha256:{}", "f".repeat(65)), Digest),
            (format!("nginx@sha256:{}", "f".repeat(63)), Digest),
            (format!("nginx@sha256:{}g", "f".repeat(63)), Digest),
            (format!("nginx@sha512:{}", "f".repeat(64)), Digest),
            (format!("nginx@SHA256:{}", "f".repeat(64)), Digest),
            (format!("validname@invaliddigest:{}", "f".repeat(64)), Digest),
            (format!("nginx@md5:{}", "f".repeat(32)), Digest),
            (format!("nginx@sha256+b64:{}", "f".repeat(64)), Digest),
            (format!("nginx@1sha:{}", "f".repeat(64)), Digest),
            (format!("nginx@sha--256:{}", "f".repeat(64)), Digest),
            (format!("nginx@:{}", "f".repeat(64)), Digest),
            (s("nginx@sha256"), Digest),
            (format!("nginx@{SHA256}@{SHA256}"), Digest),
            (format!("nginx@{SHA256}:tag"), Digest),
            // Repository length, counted after normalisation (reference_test.go).
            (format!("{}a:tag", "a/".repeat(128)), TooLong),
            ("b".repeat(248), TooLong),
            ("b".repeat(300), TooLong),
            (format!("ghcr.io/{}", "c".repeat(256)), TooLong),
        ]
    }

    #[test]
    fn invalid_references() {
        let cases = invalid_cases();
        for (input, expected) in &cases {
            let error = match ImageReference::parse(input) {
                Ok(image) => panic!("`{input}` should be refused, parsed as `{image}`"),
                Err(error) => error,
            };
            assert_eq!(kind(&error), *expected, "error for `{}`: {error}", input.escape_debug());
            assert_message_shape(input, &error);
        }
        assert!(cases.len() >= 90, "table shrank to {}", cases.len());
    }

    /// Lowercase start, one line, no final period, the input shown in backticks, an
    /// `expected`, and no raw control characters.
    fn assert_message_shape(input: &str, error: &ReferenceError) {
        let message = error.to_string();
        assert!(message.starts_with(|c: char| c.is_ascii_lowercase()), "{message}");
        assert!(!message.ends_with('.'), "{message}");
        assert!(message.contains("expected"), "{message}");
        assert!(!message.chars().any(char::is_control), "{}", message.escape_debug());
        assert!(message.chars().count() < 1200, "message too long: {message}");
        if !matches!(error, ReferenceError::Empty | ReferenceError::InputTooLong { .. }) {
            let shown_input = format!("`{}`", shown(input));
            assert!(message.contains(&shown_input), "{message} lacks {shown_input}");
        }
    }

    #[test]
    fn messages() {
        let message = |s: &str| ImageReference::parse(s).unwrap_err().to_string();
        assert_eq!(
            message("Nginx"),
            "invalid image reference `Nginx`: repository name `Nginx` has uppercase letters, \
             expected lowercase (repository names must be lowercase)"
        );
        assert_eq!(
            message("nginx:"),
            "invalid image reference `nginx:`: ends with `:` but no tag follows, expected a tag \
             after `:`"
        );
        assert_eq!(
            message("a//b"),
            "invalid image reference `a//b`: repository name `a//b` has an empty path \
             component, expected components separated by a single `/`"
        );
        assert_eq!(
            message("-a/b"),
            "invalid image reference `-a/b`: path component `-a` is not valid, expected \
             lowercase letters and digits separated by `.`, `_`, `__` or `-`"
        );
        assert_eq!(
            message("nginx@sha256:abc"),
            "invalid image reference `nginx@sha256:abc`: digest `sha256:abc` is not valid, \
             expected at least 32 hexadecimal digits after `sha256:`"
        );
        assert_eq!(
            message(&format!("nginx@md5:{}", "0".repeat(32))),
            format!(
                "invalid image reference `nginx@md5:{0}`: digest `md5:{0}` is not valid, \
                 algorithm `md5` is not supported, expected `sha256`, `sha384` or `sha512`",
                "0".repeat(32)
            )
        );
        assert_eq!(
            message("nginx:-x"),
            "invalid image reference `nginx:-x`: tag `-x` is not valid, expected 1 to 128 \
             letters, digits, `_`, `.` or `-`, not starting with `.` or `-`"
        );
        assert_eq!(
            message(&"b".repeat(248)),
            format!(
                "invalid image reference `{}`: repository name is 256 characters long, expected \
                 at most 255",
                "b".repeat(248)
            )
        );
        assert_eq!(message(""), "image reference is empty, expected `[registry/]repository[:tag][@digest]`");
        assert_eq!(
            message(&"x".repeat(5000)),
            format!("image reference `{}…` is 5000 bytes long, expected at most 4096 bytes", "x".repeat(64))
        );
        // Control characters are escaped, never echoed raw.
        assert_eq!(
            message("a\u{1b}[2mb"),
            "invalid image reference `a\\u{1b}[2mb`: path component `a\\u{1b}[2mb` is not valid, \
             expected lowercase letters and digits separated by `.`, `_`, `__` or `-`"
        );
    }

    #[test]
    fn errors_keep_the_input() {
        assert_eq!(
            ImageReference::parse("Nginx:1"),
            Err(ReferenceError::UppercaseRepository {
                reference: "Nginx:1".to_owned(),
                repository: "Nginx".to_owned(),
            })
        );
        assert_eq!(
            ImageReference::parse("nginx:-1"),
            Err(ReferenceError::InvalidTag { reference: "nginx:-1".to_owned(), tag: "-1".to_owned() })
        );
        assert_eq!(
            ImageReference::parse(&"z".repeat(MAX_INPUT_LEN + 10)),
            Err(ReferenceError::InputTooLong { start: "z".repeat(INPUT_START_CHARS), len: MAX_INPUT_LEN + 10 })
        );
    }

    #[test]
    fn equality_is_on_the_normalised_form() {
        let a = ImageReference::parse("nginx").unwrap();
        let b = ImageReference::parse("index.docker.io/library/nginx").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, ImageReference::parse("nginx:latest").unwrap());
        assert_ne!(a, ImageReference::parse("registry-1.docker.io/library/nginx").unwrap());
    }

    #[test]
    fn path_component_grammar() {
        for good in ["a", "0", "a.b", "a_b", "a__b", "a-b", "a---b", "a.b-c_d__e", "1.0"] {
            assert!(is_path_component(good), "`{good}` should be a path component");
        }
        for bad in ["", ".", "a.", ".a", "a..b", "a._b", "a___b", "_a", "a_", "-a", "a-", "A", "a/b", "a:b"] {
            assert!(!is_path_component(bad), "`{bad}` should not be a path component");
        }
    }

    #[test]
    fn registry_grammar() {
        for good in
            ["localhost", "a.b", "a-b.c", "a:1", "1.2.3.4:65535", "[::1]", "[::1]:5000", "[a:B::c]", "XN--N3H.COM"]
        {
            assert!(is_registry(good), "`{good}` should be a registry");
        }
        for bad in [
            "",
            ".",
            "a.",
            ".a",
            "-a.b",
            "a-.b",
            "a_b.c",
            "a:",
            ":1",
            "a:b",
            "a:1:2",
            "[::1",
            "[::1]:",
            "[::1]5000",
            "[g::1]",
            "[::ffff:1.2.3.4]",
        ] {
            assert!(!is_registry(bad), "`{bad}` should not be a registry");
        }
    }

    /// Deterministic xorshift64 generator, so failures reproduce without a seed file.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }
    }

    /// Inputs that are mostly reference-shaped (so the fuzzing reaches deep checks) with
    /// arbitrary bytes mixed in; never panics, and anything accepted prints and reparses.
    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "a",
            "z",
            "0",
            "9",
            "A",
            "Z",
            "f",
            ".",
            "-",
            "_",
            "__",
            "/",
            ":",
            "@",
            "[",
            "]",
            "::1",
            "localhost",
            "docker.io",
            "index.docker.io",
            "library/",
            "ghcr.io",
            ":5000",
            "sha256:",
            "sha512:",
            "md5:",
            "ffffffffffffffffffffffffffffffff",
            HEX64,
            " ",
            "\u{0}",
            "\u{e9}",
        ];
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0usize;
        for round in 0..5000 {
            let input = if round % 5 == 0 {
                // Raw bytes, made into a string the lossy way a caller reading a file would.
                let len = rng.below(64);
                let bytes: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                let pieces = rng.below(if round % 97 == 0 { 600 } else { 16 });
                (0..pieces).map(|_| PIECES[rng.below(PIECES.len())]).collect()
            };
            match ImageReference::parse(&input) {
                Ok(image) => {
                    accepted += 1;
                    let full = image.to_string();
                    assert!(full.len() <= input.len() + "docker.io/library/".len(), "{input:?}");
                    assert!(image.repository().len() <= MAX_REPOSITORY_LEN);
                    assert_eq!(ImageReference::parse(&full), Ok(image.clone()), "{input:?}");
                    assert_eq!(ImageReference::parse(&image.familiar()), Ok(image), "{input:?}");
                }
                Err(error) => {
                    let message = error.to_string();
                    assert!(message.starts_with(|c: char| c.is_ascii_lowercase()), "{message}");
                    assert!(!message.chars().any(char::is_control), "{}", message.escape_debug());
                    assert!(message.chars().count() < 1200, "{input:?}");
                }
            }
        }
        // The generator must reach the success path too, or the round-trip checks are idle.
        assert!(accepted > 100, "only {accepted} generated inputs parsed");
    }
}
