//! The Linux distribution of an image or root file system: read from `/etc/os-release`
//! (os-release(5)) or, on old images, from `/etc/debian_version`, `/etc/alpine-release` or
//! `/etc/redhat-release`, and named the way OSV ecosystems and package URLs name it.
//!
//! ```
//! use vigil_sbom::distro::Distro;
//! let distro = Distro::parse_os_release(b"ID=alpine\nVERSION_ID=3.19.1\n").unwrap();
//! assert_eq!(distro.osv_ecosystem().as_deref(), Some("Alpine:v3.19"));
//! assert_eq!(distro.purl_namespace(), "alpine");
//! assert_eq!(distro.purl_distro_qualifier(), "alpine-3.19.1");
//! ```

/// Release files longer than this are not release files; they are ignored.
const MAX_RELEASE_FILE_BYTES: usize = 64 * 1024;

/// Debian codenames and their release numbers (distro-info-data `debian.csv`), for
/// `/etc/debian_version` on testing images (`trixie/sid`) and os-release files without
/// `VERSION_ID`.
const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("etch", "4"),
    ("lenny", "5"),
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// A Linux distribution release, as os-release(5) describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distro {
    /// `ID`, lowercase: `debian`, `ubuntu`, `alpine`, `rhel`, `rocky`, `almalinux`, `wolfi`, …
    /// Never empty in a value returned by this module's parsers.
    pub id: String,
    /// `VERSION_ID`: `12`, `22.04`, `3.19.1`, `9.3`; empty for rolling releases that set none.
    pub version_id: String,
    /// `VERSION_CODENAME`: `bookworm`, `jammy`.
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`: `Debian GNU/Linux 12 (bookworm)`.
    pub pretty_name: Option<String>,
    /// `NAME`: `Debian GNU/Linux`.
    pub name: Option<String>,
    /// `ID_LIKE`, split on spaces: `["rhel", "centos", "fedora"]`.
    pub id_like: Vec<String>,
    /// `BUILD_ID`, which rolling distributions such as Wolfi set instead of `VERSION_ID`.
    pub build_id: Option<String>,
    /// `CPE_NAME`: `cpe:/o:redhat:enterprise_linux:9::baseos`.
    pub cpe_name: Option<String>,
}

impl Distro {
    /// Parses `/etc/os-release` or `/usr/lib/os-release` (os-release(5)): `KEY=value` lines,
    /// values unquoted, in double quotes (where `\` escapes `$`, `"`, `\` and `` ` ``) or in
    /// single quotes; `#` comments and malformed lines are skipped.
    ///
    /// Returns `None` when the file sets no `ID`, is larger than 64 KiB, or is not text.
    pub fn parse_os_release(bytes: &[u8]) -> Option<Distro> {
        let text = release_text(bytes)?;
        let mut distro = Distro::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, raw)) = line.split_once('=') else { continue };
            if !is_variable_name(key) {
                continue;
            }
            let Some(value) = unquote(raw.trim()) else { continue };
            let value_opt = Some(value.clone()).filter(|v| !v.is_empty());
            match key {
                "ID" => distro.id = value.to_ascii_lowercase(),
                "VERSION_ID" => distro.version_id = value,
                "VERSION_CODENAME" => distro.version_codename = value_opt,
                "PRETTY_NAME" => distro.pretty_name = value_opt,
                "NAME" => distro.name = value_opt,
                "ID_LIKE" => distro.id_like = value.split_whitespace().map(str::to_ascii_lowercase).collect(),
                "BUILD_ID" => distro.build_id = value_opt,
                "CPE_NAME" => distro.cpe_name = value_opt,
                _ => {}
            }
        }
        (!distro.id.is_empty()).then_some(distro)
    }

    /// Reads `/etc/debian_version`: `12.5` is Debian 12, `trixie/sid` (testing) is Debian 13.
    /// A fallback for images without os-release; Ubuntu ships this file too (`bookworm/sid`), so
    /// prefer [`Distro::parse_os_release`] whenever os-release exists.
    pub fn from_debian_version(bytes: &[u8]) -> Option<Distro> {
        let line = first_line(bytes)?;
        let mut distro =
            Distro { id: "debian".to_string(), name: Some("Debian GNU/Linux".to_string()), ..Distro::default() };
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            distro.version_id = major(line).to_string();
            distro.version_codename = codename_of(&distro.version_id).map(str::to_string);
        } else {
            // `bookworm/sid`: the release being prepared, named by its codename.
            let codename = line.split('/').next().unwrap_or_default();
            if codename.is_empty() || !codename.bytes().all(|b| b.is_ascii_lowercase()) {
                return None;
            }
            distro.version_id = debian_number(codename).unwrap_or_default().to_string();
            distro.version_codename = Some(codename.to_string());
        }
        distro.pretty_name = Some(format!("Debian GNU/Linux {}", distro.version_id).trim_end().to_string());
        Some(distro)
    }

    /// Reads `/etc/alpine-release` (`3.19.1`).
    pub fn from_alpine_release(bytes: &[u8]) -> Option<Distro> {
        let line = first_line(bytes)?;
        if !line.starts_with(|c: char| c.is_ascii_digit())
            || !line.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        {
            return None;
        }
        Some(Distro {
            id: "alpine".to_string(),
            version_id: line.to_string(),
            name: Some("Alpine Linux".to_string()),
            pretty_name: Some(format!("Alpine Linux v{line}")),
            ..Distro::default()
        })
    }

    /// Reads `/etc/redhat-release` or `/etc/system-release`
    /// (`Rocky Linux release 9.3 (Blue Onyx)`). Oracle Linux writes Red Hat's name into this
    /// file, so it reads as RHEL; os-release, when present, is authoritative.
    pub fn from_redhat_release(bytes: &[u8]) -> Option<Distro> {
        let line = first_line(bytes)?;
        let (product, rest) = line.split_once(" release ")?;
        let version = rest.split_whitespace().next().filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))?;
        let codename = rest
            .split_once('(')
            .and_then(|(_, c)| c.split_once(')'))
            .map(|(c, _)| c.trim().to_string())
            .filter(|c| !c.is_empty());
        let id = [
            ("Red Hat Enterprise Linux", "rhel"),
            ("Rocky Linux", "rocky"),
            ("AlmaLinux", "almalinux"),
            ("CentOS", "centos"),
            ("Fedora", "fedora"),
            ("Amazon Linux", "amzn"),
            ("Oracle Linux", "ol"),
        ]
        .iter()
        .find(|(prefix, _)| product.starts_with(prefix))
        .map(|(_, id)| *id)?;
        Some(Distro {
            id: id.to_string(),
            version_id: version.to_string(),
            version_codename: codename,
            pretty_name: Some(line.to_string()),
            name: Some(product.to_string()),
            ..Distro::default()
        })
    }

    /// Finds the distribution of a root file system: `etc/os-release`, then
    /// `usr/lib/os-release`, then the older release files. `read` returns a file's bytes by
    /// `/`-separated path relative to the root.
    pub fn detect(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Option<Distro> {
        let parsers: [(&str, ReleaseParser); 6] = [
            ("etc/os-release", Distro::parse_os_release),
            ("usr/lib/os-release", Distro::parse_os_release),
            ("etc/alpine-release", Distro::from_alpine_release),
            ("etc/redhat-release", Distro::from_redhat_release),
            ("etc/system-release", Distro::from_redhat_release),
            ("etc/debian_version", Distro::from_debian_version),
        ];
        parsers.iter().find_map(|(path, parse)| read(path).and_then(|bytes| parse(&bytes)))
    }

    /// The OSV ecosystem of this release's packages
    /// (<https://ossf.github.io/osv-schema/#affectedpackage-field>): `Debian:12`,
    /// `Ubuntu:22.04`, `Alpine:v3.19`, `Rocky Linux:9`, `AlmaLinux:9`,
    /// `Red Hat:enterprise_linux:9`, `Wolfi`, `Chainguard`, `SUSE:<PRETTY_NAME>`,
    /// `openSUSE:<PRETTY_NAME>`, `Mageia:9`, `Photon OS:5.0`.
    ///
    /// `None` for distributions OSV has no ecosystem for (Fedora, CentOS, Amazon Linux, …) and
    /// for derivatives, whose packages are not their parent's (`ID_LIKE` is not followed).
    /// Red Hat's ecosystem is scoped by a CPE product stream (`enterprise_linux:9::appstream`);
    /// the repository is not known from the release alone, so the result is the stream's
    /// prefix and consumers match on it.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let version = self.version_id.as_str();
        let major = major(version);
        let scoped = |name: &str, release: &str| {
            if release.is_empty() { name.to_string() } else { format!("{name}:{release}") }
        };
        Some(match self.id.as_str() {
            "debian" => {
                let release = if major.is_empty() {
                    self.version_codename.as_deref().and_then(debian_number).unwrap_or_default()
                } else {
                    major
                };
                scoped("Debian", release)
            }
            // OSV marks long-term-support releases: `Ubuntu:22.04:LTS`.
            "ubuntu" if !version.is_empty() => {
                let lts = self.pretty_name.as_deref().is_some_and(|p| p.contains("LTS"));
                if lts { format!("Ubuntu:{version}:LTS") } else { format!("Ubuntu:{version}") }
            }
            "alpine" => format!("Alpine:v{}", major_minor(version)?),
            "rhel" => {
                scoped("Red Hat", &if major.is_empty() { String::new() } else { format!("enterprise_linux:{major}") })
            }
            "rocky" => scoped("Rocky Linux", major),
            "almalinux" => scoped("AlmaLinux", major),
            "wolfi" => "Wolfi".to_string(),
            "chainguard" => "Chainguard".to_string(),
            "mageia" if !version.is_empty() => format!("Mageia:{version}"),
            "photon" if !version.is_empty() => format!("Photon OS:{version}"),
            "sles" | "sled" | "sles_sap" => format!("SUSE:{}", self.pretty_name.as_deref()?),
            id if id.starts_with("opensuse") => format!("openSUSE:{}", self.pretty_name.as_deref()?),
            _ => return None,
        })
    }

    /// The package URL namespace of this release's OS packages, as Syft writes it: the `ID`
    /// (`debian`, `ubuntu`, `alpine`, `rocky`, `almalinux`, `wolfi`), except `rhel` →
    /// `redhat` and `opensuse-*` → `opensuse`.
    pub fn purl_namespace(&self) -> String {
        match self.id.as_str() {
            "rhel" => "redhat".to_string(),
            id if id.starts_with("opensuse") => "opensuse".to_string(),
            id => id.to_string(),
        }
    }

    /// The package URL `distro` qualifier, as Syft writes it: `<ID>-<VERSION_ID>`
    /// (`debian-12`, `alpine-3.19.1`, `rhel-9.3`), `<ID>-<BUILD_ID>` when there is no
    /// version, else `<ID>`.
    pub fn purl_distro_qualifier(&self) -> String {
        match (self.version_id.as_str(), self.build_id.as_deref()) {
            ("", Some(build)) if !build.is_empty() => format!("{}-{build}", self.id),
            ("", _) => self.id.clone(),
            (version, _) => format!("{}-{version}", self.id),
        }
    }

    /// The release an OSV ecosystem string names, as far as the string tells: `Debian:12` is
    /// `debian` 12, `Alpine:v3.19` is `alpine` 3.19, `Red Hat:enterprise_linux:9::baseos` is
    /// `rhel` 9. `None` for ecosystems that are not distributions vigil knows.
    pub(crate) fn from_osv_ecosystem(ecosystem: &str) -> Option<Distro> {
        let (name, release) = ecosystem.split_once(':').unwrap_or((ecosystem, ""));
        let numeric = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
        let (id, version) = match name {
            "Debian" => ("debian", release.to_string()),
            "Ubuntu" => ("ubuntu", release.split(':').find(|s| numeric(s)).unwrap_or_default().to_string()),
            "Alpine" => ("alpine", release.strip_prefix('v').unwrap_or(release).to_string()),
            "Red Hat" => {
                let mut parts = release.split(':');
                let version = match parts.next() {
                    Some("enterprise_linux") => parts.next().map(major).unwrap_or_default(),
                    _ => "",
                };
                ("rhel", version.to_string())
            }
            "Rocky Linux" => ("rocky", release.to_string()),
            "AlmaLinux" => ("almalinux", release.to_string()),
            "Wolfi" => ("wolfi", String::new()),
            "Chainguard" => ("chainguard", String::new()),
            "Mageia" => ("mageia", release.to_string()),
            "Photon OS" => ("photon", release.to_string()),
            "SUSE" => ("sles", String::new()),
            "openSUSE" if release.contains("Tumbleweed") => ("opensuse-tumbleweed", String::new()),
            "openSUSE" => {
                ("opensuse-leap", release.split_whitespace().find(|s| numeric(s)).unwrap_or_default().to_string())
            }
            _ => return None,
        };
        let printable = |s: &str| !s.is_empty() && !s.chars().any(char::is_control);
        Some(Distro {
            id: id.to_string(),
            version_id: version,
            pretty_name: Some(release.to_string()).filter(|r| printable(r) && matches!(name, "SUSE" | "openSUSE")),
            ..Distro::default()
        })
    }
}

/// One of the release-file parsers.
type ReleaseParser = fn(&[u8]) -> Option<Distro>;

/// The file as text, if it is small, UTF-8 and free of NUL bytes.
fn release_text(bytes: &[u8]) -> Option<&str> {
    if bytes.len() > MAX_RELEASE_FILE_BYTES || bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The first line, trimmed, if non-empty and reasonably short.
fn first_line(bytes: &[u8]) -> Option<&str> {
    let line = release_text(bytes)?.lines().next()?.trim();
    (!line.is_empty() && line.len() <= 256).then_some(line)
}

/// os-release(5) variable names: `A-Z`, `0-9` and `_`, not starting with a digit.
fn is_variable_name(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Undoes os-release(5) quoting; `None` for an unterminated quote.
fn unquote(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    match raw.chars().next() {
        Some('"') => {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(out),
                    // Shell double quotes: a backslash escapes only these four.
                    '\\' => match chars.next() {
                        Some(e @ ('$' | '"' | '\\' | '`')) => out.push(e),
                        Some(e) => {
                            out.push('\\');
                            out.push(e);
                        }
                        None => return None,
                    },
                    c => out.push(c),
                }
            }
            None
        }
        Some('\'') => {
            chars.next();
            let rest = chars.as_str();
            rest.find('\'').map(|end| rest.get(..end).unwrap_or_default().to_string())
        }
        _ => {
            while let Some(c) = chars.next() {
                match c {
                    c if c.is_whitespace() => break,
                    '\\' => out.extend(chars.next()),
                    c => out.push(c),
                }
            }
            Some(out)
        }
    }
}

/// `12.5` → `12`; the leading digits.
fn major(version: &str) -> &str {
    let end = version.find(|c: char| !c.is_ascii_digit()).unwrap_or(version.len());
    version.get(..end).unwrap_or_default()
}

/// `3.19.1` → `3.19`; `None` unless both parts are numeric.
fn major_minor(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    let maj = parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
    let minor = parts.next().map(major).filter(|m| !m.is_empty())?;
    Some(format!("{maj}.{minor}"))
}

fn debian_number(codename: &str) -> Option<&'static str> {
    DEBIAN_CODENAMES.iter().find(|(name, _)| *name == codename).map(|(_, number)| *number)
}

fn codename_of(number: &str) -> Option<&'static str> {
    DEBIAN_CODENAMES.iter().find(|(_, n)| *n == number).map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os_release(text: &str) -> Distro {
        Distro::parse_os_release(text.as_bytes()).unwrap_or_else(|| panic!("no distro in {text:?}"))
    }

    #[test]
    fn debian_os_release() {
        let d = os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n\
             VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"",
        );
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id, "12");
        assert_eq!(d.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(d.pretty_name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(d.osv_ecosystem().as_deref(), Some("Debian:12"));
        assert_eq!(d.purl_namespace(), "debian");
        assert_eq!(d.purl_distro_qualifier(), "debian-12");
    }

    #[test]
    fn quoting_rules() {
        let d = os_release(
            "# comment\nID='rocky'\nNAME=\"A \\\"quoted\\\" \\$name \\\\ \\n\"\nPRETTY_NAME=plain\\ escaped\n\
             VERSION_ID=\"9.3\"\nBROKEN\nlower=x\nCPE_NAME=\"unterminated\nID_LIKE=\"rhel centos fedora\"\r\n",
        );
        assert_eq!(d.id, "rocky");
        assert_eq!(d.name.as_deref(), Some("A \"quoted\" $name \\ \\n"));
        assert_eq!(d.pretty_name.as_deref(), Some("plain escaped"));
        assert_eq!(d.cpe_name, None, "an unterminated quote is skipped");
        assert_eq!(d.id_like, ["rhel", "centos", "fedora"]);
        assert_eq!(d.osv_ecosystem().as_deref(), Some("Rocky Linux:9"));
        assert_eq!(d.purl_distro_qualifier(), "rocky-9.3");
    }

    #[test]
    fn no_id_or_not_text_is_none() {
        assert_eq!(Distro::parse_os_release(b"NAME=Foo\nVERSION_ID=1\n"), None);
        assert_eq!(Distro::parse_os_release(b"ID=debian\0"), None);
        assert_eq!(Distro::parse_os_release(b"ID=\xff\xfe"), None);
        assert_eq!(Distro::parse_os_release(&vec![b'#'; MAX_RELEASE_FILE_BYTES + 1]), None);
    }

    #[test]
    fn ecosystems() {
        let eco = |id: &str, version: &str| {
            Distro { id: id.into(), version_id: version.into(), ..Distro::default() }.osv_ecosystem()
        };
        assert_eq!(eco("ubuntu", "22.04").as_deref(), Some("Ubuntu:22.04"));
        assert_eq!(eco("alpine", "3.19.1").as_deref(), Some("Alpine:v3.19"));
        assert_eq!(eco("alpine", "3.20_alpha20240329").as_deref(), Some("Alpine:v3.20"));
        assert_eq!(eco("alpine", "edge"), None);
        assert_eq!(eco("almalinux", "9.3").as_deref(), Some("AlmaLinux:9"));
        assert_eq!(eco("rhel", "9.3").as_deref(), Some("Red Hat:enterprise_linux:9"));
        assert_eq!(eco("wolfi", "20230201").as_deref(), Some("Wolfi"));
        assert_eq!(eco("chainguard", "").as_deref(), Some("Chainguard"));
        assert_eq!(eco("debian", "").as_deref(), Some("Debian"));
        assert_eq!(eco("fedora", "39"), None);
        assert_eq!(eco("linuxmint", "21"), None);
        let trixie = Distro { id: "debian".into(), version_codename: Some("trixie".into()), ..Distro::default() };
        assert_eq!(trixie.osv_ecosystem().as_deref(), Some("Debian:13"));
        let leap =
            Distro { id: "opensuse-leap".into(), pretty_name: Some("openSUSE Leap 15.5".into()), ..Distro::default() };
        assert_eq!(leap.osv_ecosystem().as_deref(), Some("openSUSE:openSUSE Leap 15.5"));
        assert_eq!(leap.purl_namespace(), "opensuse");
    }

    #[test]
    fn namespaces_and_qualifiers() {
        let rhel = Distro { id: "rhel".into(), version_id: "9.3".into(), ..Distro::default() };
        assert_eq!(rhel.purl_namespace(), "redhat");
        assert_eq!(rhel.purl_distro_qualifier(), "rhel-9.3");
        let wolfi = Distro { id: "wolfi".into(), build_id: Some("20230201".into()), ..Distro::default() };
        assert_eq!(wolfi.purl_distro_qualifier(), "wolfi-20230201");
        let bare = Distro { id: "chainguard".into(), ..Distro::default() };
        assert_eq!(bare.purl_distro_qualifier(), "chainguard");
    }

    #[test]
    fn fallback_files() {
        let d = Distro::from_debian_version(b"12.5\n").unwrap_or_default();
        assert_eq!((d.id.as_str(), d.version_id.as_str()), ("debian", "12"));
        assert_eq!(d.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(d.osv_ecosystem().as_deref(), Some("Debian:12"));
        let t = Distro::from_debian_version(b"trixie/sid\n").unwrap_or_default();
        assert_eq!(t.osv_ecosystem().as_deref(), Some("Debian:13"));
        assert_eq!(Distro::from_debian_version(b""), None);
        assert_eq!(Distro::from_debian_version(b"<html>"), None);

        let a = Distro::from_alpine_release(b"3.19.1\n").unwrap_or_default();
        assert_eq!(a.osv_ecosystem().as_deref(), Some("Alpine:v3.19"));
        assert_eq!(a.purl_distro_qualifier(), "alpine-3.19.1");
        assert_eq!(Distro::from_alpine_release(b"not a version"), None);

        let r = Distro::from_redhat_release(b"Rocky Linux release 9.3 (Blue Onyx)\n").unwrap_or_default();
        assert_eq!((r.id.as_str(), r.version_id.as_str()), ("rocky", "9.3"));
        assert_eq!(r.version_codename.as_deref(), Some("Blue Onyx"));
        let rhel = Distro::from_redhat_release(b"Red Hat Enterprise Linux release 8.9 (Ootpa)").unwrap_or_default();
        assert_eq!(rhel.osv_ecosystem().as_deref(), Some("Red Hat:enterprise_linux:8"));
        let centos = Distro::from_redhat_release(b"CentOS Linux release 7.9.2009 (Core)").unwrap_or_default();
        assert_eq!((centos.id.as_str(), centos.osv_ecosystem()), ("centos", None));
        assert_eq!(Distro::from_redhat_release(b"Slackware 15.0"), None);
    }

    #[test]
    fn detect_prefers_os_release() {
        let read = |path: &str| match path {
            "usr/lib/os-release" => Some(b"ID=ubuntu\nVERSION_ID=\"22.04\"\n".to_vec()),
            "etc/debian_version" => Some(b"bookworm/sid\n".to_vec()),
            _ => None,
        };
        let d = Distro::detect(&read).unwrap_or_default();
        assert_eq!(d.osv_ecosystem().as_deref(), Some("Ubuntu:22.04"));
        let only_debian_version = |path: &str| (path == "etc/debian_version").then(|| b"11.9".to_vec());
        assert_eq!(Distro::detect(&only_debian_version).and_then(|d| d.osv_ecosystem()).as_deref(), Some("Debian:11"));
        assert_eq!(Distro::detect(&|_: &str| None), None);
    }

    #[test]
    fn osv_ecosystem_round_trip() {
        let cases = [
            ("Debian:12", "debian", "debian-12"),
            ("Ubuntu:22.04", "ubuntu", "ubuntu-22.04"),
            ("Ubuntu:Pro:18.04:LTS", "ubuntu", "ubuntu-18.04"),
            ("Alpine:v3.19", "alpine", "alpine-3.19"),
            ("Red Hat:enterprise_linux:9::appstream", "redhat", "rhel-9"),
            ("Red Hat", "redhat", "rhel"),
            ("Rocky Linux:9", "rocky", "rocky-9"),
            ("AlmaLinux:8", "almalinux", "almalinux-8"),
            ("Wolfi", "wolfi", "wolfi"),
        ];
        for (eco, namespace, qualifier) in cases {
            let d = Distro::from_osv_ecosystem(eco).unwrap_or_default();
            assert_eq!(
                (d.purl_namespace().as_str(), d.purl_distro_qualifier().as_str()),
                (namespace, qualifier),
                "{eco}"
            );
        }
        assert_eq!(Distro::from_osv_ecosystem("npm"), None);
    }

    proptest::proptest! {
        #[test]
        fn release_parsers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            for d in [
                Distro::parse_os_release(&bytes),
                Distro::from_debian_version(&bytes),
                Distro::from_alpine_release(&bytes),
                Distro::from_redhat_release(&bytes),
            ].into_iter().flatten() {
                proptest::prop_assert!(!d.id.is_empty());
                let _ = (d.osv_ecosystem(), d.purl_namespace(), d.purl_distro_qualifier());
            }
        }

        #[test]
        fn os_release_text_never_panics(text in "(([A-Z_]{1,8}=[\"'a-z0-9 .\\\\$]{0,12})?\n){0,8}") {
            let _ = Distro::parse_os_release(text.as_bytes()).map(|d| d.osv_ecosystem());
        }
    }
}
