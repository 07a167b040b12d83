#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The Git history target on repositories built with the `git` CLI (fixed authors and dates),
//! and side by side with real gitleaks 8.16. Every secret here is fake.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use vigil_secrets::config::Config;
use vigil_secrets::engine::Detector;
use vigil_secrets::git::{self, GitOptions};
use vigil_secrets::scan::Scan;

const KEY: &str = "AKIAQYLPMN5HHHFPZAM2";
const KEY2: &str = "AKIAZXLPMN5HHHFPZBM3";
const KEY3: &str = "AKIAWVLPMN5HHHFPZCM4";

/// A small config both vigil and gitleaks 8.16 load.
const CONFIG: &str = "[[rules]]\nid = \"fake-aws\"\ndescription = \"fake AWS key\"\nregex = '''AKIA[A-Z2-7]{16}'''\nkeywords = [\"akia\"]\n";

fn builtin() -> Detector {
    Detector::new(vigil_secrets::builtin::config().unwrap(), Default::default())
}

fn small() -> Detector {
    Detector::new(Config::from_toml("fake.toml", CONFIG).unwrap(), Default::default())
}

/// Runs git in `dir` with a fixed identity and date (`day`: days after 2024-01-01), no user or
/// system configuration.
fn git_at(dir: &Path, day: u32, args: &[&str]) -> String {
    let date = format!("2024-01-{:02}T00:00:00Z", day + 1);
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice Example")
        .env("GIT_AUTHOR_EMAIL", "alice@example.test")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_NAME", "Bob Example")
        .env("GIT_COMMITTER_EMAIL", "bob@example.test")
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Repo {
    dir: tempfile::TempDir,
    day: u32,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        git_at(dir.path(), 0, &["init", "-q", "-b", "main"]);
        Repo { dir, day: 0 }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, file: &str, text: &str) {
        let p = self.path().join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn git(&mut self, args: &[&str]) -> String {
        git_at(self.path(), self.day, args)
    }
    /// Stages everything and commits; returns the commit id.
    fn commit(&mut self, message: &str) -> String {
        self.day += 1;
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// A `git clone --depth 1` of `r` (the directory lives as long as the returned guard).
fn shallow_clone(r: &Repo) -> (tempfile::TempDir, std::path::PathBuf) {
    let dst = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.path().display());
    let target = dst.path().join("clone");
    git_at(dst.path(), 0, &["clone", "-q", "--depth", "1", &url, target.to_str().unwrap()]);
    (dst, target)
}

fn scan(repo: &Path, options: &GitOptions, detector: &Detector) -> Scan {
    git::scan(repo, options, detector).unwrap()
}

type Row = (String, String, usize, String);

fn rows(scan: &Scan) -> BTreeSet<Row> {
    scan.findings
        .iter()
        .map(|f| (f.gitleaks_id.clone(), f.file.clone(), f.start_line, f.commit.as_ref().unwrap().id.clone()))
        .collect()
}

#[test]
fn a_secret_added_then_moved_down_then_deleted_is_found_once_at_the_adding_commit() {
    let mut r = Repo::new();
    r.write("README", "hello\n");
    r.commit("initial");
    r.write("conf/app.env", &format!("name = demo\naws_key = {KEY}\n"));
    let adding = r.commit("add key\n\nwith a body");
    r.write("conf/app.env", &format!("# header\n# more\nname = demo\naws_key = {KEY}\n"));
    r.commit("insert lines above");
    std::fs::remove_file(r.path().join("conf/app.env")).unwrap();
    r.commit("remove key");

    let s = scan(r.path(), &GitOptions::default(), &builtin());
    assert_eq!(s.findings.len(), 1, "{:?}", rows(&s));
    let f = &s.findings[0];
    assert_eq!(f.gitleaks_id, "aws-access-token");
    assert_eq!(f.file, "conf/app.env");
    assert_eq!(f.start_line, 2);
    assert_eq!(f.secret, KEY);
    let c = f.commit.as_ref().unwrap();
    assert_eq!(c.id, adding);
    assert_eq!(c.author, "Alice Example");
    assert_eq!(c.email, "alice@example.test");
    assert_eq!(c.date, "2024-01-03T00:00:00Z");
    assert_eq!(c.message, "add key\n\nwith a body");
    assert_eq!(f.fingerprint, format!("{adding}:conf/app.env:aws-access-token:2"));
    assert_eq!(s.stats.commits, 4);
    // README, app.env twice (two versions); the deletion is not scanned.
    assert_eq!(s.stats.blobs, 3);
}

#[test]
fn the_same_content_at_two_paths_is_scanned_once_and_reported_at_both() {
    let mut r = Repo::new();
    let text = format!("aws_key = {KEY}\n");
    r.write("a/one.env", &text);
    r.write("b/two.env", &text);
    let c = r.commit("two copies");
    let s = scan(r.path(), &GitOptions::default(), &builtin());
    assert_eq!(s.stats.blobs, 1);
    assert_eq!(s.stats.files, 2);
    let expected: BTreeSet<Row> = [
        ("aws-access-token".to_owned(), "a/one.env".to_owned(), 1, c.clone()),
        ("aws-access-token".to_owned(), "b/two.env".to_owned(), 1, c),
    ]
    .into();
    assert_eq!(rows(&s), expected);
}

#[test]
fn a_shallow_clone_whose_boundary_is_a_merge_reports_it_as_a_root() {
    let mut r = Repo::new();
    r.write("README", "hello\n");
    r.commit("initial");
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side.env", &format!("k = {KEY}\n"));
    r.commit("secret on a branch");
    r.git(&["checkout", "-q", "main"]);
    r.write("README", "hello again\n");
    r.commit("main moves on");
    r.git(&["merge", "-q", "--no-edit", "side"]);
    let merge = r.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let (_dst, target) = shallow_clone(&r);
    let s = scan(&target, &GitOptions::default(), &builtin());
    assert_eq!(s.stats.commits, 1);
    assert_eq!(rows(&s), [("aws-access-token".to_owned(), "side.env".to_owned(), 1, merge)].into());
}

#[test]
fn a_side_branch_is_scanned_by_default_and_revisions_select_commits() {
    let mut r = Repo::new();
    r.write("README", "hello\n");
    r.commit("initial");
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side.env", &format!("k = {KEY}\n"));
    let side = r.commit("secret on a branch");
    r.git(&["checkout", "-q", "main"]);
    r.write("README", "hello again\n");
    r.commit("main moves on");

    let all = scan(r.path(), &GitOptions::default(), &builtin());
    assert_eq!(rows(&all), [("aws-access-token".to_owned(), "side.env".to_owned(), 1, side.clone())].into());
    assert_eq!(all.stats.commits, 3);

    let main = GitOptions { revisions: Some("main".into()), ..GitOptions::default() };
    let s = scan(r.path(), &main, &builtin());
    assert!(s.findings.is_empty());
    assert_eq!(s.stats.commits, 2);

    let range = GitOptions { revisions: Some("main..side".into()), ..GitOptions::default() };
    let s = scan(r.path(), &range, &builtin());
    assert_eq!(s.stats.commits, 1);
    assert_eq!(s.findings.len(), 1);
    assert_eq!(s.findings[0].commit.as_ref().unwrap().id, side);

    let bad = GitOptions { revisions: Some("no-such-branch".into()), ..GitOptions::default() };
    let e = git::scan(r.path(), &bad, &builtin()).unwrap_err().to_string();
    assert!(e.contains("no-such-branch"), "{e}");
}

#[test]
fn since_leaves_out_older_commits() {
    let mut r = Repo::new();
    r.write("old.env", &format!("k = {KEY}\n"));
    r.commit("old"); // 2024-01-02
    r.day = 20;
    r.write("new.env", &format!("k = {KEY2}\n"));
    let new = r.commit("new"); // 2024-01-22
    let since = GitOptions { since: Some("2024-01-10".into()), ..GitOptions::default() };
    let s = scan(r.path(), &since, &builtin());
    assert_eq!(rows(&s), [("aws-access-token".to_owned(), "new.env".to_owned(), 1, new.clone())].into());
    let rfc = GitOptions { since: Some("2024-01-22T00:00:01+00:00".into()), ..GitOptions::default() };
    assert!(scan(r.path(), &rfc, &builtin()).findings.is_empty());
    let rfc = GitOptions { since: Some("2024-01-22T00:00:00Z".into()), ..GitOptions::default() };
    assert_eq!(scan(r.path(), &rfc, &builtin()).findings.len(), 1);
    assert_eq!(scan(r.path(), &GitOptions::default(), &builtin()).findings.len(), 2);
    let bad = GitOptions { since: Some("last tuesday".into()), ..GitOptions::default() };
    assert!(git::scan(r.path(), &bad, &builtin()).is_err());
}

#[test]
fn a_shallow_clone_reports_its_boundary_commit_as_adding_everything() {
    let mut r = Repo::new();
    r.write("a.env", &format!("k = {KEY}\n"));
    r.commit("one");
    r.write("b.txt", "nothing\n");
    r.commit("two");
    r.write("b.txt", "nothing at all\n");
    let head = r.commit("three");
    let (_dst, target) = shallow_clone(&r);
    let s = scan(&target, &GitOptions::default(), &builtin());
    assert_eq!(s.stats.commits, 1);
    assert_eq!(rows(&s), [("aws-access-token".to_owned(), "a.env".to_owned(), 1, head)].into());
}

#[test]
fn binary_and_large_blobs_are_skipped_and_counted() {
    let mut r = Repo::new();
    r.write("bin.dat", &format!("\0\0{KEY}\n"));
    r.write("big.env", &format!("{}\nk = {KEY}\n", "x".repeat(2000)));
    r.write("ok.env", &format!("k = {KEY}\n"));
    r.commit("mixed");
    let options = GitOptions { max_blob_bytes: 1000, ..GitOptions::default() };
    let s = scan(r.path(), &options, &builtin());
    assert_eq!(s.findings.len(), 1);
    assert_eq!(s.findings[0].file, "ok.env");
    assert_eq!(s.stats.skipped_binary, 1);
    assert_eq!(s.stats.skipped_large, 1);
    assert_eq!(s.stats.blobs, 1);
}

#[test]
fn commit_and_path_allowlists_apply_per_commit() {
    let mut r = Repo::new();
    r.write("a.env", &format!("k = {KEY}\n"));
    let first = r.commit("one");
    r.write("b.env", &format!("k = {KEY}\n"));
    r.write("vendor/c.env", &format!("k = {KEY}\n"));
    let second = r.commit("two");
    let config = format!("{CONFIG}[allowlist]\ncommits = [\"{first}\"]\npaths = ['''^vendor/''']\n");
    let detector = Detector::new(Config::from_toml("t.toml", &config).unwrap(), Default::default());
    let s = scan(r.path(), &GitOptions::default(), &detector);
    assert_eq!(rows(&s), [("fake-aws".to_owned(), "b.env".to_owned(), 1, second)].into());
    assert_eq!(s.stats.skipped_allowlisted, 1);
}

#[test]
fn not_a_repository_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let e = git::scan(dir.path(), &GitOptions::default(), &builtin()).unwrap_err().to_string();
    assert!(e.contains(&dir.path().display().to_string()), "{e}");
}

/// A history with modifications, moves, a branch, a merge, deletions and a binary file.
fn rich_repo() -> Repo {
    let mut r = Repo::new();
    r.write("README.md", "# demo\n");
    r.commit("initial");
    r.write("src/config.py", &format!("A = 1\nKEY = '{KEY}'\nB = 2\n"));
    r.commit("config");
    r.write("src/config.py", &format!("A = 1\n# note\nKEY = '{KEY}'\nB = 2\nC = '{KEY2}'\n"));
    r.commit("more config");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("feature/x.yaml", &format!("a: 1\nb: {KEY3}\n"));
    r.commit("feature");
    r.write("feature/x.yaml", &format!("a: 2\nb: {KEY3}\nc: {KEY}\n"));
    r.commit("feature 2");
    r.git(&["checkout", "-q", "main"]);
    r.write("docs/notes.txt", &format!("line\nold key {KEY2} here\n"));
    r.commit("notes");
    r.day += 1;
    r.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    r.write("data.bin", &format!("\0\u{1}{KEY}\n"));
    r.commit("binary");
    std::fs::remove_file(r.path().join("docs/notes.txt")).unwrap();
    r.write("src/config.py", "A = 1\n");
    r.commit("cleanup");
    r.write("copy/again.txt", &format!("{KEY}\n{KEY2}\n"));
    r.commit("again");
    let lines: String = (0..10).map(|i| format!("setting_{i} = {i}\n")).collect();
    r.write("src/settings.ini", &format!("{lines}key = {KEY2}\n"));
    r.commit("settings");
    std::fs::remove_file(r.path().join("src/settings.ini")).unwrap();
    r.write("etc/settings.ini", &format!("{lines}key = {KEY2}\nkey3 = {KEY3}\n"));
    r.commit("move settings and add a key");
    r
}

#[test]
fn the_rich_history_has_the_expected_findings() {
    let r = rich_repo();
    let s = scan(r.path(), &GitOptions::default(), &small());
    let files: Vec<(&str, usize)> = s.findings.iter().map(|f| (f.file.as_str(), f.start_line)).collect();
    // Newest commit first: the move (only the added key), settings, again, (cleanup, binary: none), merge skipped, notes, feature 2,
    // feature, more config, config.
    assert_eq!(
        files,
        vec![
            ("etc/settings.ini", 12),
            ("src/settings.ini", 11),
            ("copy/again.txt", 1),
            ("copy/again.txt", 2),
            ("docs/notes.txt", 2),
            ("feature/x.yaml", 3),
            ("feature/x.yaml", 2),
            ("src/config.py", 5),
            ("src/config.py", 2),
        ]
    );
    assert_eq!(s.stats.skipped_binary, 1);
}

#[test]
fn findings_equal_gitleaks_on_the_same_history() {
    let Some(gitleaks) = vigil_testkit::require_env_path("VIGIL_GITLEAKS", "gitleaks 8.16") else { return };
    let r = rich_repo();
    let out = tempfile::tempdir().unwrap();
    let conf = out.path().join("gitleaks.toml");
    std::fs::write(&conf, CONFIG).unwrap();
    let report = out.path().join("report.json");
    let status = Command::new(&gitleaks)
        .args(["detect", "--no-banner", "-s"])
        .arg(r.path())
        .args(["-f", "json", "-r"])
        .arg(&report)
        .arg("--config")
        .arg(&conf)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    // 1: leaks found.
    assert_eq!(status.status.code(), Some(1), "{}", String::from_utf8_lossy(&status.stderr));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    // gitleaks 8.16 (go-gitdiff) reads the commit that follows a merge in `git log` order as
    // part of the merge's message and reports its findings at the merge commit; its real id is
    // the last `commit <id>` line of that message. vigil reports the real commit.
    let mut misattributed = 0;
    let theirs: BTreeSet<Row> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let message = f["Message"].as_str().unwrap();
            let mut commit = f["Commit"].as_str().unwrap().to_owned();
            if let Some(real) = message.lines().rev().find_map(|l| l.strip_prefix("commit ")) {
                misattributed += 1;
                commit = real.trim().to_owned();
            }
            (
                f["RuleID"].as_str().unwrap().to_owned(),
                f["File"].as_str().unwrap().to_owned(),
                usize::try_from(f["StartLine"].as_u64().unwrap()).unwrap(),
                commit,
            )
        })
        .collect();
    assert_eq!(misattributed, 1, "gitleaks' merge-commit misattribution (docs/notes.txt)");
    let ours = rows(&scan(r.path(), &GitOptions::default(), &small()));
    assert_eq!(ours.len(), 9);
    assert_eq!(ours, theirs);
}

#[test]
fn a_file_renamed_with_changes_reports_only_the_changed_lines() {
    let mut r = Repo::new();
    let body: String = (0..20).map(|i| format!("line {i}\n")).collect();
    r.write("old/name.env", &format!("{body}k = {KEY}\n"));
    let first = r.commit("one");
    std::fs::remove_file(r.path().join("old/name.env")).unwrap();
    r.write("new/name.env", &format!("{body}k = {KEY}\nj = {KEY2}\n"));
    let second = r.commit("move and add");
    let s = scan(r.path(), &GitOptions::default(), &builtin());
    let expected: BTreeSet<Row> = [
        ("aws-access-token".to_owned(), "old/name.env".to_owned(), 21, first),
        ("aws-access-token".to_owned(), "new/name.env".to_owned(), 22, second),
    ]
    .into();
    assert_eq!(rows(&s), expected);
}
