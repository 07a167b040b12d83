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
            let segments: Vec<String> = s.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..").map(encode).collect();
            write!(f, "#{}", segments.join("/"))?;
        }
        Ok(())
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986) and `:` which the
/// spec leaves readable in names and versions (`pkg:deb/debian/curl@7.50.3-1?epoch=1`
/// carries epochs as qualifiers, but Maven and Go versions may contain `+`).
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
