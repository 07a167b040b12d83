//! What a VEX statement applies to, and package URL matching as VEX tools do it.

use vigil_sbom::purl;

/// One product or subcomponent named by a VEX statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductMatcher {
    /// A package URL (`pkg:…`), as written in the document; without a version it names every version.
    Purl(String),
    /// Anything else: an image reference or digest, a CPE, a CycloneDX `bom-ref` without a purl.
    Other(String),
}

impl ProductMatcher {
    /// A matcher for an identifier: [`ProductMatcher::Purl`] when it starts with `pkg:`.
    pub(crate) fn from_id(id: String) -> Self {
        if id.starts_with("pkg:") { ProductMatcher::Purl(id) } else { ProductMatcher::Other(id) }
    }

    /// Whether this matcher names the package `purl`, the way OpenVEX's go-vex (`PurlMatches`) does:
    /// type, namespace and name are equal; the version is equal when the matcher has one (a matcher
    /// without a version matches every version, a versioned matcher never matches a purl without
    /// one); every qualifier of the matcher is present in `purl` with the same value (`purl` may
    /// have more). Components are compared percent-decoded, qualifier keys case-insensitively,
    /// with the purl specification's per-type case folding (e.g. `deb`, `golang`, `github` names
    /// and `pypi` names with `_` read as `-`); the subpath is ignored. An unparsable purl on
    /// either side, and an [`ProductMatcher::Other`] matcher, never match.
    pub fn matches_purl(&self, purl: &str) -> bool {
        Package::parse(purl).is_some_and(|package| self.matches_package(&package))
    }

    /// [`ProductMatcher::matches_purl`] for an already parsed purl.
    pub(crate) fn matches_package(&self, package: &Package) -> bool {
        match self {
            ProductMatcher::Purl(matcher) => Package::parse(matcher).is_some_and(|matcher| matcher.covers(package)),
            ProductMatcher::Other(_) => false,
        }
    }

    /// The matcher's text.
    pub fn as_str(&self) -> &str {
        match self {
            ProductMatcher::Purl(s) | ProductMatcher::Other(s) => s,
        }
    }
}

/// A parsed, normalized package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Package {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
}

impl Package {
    /// Parses and normalizes `purl`; `None` when it is not a valid package URL.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let parsed = purl::parse(text)?;
        // `purl::parse` drops qualifiers it cannot decode; a matcher that silently lost one would
        // match more packages than its author wrote, so such a purl is not valid here.
        let written = text
            .split_once('#')
            .map_or(text, |(head, _)| head)
            .split_once('?')
            .map_or(0, |(_, q)| q.split('&').filter(|q| !q.is_empty()).count());
        if written != parsed.qualifiers.len() {
            return None;
        }
        let ty = parsed.ty;
        // Case folding per type, as packageurl-go (used by go-vex, vexctl and Trivy) applies it
        // while parsing, following the purl specification's type definitions.
        let fold_namespace = matches!(
            ty.as_str(),
            "alpm" | "apk" | "bitbucket" | "composer" | "deb" | "github" | "golang" | "rpm" | "qpkg"
        );
        let namespace =
            parsed.namespace.filter(|ns| !ns.is_empty()).map(|ns| if fold_namespace { ns.to_lowercase() } else { ns });
        let name = match ty.as_str() {
            "alpm" | "apk" | "bitbucket" | "bitnami" | "composer" | "deb" | "github" | "golang" => {
                parsed.name.to_lowercase()
            }
            "pypi" => parsed.name.to_lowercase().replace('_', "-"),
            _ => parsed.name,
        };
        // The specification discards qualifiers with an empty value.
        let qualifiers = parsed.qualifiers.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let version = parsed.version.filter(|v| !v.is_empty());
        Some(Package { ty, namespace, name, version, qualifiers })
    }

    /// Whether this (more general) purl covers `package` (more specific).
    fn covers(&self, package: &Package) -> bool {
        self.ty == package.ty
            && self.namespace == package.namespace
            && self.name == package.name
            && self.version.as_ref().is_none_or(|v| package.version.as_ref() == Some(v))
            && self.qualifiers.iter().all(|(k, v)| package.qualifiers.iter().any(|(pk, pv)| pk == k && pv == v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purl(s: &str) -> ProductMatcher {
        ProductMatcher::Purl(s.to_string())
    }

    #[test]
    fn version_and_qualifiers() {
        let any = purl("pkg:deb/debian/curl");
        assert!(any.matches_purl("pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12"));
        assert!(any.matches_purl("pkg:deb/debian/curl"));
        let exact = purl("pkg:deb/debian/curl@7.88.1-10?arch=amd64");
        assert!(exact.matches_purl("pkg:deb/debian/curl@7.88.1-10?distro=debian-12&arch=amd64"));
        assert!(!exact.matches_purl("pkg:deb/debian/curl@7.88.1-10?arch=arm64"));
        assert!(!exact.matches_purl("pkg:deb/debian/curl@7.88.1-10"));
        assert!(!exact.matches_purl("pkg:deb/debian/curl?arch=amd64"));
        assert!(!exact.matches_purl("pkg:deb/ubuntu/curl@7.88.1-10?arch=amd64"));
        assert!(!exact.matches_purl("pkg:rpm/debian/curl@7.88.1-10?arch=amd64"));
        // An empty qualifier value is no qualifier.
        assert!(purl("pkg:deb/debian/curl?arch=").matches_purl("pkg:deb/debian/curl@1"));
    }

    #[test]
    fn encoding_and_case() {
        assert!(purl("pkg:npm/%40angular/core@16.0.0").matches_purl("pkg:npm/@angular/core@16.0.0"));
        assert!(
            purl("pkg:golang/example.com/m@v0.0.0%2Bincompatible")
                .matches_purl("pkg:golang/example.com/m@v0.0.0+incompatible")
        );
        assert!(
            purl("pkg:oci/app?repository_url=ghcr.io%2Forg%2Fapp")
                .matches_purl("pkg:oci/app@sha256%3Aab?repository_url=ghcr.io/org/app")
        );
        assert!(!purl("PKG:x/y").matches_purl("pkg:x/y"));
        assert!(purl("pkg:PyPI/Foo_Bar").matches_purl("pkg:pypi/foo-bar@1.0"));
        assert!(
            purl("pkg:golang/github.com/Azure/Go-Autorest").matches_purl("pkg:golang/github.com/azure/go-autorest@v1")
        );
        // npm and maven names are case-sensitive.
        assert!(!purl("pkg:maven/org.Example/a").matches_purl("pkg:maven/org.example/a@1"));
        assert!(purl("pkg:npm/wrappy@1.0.2?Arch=x").matches_purl("pkg:npm/wrappy@1.0.2?arch=x#sub/path"));
    }

    #[test]
    fn invalid_never_matches() {
        assert!(!purl("pkg:npm/%zz").matches_purl("pkg:npm/%zz"));
        assert!(!purl("pkg:npm/a?x=%zz").matches_purl("pkg:npm/a"));
        assert!(!purl("pkg:npm/a").matches_purl("npm/a"));
        assert!(!ProductMatcher::Other("pkg:npm/a".into()).matches_purl("pkg:npm/a"));
        assert!(!ProductMatcher::Other("ghcr.io/org/app@sha256:ab".into()).matches_purl("ghcr.io/org/app@sha256:ab"));
    }
}
