//! The one way these tests run `vigil`: [`Vigil`] builds the command with a clean
//! environment and a chosen current directory, and [`Outcome`] holds its exit code and
//! output with temporary paths replaced by `[TMP]`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tempfile::TempDir;

/// Environment variables that change vigil's behaviour or output: removed for every run.
const CLEARED: [&str; 4] = ["NO_COLOR", "RUST_LOG", "RUST_BACKTRACE", "COSIGN_PASSWORD"];
const CLEARED_PREFIXES: [&str; 2] = ["VIGIL_", "CLICOLOR"];

/// `crates/vigil/tests/fixtures/lint`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

/// The text of a fixture.
pub fn fixture(name: &str) -> String {
    let path = fixtures().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A fresh temporary directory, removed when dropped.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new().prefix("vigil-cli-").tempdir().unwrap_or_else(|e| panic!("creating a temp dir: {e}"))
}

/// Writes `contents` to `dir/name`, creating parent directories.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
    }
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// Copies the fixture `name` into `dir` under `as_name`.
pub fn copy_fixture(dir: &Path, name: &str, as_name: &str) -> PathBuf {
    write(dir, as_name, fixture(name))
}

/// A `vigil` invocation being built.
pub struct Vigil {
    cmd: assert_cmd::Command,
    /// Paths replaced by `[TMP]` in the output, longest first.
    temp_paths: Vec<String>,
}

impl Vigil {
    /// `vigil` run in the fixtures directory, so fixtures are named by their file name.
    pub fn in_fixtures() -> Self {
        Self::new(&fixtures())
    }

    /// `vigil` run in `dir` (usually a [`temp_dir`]); `dir` is shown as `[TMP]` in outputs.
    pub fn in_dir(dir: &Path) -> Self {
        Self::new(dir)
    }

    fn new(dir: &Path) -> Self {
        let mut cmd = assert_cmd::Command::cargo_bin("vigil").unwrap_or_else(|e| panic!("vigil binary: {e}"));
        for (key, _) in std::env::vars_os() {
            let Some(key) = key.to_str() else { continue };
            if CLEARED.contains(&key) || CLEARED_PREFIXES.iter().any(|p| key.starts_with(p)) {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(dir);
        let mut temp_paths = Vec::new();
        let temp_root = std::env::temp_dir();
        let canonical_root = temp_root.canonicalize().unwrap_or(temp_root.clone());
        let canonical = dir.canonicalize().unwrap_or(dir.to_path_buf());
        if dir.starts_with(&temp_root) || canonical.starts_with(&canonical_root) {
            temp_paths.push(dir.display().to_string());
            temp_paths.push(canonical.display().to_string());
        }
        temp_paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        temp_paths.dedup();
        Vigil { cmd, temp_paths }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable for the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Feeds `bytes` to standard input.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.cmd.write_stdin(bytes.into());
        self
    }

    /// Runs `vigil` to completion. Fails the test if it panicked or was killed by a signal.
    pub fn run(mut self) -> Outcome {
        let output = self.cmd.output().unwrap_or_else(|e| panic!("running vigil: {e}"));
        let clean = |bytes: &[u8]| {
            let mut text = String::from_utf8_lossy(bytes).into_owned();
            for path in &self.temp_paths {
                text = text.replace(path.as_str(), "[TMP]");
            }
            text
        };
        let outcome =
            Outcome { code: output.status.code(), stdout: clean(&output.stdout), stderr: clean(&output.stderr) };
        assert!(!outcome.stderr.contains("panicked"), "vigil panicked\n{outcome}");
        assert!(outcome.code.is_some(), "vigil was killed by a signal\n{outcome}");
        outcome
    }
}

/// What a run of `vigil` produced, temporary paths replaced by `[TMP]`.
pub struct Outcome {
    /// Exit code (`None` if killed by a signal, which [`Vigil::run`] already rejects).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Asserts the exit code, printing the whole outcome when it differs.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, Some(expected), "unexpected exit code\n{self}");
        self
    }

    /// Standard output parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }

    /// The `error:` lines of standard error.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with("error:")).collect()
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code.map_or_else(|| "signal".to_string(), |c| c.to_string());
        write!(f, "exit: {code}\n--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// The rule IDs of the findings of a JSON report.
pub fn rules_of(report: &Value) -> BTreeSet<String> {
    findings(report).iter().map(|f| str_of(f, "rule")).collect()
}

/// The files named by the findings of a JSON report.
pub fn files_of(report: &Value) -> BTreeSet<String> {
    findings(report).iter().map(|f| str_of(f, "file")).collect()
}

/// The findings of a JSON report.
#[track_caller]
pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap_or_else(|| panic!("no `findings` array in {report:#}"))
}

/// The errors of a JSON report.
#[track_caller]
pub fn errors(report: &Value) -> &Vec<Value> {
    report["errors"].as_array().unwrap_or_else(|| panic!("no `errors` array in {report:#}"))
}

/// A string field of a JSON object.
#[track_caller]
pub fn str_of(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_else(|| panic!("`{key}` is not a string in {value:#}")).to_string()
}

/// Settings for file snapshots: stored in `crates/vigil/tests/snapshots/`.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(true);
    settings
}
