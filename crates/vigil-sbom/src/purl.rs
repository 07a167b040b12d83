//! Package URLs, built per the purl specification
//! (<https://github.com/package-url/purl-spec/blob/master/PURL-SPECIFICATION.rst>).
//!
//! `pkg:type/namespace/name@version?qualifiers#subpath`: the type is lowercase; each namespace
//! segment, the name and the version are percent-encoded (`@` and other reserved characters;
//! `/` is kept between namespace segments only); qualifiers are sorted by key, keys
//! lowercase, values percent-encoded, empty values dropped.

use std::fmt::Write;

/// A package URL under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
    subpath: Option<String>,
}

impl Purl {
    /// `pkg:<ty>/<name>`; add the rest with the builder methods.
    pub fn new(ty: &str, name: &str) -> Self {
        Purl {
            ty: ty.to_ascii_lowercase(),
            namespace: None,
            name: name.to_string(),
            version: None,
            qualifiers: Vec::new(),
            subpath: None,
        }
    }

    /// Sets the namespace (`/`-separated segments, e.g. an npm scope `@angular` or a Maven group).
    #[must_use]
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.trim_matches('/').to_string()).filter(|n| !n.is_empty());
        self
    }

    /// Sets the version (omitted when empty).
    #[must_use]
    pub fn version(mut self, version: &str) -> Self {
        self.version = Some(version.to_string()).filter(|v| !v.is_empty());
        self
    }

    /// Adds a qualifier (omitted when the value is empty).
    #[must_use]
    pub fn qualifier(mut self, key: &str, value: &str) -> Self {
        if !value.is_empty() {
            self.qualifiers.push((key.to_ascii_lowercase(), value.to_string()));
        }
        self
    }

    /// Sets the subpath.
    #[must_use]
    pub fn subpath(mut self, subpath: &str) -> Self {
        self.subpath = Some(subpath.trim_matches('/').to_string()).filter(|s| !s.is_empty());
        self
    }
}

impl std::fmt::Display for Purl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            let segments: Vec<String> = ns.split('/').filter(|s| !s.is_empty()).map(encode).collect();
            write!(f, "{}/", segments.join("/"))?;
        }
        f.write_str(&encode(&self.name))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v))?;
        }
        if !self.qualifiers.is_empty() {
            let mut q = self.qualifiers.clone();
            q.sort();
            let parts: Vec<String> = q.iter().map(|(k, v)| format!("{k}={}", encode_qualifier(v))).collect();
            write!(f, "?{}", parts.join("&"))?;
        }
        if let Some(s) = &self.subpath {
            let segments: Vec<String> =
                s.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..").map(encode).collect();
            write!(f, "#{}", segments.join("/"))?;
        }
        Ok(())
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986 and `:`, as the purl
/// specification's "Character encoding" section requires (so `+` is `%2B`; packageurl-go,
/// used by Syft and Trivy, leaves `+` as is, which the spec does not allow).
fn encode(s: &str) -> String {
    encode_with(s, b"-._~:")
}

/// Qualifier values additionally keep `/` (e.g. `repository_url=repo.example.com/x`).
fn encode_qualifier(s: &str) -> String {
    encode_with(s, b"-._~:/")
}

fn encode_with(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(Purl::new("npm", "wrappy").version("1.0.2").to_string(), "pkg:npm/wrappy@1.0.2");
        assert_eq!(
            Purl::new("npm", "core").namespace("@angular").version("16.0.0").to_string(),
            "pkg:npm/%40angular/core@16.0.0"
        );
        assert_eq!(
            Purl::new("deb", "curl")
                .namespace("debian")
                .version("7.50.3-1")
                .qualifier("arch", "i386")
                .qualifier("distro", "jessie")
                .to_string(),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
        assert_eq!(
            Purl::new("maven", "batik-anim").namespace("org.apache.xmlgraphics").version("1.9.1").to_string(),
            "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1"
        );
        assert_eq!(
            Purl::new("golang", "api").namespace("google.golang.org").version("v0.0.0+incompatible").to_string(),
            "pkg:golang/google.golang.org/api@v0.0.0%2Bincompatible"
        );
        assert_eq!(Purl::new("pypi", "django").version("").to_string(), "pkg:pypi/django");
    }
}

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPurl {
    /// Type, lowercase (`npm`, `deb`).
    pub ty: String,
    /// Namespace, decoded, `/`-separated.
    pub namespace: Option<String>,
    /// Name, decoded.
    pub name: String,
    /// Version, decoded.
    pub version: Option<String>,
    /// Qualifiers, decoded.
    pub qualifiers: Vec<(String, String)>,
}

impl ParsedPurl {
    /// The value of qualifier `key`.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Parses `pkg:type/namespace/name@version?qualifiers#subpath`.
pub fn parse(purl: &str) -> Option<ParsedPurl> {
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (rest, qualifiers) = match rest.split_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    let (ty, path) = rest.split_once('/')?;
    let path = path.trim_end_matches('/');
    let (path, version) = match path.rsplit_once('@') {
        Some((p, v)) if !p.is_empty() => (p, Some(decode(v)?)),
        _ => (path, None),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => (Some(ns.split('/').map(decode).collect::<Option<Vec<_>>>()?.join("/")), decode(n)?),
        None => (None, decode(path)?),
    };
    if ty.is_empty() || name.is_empty() {
        return None;
    }
    let qualifiers = qualifiers
        .split('&')
        .filter(|q| !q.is_empty())
        .filter_map(|q| q.split_once('=').and_then(|(k, v)| Some((k.to_ascii_lowercase(), decode(v)?))))
        .collect();
    Some(ParsedPurl { ty: ty.to_ascii_lowercase(), namespace, name, version, qualifiers })
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'%') => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            Some(b) => {
                out.push(*b);
                i += 1;
            }
            None => break,
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = parse("pkg:npm/%40angular/core@16.0.0").unwrap_or_else(|| panic!());
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str(), p.version.as_deref()),
            (Some("@angular"), "core", Some("16.0.0"))
        );
        let d = parse("pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&epoch=1&distro=debian-12")
            .unwrap_or_else(|| panic!());
        assert_eq!(d.qualifier("epoch"), Some("1"));
        assert_eq!(d.qualifier("distro"), Some("debian-12"));
        assert!(parse("npm/x").is_none());
        assert!(parse("pkg:npm/%zz@1").is_none());
    }
}
