//! pip requirements files (`requirements*.txt`, `requirements/*.txt`), following `-r` includes.
//!
//! Format: <https://pip.pypa.io/en/stable/reference/requirements-file-format/>. Versions follow
//! osv-scanner's `ParseRequirementsTxt`, whose fixtures are vigil's oracle:
//! - a pin (`==`, `===`) gives its version; without one, a compatible release (`~=`) or a
//!   lower bound (`>=`) gives the version it names;
//! - anything else (no specifier, `!=`, `<`, a direct `name @ url` reference) gives the
//!   placeholder [`UNPINNED`], which osv-scanner uses so that every advisory of the package is
//!   considered; the purl then carries no version;
//! - names are PEP 503-normalised and extras dropped (`Twisted[http2]` is `twisted`);
//! - each package's dependency groups are the stems of the files that list it
//!   (`requirements-dev.txt` gives `requirements-dev`);
//! - editable installs (`-e`), other options, URLs and local paths or archives are skipped.

use std::collections::{HashMap, HashSet};

use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

use super::{normalize_name, pypi_purl};

/// Reads pip requirements files.
pub(crate) struct RequirementsTxt;

/// The version osv-scanner records for a requirement that pins no version.
const UNPINNED: &str = "0.0.0";

/// Most files one requirements file may pull in through `-r`, itself included.
const MAX_FILES: usize = 256;

/// Most bytes read across a requirements file and everything it includes.
const MAX_TOTAL_BYTES: usize = 64 << 20;

impl Cataloger for RequirementsTxt {
    fn id(&self) -> &'static str {
        "requirements-txt"
    }

    fn matches(&self, path: &str) -> bool {
        let name = file_name(path);
        if !name.ends_with(".txt") {
            return false;
        }
        if name.starts_with("requirements") {
            return true;
        }
        let mut segments = path.rsplit('/');
        segments.next();
        segments.next() == Some("requirements")
    }

    /// Includes are read through `input.read`, resolved against the including file's folder;
    /// each file is read once (so include cycles end). A missing include is an error, as in pip.
    /// Without `input.read`, includes are not followed.
    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = input.text()?;
        let root = normalize_path(input.path);
        let mut walk = Walk {
            input,
            root_dir: parent(&root).to_string(),
            root: root.clone(),
            visited: HashSet::from([root.clone()]),
            bytes: input.contents.len(),
            entries: Vec::new(),
            index: HashMap::new(),
        };
        if walk.bytes > MAX_TOTAL_BYTES {
            return Err(CatalogError::new(
                input.path,
                format!("file is {} bytes, expected at most {MAX_TOTAL_BYTES}", walk.bytes),
            ));
        }
        walk.file(&root, text)?;
        Ok(walk
            .entries
            .into_iter()
            .map(|e| {
                let purl = pypi_purl(&e.name, e.pinned.then_some(e.version.as_str()));
                let mut package = Package::new(e.name, e.version, crate::ecosystem::PYPI, purl, input.path);
                package.dep_groups = e.groups;
                package
            })
            .collect())
    }
}

/// One distinct (name, version) found so far.
struct Entry {
    name: String,
    version: String,
    /// Whether the version came from a specifier (not [`UNPINNED`]).
    pinned: bool,
    groups: Vec<String>,
}

/// The state of one parse: the files read so far and the packages found.
struct Walk<'i, 'a> {
    input: &'i CatalogInput<'a>,
    /// Normalised path of the input file.
    root: String,
    /// Folder of the input file, the base `input.read` resolves against.
    root_dir: String,
    /// Normalised paths of the files read, for cycle protection.
    visited: HashSet<String>,
    bytes: usize,
    entries: Vec<Entry>,
    index: HashMap<(String, String), usize>,
}

impl Walk<'_, '_> {
    /// Parses the file at (normalised) `path` with contents `text`.
    fn file(&mut self, path: &str, text: &str) -> Result<(), CatalogError> {
        let group = file_stem(path).to_string();
        // pip decodes a leading byte-order mark away.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split('\n').enumerate();
        while let Some((index, raw)) = lines.next() {
            let line_number = index + 1;
            let mut line = raw.strip_suffix('\r').unwrap_or(raw).to_string();
            // pip joins lines ending in an unescaped (odd-numbered) `\` before it strips
            // comments. The trailing run is tracked, not recounted, so joining stays linear.
            let mut trailing = trailing_backslashes(&line);
            while trailing % 2 == 1 {
                line.pop();
                trailing -= 1;
                let Some((_, next)) = lines.next() else { break };
                let next = next.strip_suffix('\r').unwrap_or(next);
                let run = trailing_backslashes(next);
                trailing = if run == next.len() { trailing + run } else { run };
                line.push_str(next);
            }
            let line = strip_comment(&line);
            if let Some(target) = include_target(line) {
                self.include(path, line_number, target)?;
                continue;
            }
            if let Some((name, version)) = parse_requirement(line) {
                self.add(name, version, &group);
            }
        }
        Ok(())
    }

    /// Follows `-r target` found at `line` of `from`.
    fn include(&mut self, from: &str, line: usize, target: &str) -> Result<(), CatalogError> {
        let Some(read) = self.input.read else { return Ok(()) };
        // pip fetches remote includes; vigil never touches the network from a cataloger.
        if target.contains("://") {
            return Ok(());
        }
        let resolved = match parent(from) {
            folder if !target.starts_with('/') && !folder.is_empty() => normalize_path(&format!("{folder}/{target}")),
            _ => normalize_path(target),
        };
        if !self.visited.insert(resolved.clone()) {
            return Ok(());
        }
        let at = self.location(from, line);
        if self.visited.len() > MAX_FILES {
            return Err(CatalogError::new(
                self.input.path,
                format!("{at}: too many files included through `-r`, expected at most {MAX_FILES}"),
            ));
        }
        let request = relative_to(&self.root_dir, &resolved).ok_or_else(|| {
            CatalogError::new(self.input.path, format!("{at}: cannot resolve included file `{target}`"))
        })?;
        let bytes = read(&request).ok_or_else(|| {
            CatalogError::new(
                self.input.path,
                format!("{at}: cannot read `{target}` included with `-r`, expected an existing file"),
            )
        })?;
        self.bytes = self.bytes.saturating_add(bytes.len());
        if self.bytes > MAX_TOTAL_BYTES {
            return Err(CatalogError::new(
                self.input.path,
                format!("{at}: included files exceed {MAX_TOTAL_BYTES} bytes in total"),
            ));
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            CatalogError::new(
                self.input.path,
                format!("{at}: included file `{target}` is not UTF-8 text at byte {}", e.valid_up_to()),
            )
        })?;
        self.file(&resolved, text)
    }

    /// `line N` for the input file, `line N of included <file>` for others.
    fn location(&self, file: &str, line: usize) -> String {
        if file == self.root { format!("line {line}") } else { format!("line {line} of included `{file}`") }
    }

    fn add(&mut self, name: String, version: Option<String>, group: &str) {
        let pinned = version.is_some();
        let version = version.unwrap_or_else(|| UNPINNED.to_string());
        let key = (name, version);
        let entry = match self.index.get(&key) {
            Some(&i) => self.entries.get_mut(i),
            None => {
                self.index.insert(key.clone(), self.entries.len());
                let (name, version) = key;
                self.entries.push(Entry { name, version, pinned, groups: Vec::new() });
                self.entries.last_mut()
            }
        };
        if let Some(entry) = entry
            && !entry.groups.iter().any(|g| g == group)
        {
            entry.groups.push(group.to_string());
        }
    }
}

/// How many backslashes the line ends with.
fn trailing_backslashes(line: &str) -> usize {
    line.bytes().rev().take_while(|&b| b == b'\\').count()
}

/// Drops a comment: `#` at the start of the line or after whitespace (a `#` inside a token,
/// as in a URL fragment, is kept), then trims.
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return line.get(..i).unwrap_or_default().trim();
        }
        previous_is_space = c.is_whitespace();
    }
    line.trim()
}

/// The file named by `-r file`, `-rfile`, `--requirement file` or `--requirement=file`.
fn include_target(line: &str) -> Option<&str> {
    let rest = if let Some(rest) = line.strip_prefix("--requirement") {
        rest.strip_prefix('=').or_else(|| rest.starts_with(char::is_whitespace).then_some(rest))?
    } else {
        line.strip_prefix("-r")?
    };
    let target = rest.trim();
    let target = strip_quotes(target);
    (!target.is_empty()).then_some(target)
}

fn strip_quotes(s: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(quote).and_then(|s| s.strip_suffix(quote)) {
            return inner;
        }
    }
    s
}

/// Archive and wheel suffixes: a bare file name of a distribution is a local path, not a name.
const ARCHIVE_SUFFIXES: &[&str] =
    &[".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".egg"];

/// A requirement line's normalised name and the version osv-scanner would give it (`None`
/// for [`UNPINNED`]); `None` for lines that name no index package (options, paths, URLs).
fn parse_requirement(line: &str) -> Option<(String, Option<String>)> {
    if line.is_empty() || line.starts_with(['-', '.', '/']) {
        return None;
    }
    // Per-requirement options (`--hash=…`, `--global-option=…`) follow the requirement.
    let line = match line.find(" --").or_else(|| line.find("\t--")) {
        Some(i) => line.get(..i).unwrap_or_default(),
        None => line,
    };
    let name_end =
        line.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(line.len());
    let name = line.get(..name_end).unwrap_or_default();
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return None;
    }
    let mut rest = line.get(name_end..).unwrap_or_default().trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        rest = extras.split_once(']')?.1.trim_start();
    }
    let name = normalize_name(name);
    if rest.starts_with('@') {
        // A direct reference (`name @ https://…`) names no version.
        return Some((name, None));
    }
    // Environment markers follow `;`.
    let specifiers = rest.split(';').next().unwrap_or_default().trim();
    let specifiers = specifiers.strip_prefix('(').map_or(specifiers, |s| s.trim_end().trim_end_matches(')'));
    if specifiers.is_empty() {
        return Some((name, None));
    }
    if !specifiers.starts_with(['=', '<', '>', '!', '~']) {
        return None;
    }
    Some((name, pick_version(specifiers)))
}

/// The version a specifier set is recorded with: a pin, else a compatible release, else a
/// lower bound.
fn pick_version(specifiers: &str) -> Option<String> {
    let mut clauses: Vec<(&str, &str)> = Vec::new();
    for clause in specifiers.split(',') {
        let clause = clause.trim();
        let Some(op) = ["===", "==", "~=", "!=", "<=", ">=", "<", ">"].into_iter().find(|op| clause.starts_with(op))
        else {
            continue;
        };
        let version = clause.get(op.len()..).unwrap_or_default().trim_start();
        let version = version.split(|c: char| c.is_whitespace() || c == ')').next().unwrap_or_default();
        if !version.is_empty() {
            clauses.push((op, version));
        }
    }
    [&["===", "=="][..], &["~="], &[">="]]
        .into_iter()
        .find_map(|ops| clauses.iter().find(|(op, _)| ops.contains(op)).map(|(_, version)| (*version).to_string()))
}

/// Lexically normalised `/`-separated path: `.` and empty segments dropped, `..` applied.
fn normalize_path(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.last().is_some_and(|s| *s != "..") {
                    segments.pop();
                } else if !absolute {
                    segments.push("..");
                }
            }
            other => segments.push(other),
        }
    }
    let joined = segments.join("/");
    if absolute { format!("/{joined}") } else { joined }
}

/// The folder part of a normalised path (empty for a bare file name).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => path.get(..i).unwrap_or_default(),
        None => "",
    }
}

/// The file name without its last extension (`requirements-dev.txt` is `requirements-dev`).
fn file_stem(path: &str) -> &str {
    let name = file_name(path);
    match name.rfind('.') {
        Some(i) => name.get(..i).unwrap_or_default(),
        None => name,
    }
}

/// `target` relative to the folder `base` (both normalised), or `None` when `..` in `base`
/// makes that impossible. An absolute target under a relative base is returned as is.
fn relative_to(base: &str, target: &str) -> Option<String> {
    if target.starts_with('/') != base.starts_with('/') {
        return target.starts_with('/').then(|| target.to_string());
    }
    let base: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    let target: Vec<&str> = target.split('/').filter(|s| !s.is_empty()).collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let ups = base.get(common..).unwrap_or_default();
    if ups.contains(&"..") {
        return None;
    }
    let mut out: Vec<&str> = vec![".."; ups.len()];
    out.extend(target.get(common..).unwrap_or_default());
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `path`; `files` holds the input and its siblings, keyed by path relative to the
    /// input's folder (what `input.read` receives).
    fn parse_with(files: &[(&str, &str)], path: &str) -> Result<Vec<Package>, CatalogError> {
        let map: HashMap<String, Vec<u8>> = files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
        let contents = map.get(file_name(path)).cloned().unwrap_or_default();
        let read = move |p: &str| map.get(p).cloned();
        let input = CatalogInput { path, contents: &contents, distro: None, read: Some(&read) };
        RequirementsTxt.parse(&input)
    }

    fn found(packages: &[Package]) -> Vec<(String, String)> {
        let mut v: Vec<_> = packages.iter().map(|p| (p.name.clone(), p.version.clone())).collect();
        v.sort();
        v
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v: Vec<_> = list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        v.sort();
        v
    }

    #[test]
    fn matches_requirements_files() {
        let c = RequirementsTxt;
        assert!(c.matches("requirements.txt"));
        assert!(c.matches("app/requirements-dev.txt"));
        assert!(c.matches("app/requirements_test.txt"));
        assert!(c.matches("app/requirements/base.txt"));
        assert!(!c.matches("app/requirements.in"));
        assert!(!c.matches("app/notes.txt"));
        assert!(!c.matches("requirements/sub/base.txt"));
    }

    #[test]
    fn operators_follow_osv_scanner() {
        let text = "a==1.0\nb === 2.0\nc>=3.0\nd ~= 4.0\ne!=5.0\nf<6\ng\nh>=1.0,<2.0\ni>=1.0,==1.5\nj (==7.0)\n";
        let packages = parse_with(&[("requirements.txt", text)], "requirements.txt").unwrap_or_default();
        assert_eq!(
            found(&packages),
            pairs(&[
                ("a", "1.0"),
                ("b", "2.0"),
                ("c", "3.0"),
                ("d", "4.0"),
                ("e", "0.0.0"),
                ("f", "0.0.0"),
                ("g", "0.0.0"),
                ("h", "1.0"),
                ("i", "1.5"),
                ("j", "7.0"),
            ])
        );
        let g = packages.iter().find(|p| p.name == "g").map(|p| p.purl.as_str());
        assert_eq!(g, Some("pkg:pypi/g"));
        let a = packages.iter().find(|p| p.name == "a").map(|p| p.purl.as_str());
        assert_eq!(a, Some("pkg:pypi/a@1.0"));
    }

    #[test]
    fn extras_markers_options_and_names() {
        let text = "Twisted[http2,tls]==20.3.0 ; python_version >= '3.6'\n\
                    zope.interface==5.4.0;sys_platform=='linux'\n\
                    boto3==1.26.121 --hash=sha256:abc\n\
                    BarProject >= 1.2 --global-option=\"--no-user-cfg\"\n\
                    pkg @ https://example.com/pkg-1.0.tar.gz\n";
        let packages = parse_with(&[("requirements.txt", text)], "requirements.txt").unwrap_or_default();
        assert_eq!(
            found(&packages),
            pairs(&[
                ("twisted", "20.3.0"),
                ("zope-interface", "5.4.0"),
                ("boto3", "1.26.121"),
                ("barproject", "1.2"),
                ("pkg", "0.0.0"),
            ])
        );
    }

    #[test]
    fn skips_options_paths_and_urls() {
        let text = "-e git+https://github.com/x/y.git#egg=y\n--index-url https://pypi.org/simple\n\
                    ./downloads/numpy-1.9.2-cp34-none-win32.whl\n/abs/path.tar.gz\n\
                    http://example.com/x.whl\ngit+https://github.com/x/y.git\nnumpy-1.9.2-cp34-none-win32.whl\n\
                    -c constraints.txt\nok==1\n";
        let packages = parse_with(&[("requirements.txt", text)], "requirements.txt").unwrap_or_default();
        assert_eq!(found(&packages), pairs(&[("ok", "1")]));
    }

    #[test]
    fn comments_and_continuations() {
        let text = "foo==\\\n\\\n \\\n1.2.3\nbar == 4.5\\\\\n.6\nbaz == 7.8.9 # \\\nbaz == 1.2.3\nurl==1#frag\n\
                    # only a comment\nqux == 10.11.12\\";
        let packages = parse_with(&[("requirements.txt", text)], "requirements.txt").unwrap_or_default();
        assert_eq!(
            found(&packages),
            pairs(&[("foo", "1.2.3"), ("bar", "4.5\\\\"), ("baz", "7.8.9"), ("url", "1#frag"), ("qux", "10.11.12")])
        );
    }

    #[test]
    fn byte_order_mark() {
        let packages = parse_with(
            &[("requirements.txt", "\u{feff}flask==2.0\n-r b.txt\n"), ("b.txt", "\u{feff}six\n")],
            "requirements.txt",
        );
        assert_eq!(found(&packages.unwrap_or_default()), pairs(&[("flask", "2.0"), ("six", "0.0.0")]));
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a==1.0\r\nb==2.0 \\\r\n  --hash=sha256:x\r\n";
        let packages = parse_with(&[("requirements.txt", text)], "requirements.txt").unwrap_or_default();
        assert_eq!(found(&packages), pairs(&[("a", "1.0"), ("b", "2.0")]));
    }

    #[test]
    fn includes_cycles_and_groups() {
        let files = [
            ("requirements.txt", "-r requirements-dev.txt\n--requirement=sub/base.txt\nshared==1\n"),
            ("requirements-dev.txt", "-r ./requirements.txt\n-r'sub/base.txt'\nshared==1\npytest\n"),
            ("sub/base.txt", "--requirement ../requirements.txt\ndjango==4.2\n"),
        ];
        let packages = parse_with(&files, "app/requirements.txt").unwrap_or_default();
        assert_eq!(found(&packages), pairs(&[("shared", "1"), ("pytest", "0.0.0"), ("django", "4.2")]));
        let shared = packages.iter().find(|p| p.name == "shared").map(|p| p.dep_groups.clone());
        assert_eq!(shared, Some(vec!["requirements-dev".to_string(), "requirements".to_string()]));
        let django = packages.iter().find(|p| p.name == "django").map(|p| p.dep_groups.clone());
        assert_eq!(django, Some(vec!["base".to_string()]));
        assert!(packages.iter().all(|p| p.locations[0].path == "app/requirements.txt"));
    }

    #[test]
    fn includes_outside_the_folder() {
        let files = [
            ("requirements.txt", "-r ../shared/base.txt\n"),
            ("../shared/base.txt", "-r ../app/requirements.txt\nx==1\n"),
        ];
        let packages = parse_with(&files, "repo/app/requirements.txt").unwrap_or_default();
        assert_eq!(found(&packages), pairs(&[("x", "1")]));
    }

    #[test]
    fn missing_include_is_an_error() {
        let err = parse_with(&[("requirements.txt", "a==1\n\n-r ./missing.txt\n")], "requirements.txt");
        let err = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            err,
            "requirements.txt: line 3: cannot read `./missing.txt` included with `-r`, expected an existing file"
        );
        let nested = parse_with(&[("r.txt", "-r x/a.txt\n"), ("x/a.txt", "\n-r b.txt\n")], "r.txt");
        let nested = nested.err().map(|e| e.message).unwrap_or_default();
        assert!(nested.starts_with("line 2 of included `x/a.txt`: cannot read `b.txt`"), "{nested}");
    }

    #[test]
    fn includes_without_read_are_not_followed() {
        let input = CatalogInput::new("requirements.txt", b"-r other.txt\na==1\n");
        let packages = RequirementsTxt.parse(&input).unwrap_or_default();
        assert_eq!(found(&packages), pairs(&[("a", "1")]));
    }

    #[test]
    fn include_limits() {
        // A chain longer than MAX_FILES.
        let names: Vec<String> = (0..=MAX_FILES + 1).map(|i| format!("r{i}.txt")).collect();
        let bodies: Vec<String> = (0..=MAX_FILES + 1).map(|i| format!("-r r{}.txt\np{i}==1\n", i + 1)).collect();
        let files: Vec<(&str, &str)> =
            names.iter().map(String::as_str).zip(bodies.iter().map(String::as_str)).collect();
        let err = parse_with(&files, "r0.txt").err().map(|e| e.message).unwrap_or_default();
        assert!(err.contains("too many files included"), "{err}");
    }

    #[test]
    fn not_utf8() {
        let input = CatalogInput::new("requirements.txt", b"a==1\n\xff\n");
        let err = RequirementsTxt.parse(&input).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "requirements.txt: not UTF-8 text at byte 5");
    }

    #[test]
    fn path_helpers() {
        assert_eq!(normalize_path("a/./b/../c.txt"), "a/c.txt");
        assert_eq!(normalize_path("../x/../../y"), "../../y");
        assert_eq!(normalize_path("/../a"), "/a");
        assert_eq!(relative_to("fixtures/pip", "fixtures/pip/x.txt").as_deref(), Some("x.txt"));
        assert_eq!(relative_to("a/b", "a/c/x.txt").as_deref(), Some("../c/x.txt"));
        assert_eq!(relative_to("", "../x.txt").as_deref(), Some("../x.txt"));
        assert_eq!(relative_to("..", "x.txt"), None);
        assert_eq!(relative_to("a", "/etc/x").as_deref(), Some("/etc/x"));
        assert_eq!(parent("/r.txt"), "/");
        assert_eq!(parent("r.txt"), "");
        assert_eq!(file_stem("a/requirements-dev.txt"), "requirements-dev");
        assert_eq!(include_target("-r  ./a.txt"), Some("./a.txt"));
        assert_eq!(include_target("-ra.txt"), Some("a.txt"));
        assert_eq!(include_target("--requirement a.txt"), Some("a.txt"));
        assert_eq!(include_target("--requirements a.txt"), None);
        assert_eq!(include_target("-r"), None);
    }
}
