//! Honest gating for vigil's own tests (STYLE.md section 6): one shared way for a test that needs
//! a tool, a service or a corpus to find it, or to say loudly that it did not run.
//!
//! libtest cannot mark a test *ignored* once it has started, so a test that finds its tool
//! missing has two honest ways out, and [`missing`] picks one:
//!
//! - **in CI** (`CI=true` or `CI=1`, as `.ci/run` runs), or when a named switch such as
//!   `VIGIL_REQUIRE_REGISTRY=1` is on, the test **fails**, naming what is missing:
//!   `CI=true but cosign is missing: VIGIL_COSIGN is unset`;
//! - **elsewhere** the test returns early, and says so where it cannot be missed: a
//!   `SKIPPED <binary> <test>: needs <what>: <why>` line written straight to the process's
//!   stderr (libtest captures only `print!`/`eprint!`, so the line shows even for a passing
//!   test), plus one line `<binary> <test>\t<what>: <why>` appended to the file named by
//!   `$VIGIL_SKIP_LOG`. `scripts/test` sets that file, subtracts the skipped tests from
//!   libtest's `passed` and reports them as not run, with their reasons.
//!
//! A corpus that `$VIGIL_CORPORA` names but that is missing or empty is always a failure: a
//! vanished corpus is a defect, not a reason to skip.
//!
//! Tests use the `require_*` helpers and return on `None`:
//!
//! ```no_run
//! let Some(cosign) = vigil_testkit::cosign() else { return };
//! let Some(dir) = vigil_testkit::require_corpus("psa/test/testdata") else { return };
//! # let _ = (cosign, dir);
//! ```
//!
//! This crate is `publish = false` and used only as a dev-dependency (and by
//! `vigil-oci`'s `test-support` feature); it panics by design, as test helpers do.
#![warn(missing_docs)]
#![allow(clippy::panic)]

use std::ffi::OsStr;
use std::fmt::Display;
use std::io::Write as _;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment variable naming the file skips are appended to (one line each).
pub const SKIP_LOG: &str = "VIGIL_SKIP_LOG";

/// The environment variable naming the file [`report`] lines are appended to.
pub const REPORT_LOG: &str = "VIGIL_REPORT_LOG";

/// What a missing requirement does to the test that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// The requirement must be met: the test fails, the string says why (`CI=true`,
    /// `VIGIL_REQUIRE_REGISTRY=1`).
    Required(String),
    /// The test may be skipped (reported as not run).
    Optional,
}

/// Whether `value` of `$CI` means "running in CI": `true` or `1` (any case, spaces trimmed).
pub fn is_ci_value(value: &str) -> bool {
    let value = value.trim();
    value.eq_ignore_ascii_case("true") || value == "1"
}

/// Whether this process runs in CI (`CI=true` or `CI=1`).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| is_ci_value(&v))
}

/// The gate for the given `$CI` value and an optional switch `(name, value)`: CI first, then
/// the switch when its value is `1`.
pub fn gate_for(ci: Option<&str>, switch: Option<(&str, Option<&str>)>) -> Gate {
    if let Some(ci) = ci.filter(|v| is_ci_value(v)) {
        return Gate::Required(format!("CI={}", ci.trim()));
    }
    match switch {
        Some((name, Some(value))) if value.trim() == "1" => Gate::Required(format!("{name}=1")),
        _ => Gate::Optional,
    }
}

/// The gate of this process, for a requirement with an optional switch variable.
pub fn current_gate(switch: Option<&str>) -> Gate {
    let ci = std::env::var("CI").ok();
    let value = switch.and_then(|name| std::env::var(name).ok());
    gate_for(ci.as_deref(), switch.map(|name| (name, value.as_deref())))
}

/// The failure message of a required but missing requirement:
/// `CI=true but cosign is missing: VIGIL_COSIGN is unset`.
pub fn failure_message(because: &str, what: &str, why: &str) -> String {
    format!("{because} but {what} is missing: {why}")
}

/// The name of the running test: `<binary> <test path>`, e.g.
/// `cosign_interop cosign_generated_keys_load_in_vigil`. libtest names each test's thread
/// after the test; the binary is the executable's name without cargo's hash suffix.
pub fn test_name() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => name.to_string(),
            _ => stem,
        })
        .unwrap_or_else(|| "?".to_string());
    let thread = std::thread::current().name().map(str::to_string).unwrap_or_else(|| "?".to_string());
    format!("{binary} {thread}")
}

/// Records `what` as missing for the running test: a panic naming it under a required gate
/// (CI), otherwise a loud skip report; always `None`, so a test writes
/// `let Some(x) = … else { return };` and never passes without running.
#[track_caller]
pub fn missing<T>(what: &str, why: impl Display) -> Option<T> {
    missing_with_switch(None, what, why)
}

/// [`missing`], also required when the environment variable `switch` is `1` outside CI
/// (`VIGIL_REQUIRE_REGISTRY=1` for the registry harness).
#[track_caller]
pub fn missing_with_switch<T>(switch: Option<&str>, what: &str, why: impl Display) -> Option<T> {
    let why = why.to_string();
    match current_gate(switch) {
        Gate::Required(because) => panic!("{}", failure_message(&because, what, &why)),
        Gate::Optional => {
            record_skip(&format!("needs {what}: {why}"), Location::caller());
            None
        }
    }
}

/// A test that cannot do what it is for in this environment, whatever the gate (a mode-000
/// file that root can read anyway): reported as not run, in CI too, never as passed.
/// Returns `None` like [`missing`].
#[track_caller]
pub fn not_applicable<T>(why: impl Display) -> Option<T> {
    record_skip(&format!("not applicable here: {why}"), Location::caller());
    None
}

fn record_skip(reason: &str, at: &Location<'_>) {
    let test = test_name();
    let line = format!("SKIPPED {test}: {reason} ({}:{})\n", at.file(), at.line());
    // Straight to the process's stderr: libtest's capture would hide an `eprintln!`.
    let _ = std::io::stderr().write_all(line.as_bytes());
    append(SKIP_LOG, &format!("{test}\t{reason}"));
}

/// Appends one line to the file named by the environment variable `var`, if set. One
/// `write_all` of a short line on an `O_APPEND` file, so parallel tests do not interleave.
fn append(var: &str, line: &str) {
    let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) else { return };
    let mut text = line.replace('\n', " ");
    text.push('\n');
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
    match file.and_then(|mut f| f.write_all(text.as_bytes())) {
        Ok(()) => {}
        Err(e) => panic!("{var}={}: cannot append: {e}", Path::new(&path).display()),
    }
}

/// A result line worth seeing in every run (a corpus pass rate, `psa: 4537/4537 (100.0%)`):
/// written straight to stderr, so it shows though the test passes (libtest would hide a
/// `println!`), and appended to `$VIGIL_REPORT_LOG`, which `scripts/test` prints before its
/// summary.
pub fn report(line: impl Display) {
    let line = line.to_string();
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
    append(REPORT_LOG, &line);
}

/// The path in environment variable `var` when it is set and exists; otherwise [`missing`]
/// `what` (`VIGIL_COSIGN is unset`, or `… does not exist`).
#[track_caller]
pub fn require_env_path(var: &str, what: &str) -> Option<PathBuf> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        None => missing(what, format!("{var} is unset")),
        Some(value) => {
            let path = PathBuf::from(value);
            if path.exists() { Some(path) } else { missing(what, format!("{var}={} does not exist", path.display())) }
        }
    }
}

/// `name` found as an executable file on `$PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The command `name` on `$PATH`; otherwise [`missing`] `` `name` `` (`not found on PATH`).
#[track_caller]
pub fn require_tool(name: &str) -> Option<PathBuf> {
    match find_on_path(name) {
        Some(path) => Some(path),
        None => missing(&format!("`{name}`"), "not found on PATH (scripts/test installs it)"),
    }
}

/// `python3` able to import every module of `modules`; otherwise [`missing`] them, with
/// Python's own error. `pip` names the package that provides them, for the message.
#[track_caller]
pub fn require_python_modules(modules: &[&str], pip: &str) -> Option<PathBuf> {
    let what = format!("python3 with `{pip}`");
    let Some(python) = find_on_path("python3") else {
        return missing(&what, "python3 is not on PATH");
    };
    let probe =
        Command::new(&python).arg("-c").arg(format!("import {}", modules.join(", "))).stdin(Stdio::null()).output();
    match probe {
        Ok(out) if out.status.success() => Some(python),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().last().unwrap_or("import failed").to_string();
            missing(&what, format!("{} cannot import {}: {last}", python.display(), modules.join(", ")))
        }
        Err(e) => missing(&what, format!("cannot run {}: {e}", python.display())),
    }
}

/// `$VIGIL_CORPORA/<relative>`. Unset `VIGIL_CORPORA` is [`missing`] ("the corpora"); a set
/// `VIGIL_CORPORA` whose `relative` path is missing (or an empty directory) always fails.
#[track_caller]
pub fn require_corpus(relative: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("VIGIL_CORPORA").filter(|v| !v.is_empty()) else {
        return missing(
            &format!("the corpus `{relative}`"),
            "VIGIL_CORPORA is unset (.ci/run points it at ../shared/corpora)",
        );
    };
    let path = Path::new(&root).join(relative);
    let present =
        if path.is_dir() { std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_some()) } else { path.is_file() };
    assert!(present, "VIGIL_CORPORA is set but {} is missing or empty", path.display());
    Some(path)
}

/// The official JSON schemas next to the corpora (`$VIGIL_CORPORA/../schemas`, with
/// `validate.py`), with python3 able to run it (`jsonschema[format-nongpl]`). Every file of
/// `schemas` must exist there.
#[track_caller]
pub fn require_schemas(schemas: &[&str]) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("VIGIL_CORPORA").filter(|v| !v.is_empty()) else {
        return missing("the JSON schemas", "VIGIL_CORPORA is unset (the schemas live in ../schemas next to it)");
    };
    let dir = Path::new(&root).join("../schemas");
    for file in std::iter::once(&"validate.py").chain(schemas) {
        let path = dir.join(file);
        assert!(path.is_file(), "VIGIL_CORPORA is set but {} is missing", path.display());
    }
    require_python_modules(
        &["jsonschema", "referencing", "rfc3986_validator", "rfc3339_validator"],
        "jsonschema[format-nongpl]",
    )?;
    Some(dir)
}

/// Real cosign: `$VIGIL_COSIGN` (scripts/test fetches Debian trixie's cosign and sets it).
#[track_caller]
pub fn cosign() -> Option<PathBuf> {
    require_env_path("VIGIL_COSIGN", "cosign")
}

/// The local Sigstore mock's folder: `$VIGIL_SIGSTORE_MOCK`, holding `trusted_root.json` and
/// `fake-oidc.jwt` (scripts/test starts the mock on 127.0.0.1:8555 and sets it).
#[track_caller]
pub fn sigstore_mock() -> Option<PathBuf> {
    let dir = require_env_path("VIGIL_SIGSTORE_MOCK", "the Sigstore mock")?;
    for file in ["trusted_root.json", "fake-oidc.jwt"] {
        if !dir.join(file).is_file() {
            return missing("the Sigstore mock", format!("VIGIL_SIGSTORE_MOCK={} has no {file}", dir.display()));
        }
    }
    Some(dir)
}

/// A PostgreSQL server's connection URL: `$VIGIL_POSTGRES_URL` (scripts/test starts a private
/// PostgreSQL 15 on 127.0.0.1 and sets it to its `vigil` database, as `postgres`, trust auth).
#[track_caller]
pub fn postgres() -> Option<String> {
    match std::env::var("VIGIL_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        Ok(_) => missing(POSTGRES, "VIGIL_POSTGRES_URL is empty"),
        Err(std::env::VarError::NotPresent) => missing(POSTGRES, "VIGIL_POSTGRES_URL is unset"),
        Err(std::env::VarError::NotUnicode(_)) => missing(POSTGRES, "VIGIL_POSTGRES_URL is not UTF-8"),
    }
}

const POSTGRES: &str = "PostgreSQL (VIGIL_POSTGRES_URL, started by scripts/test)";

/// `url` naming database `db` instead (`postgres://u@h:p/vigil?x` → `postgres://u@h:p/db?x`),
/// for tests that each create a database of their own on the [`postgres`] server.
#[must_use]
pub fn postgres_database_url(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let end = base.get(authority..).and_then(|rest| rest.find('/')).map_or(base.len(), |i| authority + i);
    format!("{}/{db}{query}", base.get(..end).unwrap_or(base))
}

/// The Debian test image folder, `$VIGIL_TEST_IMAGES/debian` (scripts/make-test-images.sh
/// builds it): `oci/`, `oci-archive.tar`, `docker-archive.tar`, `expected-dpkg.txt`. A set
/// variable without the image fails.
#[track_caller]
pub fn test_images() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("VIGIL_TEST_IMAGES").filter(|v| !v.is_empty()) else {
        return missing("the test images", "VIGIL_TEST_IMAGES is unset (scripts/test builds them and sets it)");
    };
    let dir = Path::new(&root).join("debian");
    assert!(dir.join("oci/index.json").is_file(), "VIGIL_TEST_IMAGES is set but {} has no image", dir.display());
    Some(dir)
}

/// Whether `program --version` (or the given probe arguments) can be started.
pub fn runs(program: impl AsRef<OsStr>, args: &[&str]) -> bool {
    Command::new(program).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn postgres_database_url_replaces_only_the_path() {
        assert_eq!(
            postgres_database_url("postgres://postgres@127.0.0.1:5432/vigil", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            postgres_database_url("postgresql://u:p@h/vigil?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
        assert_eq!(postgres_database_url("postgres://h:1", "x"), "postgres://h:1/x");
    }

    use super::*;

    #[test]
    fn ci_values() {
        for yes in ["true", "TRUE", "True", "1", " true\n"] {
            assert!(is_ci_value(yes), "{yes:?}");
        }
        for no in ["", "false", "0", "no", "yes-ish"] {
            assert!(!is_ci_value(no), "{no:?}");
        }
    }

    #[test]
    fn ci_requires_and_names_itself() {
        assert_eq!(gate_for(Some("true"), None), Gate::Required("CI=true".into()));
        assert_eq!(gate_for(Some("1"), None), Gate::Required("CI=1".into()));
        assert_eq!(gate_for(Some("false"), None), Gate::Optional);
        assert_eq!(gate_for(None, None), Gate::Optional);
    }

    #[test]
    fn a_switch_requires_outside_ci() {
        let switch = "VIGIL_REQUIRE_REGISTRY";
        assert_eq!(gate_for(None, Some((switch, Some("1")))), Gate::Required("VIGIL_REQUIRE_REGISTRY=1".into()));
        assert_eq!(gate_for(None, Some((switch, Some("0")))), Gate::Optional);
        assert_eq!(gate_for(None, Some((switch, None))), Gate::Optional);
        // CI wins and is what the message names.
        assert_eq!(gate_for(Some("true"), Some((switch, Some("1")))), Gate::Required("CI=true".into()));
    }

    #[test]
    fn the_failure_names_what_is_missing() {
        assert_eq!(
            failure_message("CI=true", "cosign", "VIGIL_COSIGN is unset"),
            "CI=true but cosign is missing: VIGIL_COSIGN is unset"
        );
    }

    #[test]
    fn the_test_name_is_binary_and_thread() {
        let name = test_name();
        assert!(name.ends_with(" tests::the_test_name_is_binary_and_thread"), "{name}");
        assert!(name.starts_with("vigil_testkit "), "{name}");
    }
}
