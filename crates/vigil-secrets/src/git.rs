//! The Git history target: every commit's added lines, each blob scanned once.
//!
//! Semantics follow gitleaks' `git log -p -U0 --full-history --all`:
//! - commits reachable from every ref (and `HEAD`) by default, or from
//!   [`GitOptions::revisions`] (`main`, `A..B`, `^A B`, `--all`), newest first by commit time;
//! - merge commits are skipped (`git log -p` shows no diff for them);
//! - each other commit is diffed against its first parent (against nothing for a root commit or
//!   a shallow clone's boundary); deleted files are not scanned; a file moved unchanged (the same
//!   blob deleted at one path and added at another) has no added lines, and a new file is
//!   compared with the commit's most similar deleted file when at least half their lines are
//!   common (git's rename detection, approximated by lines);
//! - a blob is scanned once however many commits and paths hold it (its findings are cached by
//!   blob id, by blob id and path when a rule has a `path` pattern); a finding is reported for a
//!   commit when its start line is a line that commit added (a line diff against the parent's
//!   blob at the same path), then checked again with the commit and path (commit allowlists);
//! - binary blobs (a NUL in the first 8000 bytes) and blobs over [`GitOptions::max_blob_bytes`]
//!   are skipped and counted.
//!
//! Findings are ordered by commit (newest first), then path, line, column and rule.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use gix::ObjectId;
use gix::diff::blob::{Algorithm, Diff, InternedInput};
use rayon::prelude::*;

use crate::engine::Detector;
use crate::finding::Finding;
use crate::fragment::{CommitInfo, Fragment, Origin};
use crate::scan::{Scan, Stats};

/// How a history is scanned.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// Blobs larger than this are skipped (counted in [`Stats::skipped_large`]).
    pub max_blob_bytes: u64,
    /// Only commits whose committer date is at or after this: `YYYY-MM-DD` (midnight UTC) or
    /// RFC 3339.
    pub since: Option<String>,
    /// Which commits: whitespace-separated revisions (`main`, `A..B`, `^A`, `--all`); `None`:
    /// everything reachable from any ref.
    pub revisions: Option<String>,
    /// At most this many commits are walked (the rest are left out and noted in
    /// [`Stats::errors`]).
    pub max_commits: u64,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions { max_blob_bytes: 10 * 1024 * 1024, since: None, revisions: None, max_commits: 10_000_000 }
    }
}

/// Why a history could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The repository could not be opened.
    #[error("{path}: not a Git repository: {message}")]
    Open {
        /// The path given.
        path: String,
        /// Why.
        message: String,
    },
    /// A revision or option could not be understood.
    #[error("{path}: revision `{spec}`: {message}")]
    Revision {
        /// The repository.
        path: String,
        /// The revision as given.
        spec: String,
        /// Why.
        message: String,
    },
    /// `since` is not a date.
    #[error("since `{0}`: expected YYYY-MM-DD or an RFC 3339 date")]
    Since(String),
    /// An object could not be read.
    #[error("{path}: object {id}: {message}")]
    Object {
        /// The repository.
        path: String,
        /// The object id.
        id: String,
        /// Why.
        message: String,
    },
}

/// A file a commit added or modified.
struct Change {
    commit: usize,
    path: String,
    new: ObjectId,
    old: Option<ObjectId>,
}

/// At most this many deleted files of a commit are considered as a new file's rename source.
const MAX_RENAME_CANDIDATES: usize = 64;

/// The cache key of a scanned blob: its id and the rules whose `path` pattern its path matches
/// (usually none, so that a blob is scanned once whatever its paths).
type Key = (ObjectId, Vec<usize>);

enum Blob {
    Scanned { bytes: u64, findings: Vec<Finding> },
    Binary,
    Large,
    Failed(String),
}

/// Scans the history of the repository at `repo` (a work tree or a bare repository).
///
/// # Errors
///
/// When the repository cannot be opened, a revision or `since` is not understood, or a commit or
/// tree cannot be read. Unreadable blobs are noted in [`Stats::errors`] instead.
pub fn scan(repo: &Path, options: &GitOptions, detector: &Detector) -> Result<Scan, GitError> {
    let shown = repo.display().to_string();
    let open = gix::open(repo).map_err(|e| GitError::Open { path: shown.clone(), message: e.to_string() })?;
    let since =
        options.since.as_deref().map(|s| parse_since(s).ok_or_else(|| GitError::Since(s.to_owned()))).transpose()?;
    let obj_err = |id: &dyn std::fmt::Display, e: &dyn std::fmt::Display| GitError::Object {
        path: shown.clone(),
        id: id.to_string(),
        message: e.to_string(),
    };

    let mut stats = Stats::default();
    let ids = walk(&open, &shown, options, &mut stats)?;
    let path_rules: Vec<(usize, &regex::bytes::Regex)> =
        detector.rules().iter().enumerate().filter_map(|(i, r)| r.path.as_ref().map(|p| (i, p))).collect();
    let key_of = |change: &Change| -> Key {
        let class = path_rules.iter().filter(|(_, p)| p.is_match(change.path.as_bytes())).map(|(i, _)| *i).collect();
        (change.new, class)
    };

    // 1. What each commit added or modified.
    let mut commits: Vec<Arc<CommitInfo>> = Vec::new();
    let mut deletions: Vec<Vec<ObjectId>> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    for id in ids {
        let commit = open.find_commit(id).map_err(|e| obj_err(&id, &e))?;
        // The parents the repository has: a shallow clone's boundary commit has none here, and
        // is a root for git and gitleaks even when it records several (a merge).
        let mut parents: Vec<ObjectId> = Vec::new();
        for p in commit.parent_ids().map(|p| p.detach()) {
            if open.try_find_object(p).map_err(|e| obj_err(&p, &e))?.is_some() {
                parents.push(p);
            }
        }
        if let Some(since) = since {
            let time = commit.time().map_err(|e| obj_err(&id, &e))?;
            if time.seconds < since {
                continue;
            }
        }
        if parents.len() > 1 {
            continue;
        }
        let tree = commit.tree_id().map_err(|e| obj_err(&id, &e))?.detach();
        // A shallow boundary's parent is absent: diff against nothing, as for a root commit.
        let parent_tree = match parents.first() {
            Some(p) => match open.try_find_object(*p).map_err(|e| obj_err(p, &e))? {
                Some(obj) => Some(obj.into_commit().tree_id().map_err(|e| obj_err(p, &e))?.detach()),
                None => None,
            },
            None => None,
        };
        let info = commit_info(&commit, id);
        let index = commits.len();
        commits.push(Arc::new(info));
        let mut added = Vec::new();
        let mut deleted = HashSet::new();
        diff_trees(&open, parent_tree, tree, &mut added, &mut deleted).map_err(|(i, e)| obj_err(&i, &e))?;
        for (path, new, old) in added {
            if old.is_none() && deleted.contains(&new) {
                continue; // moved unchanged
            }
            changes.push(Change { commit: index, path, new, old });
        }
        let mut deleted: Vec<ObjectId> = deleted.into_iter().collect();
        deleted.sort();
        deleted.truncate(MAX_RENAME_CANDIDATES);
        deletions.push(deleted);
    }

    // 2. Every blob once, in parallel.
    let mut keys: Vec<(Key, String)> = Vec::new();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut wanted: Vec<bool> = Vec::with_capacity(changes.len());
    for change in &changes {
        if detector.path_allowed(&change.path) {
            stats.skipped_allowlisted += 1;
            wanted.push(false);
            continue;
        }
        wanted.push(true);
        stats.files += 1;
        let key = key_of(change);
        if seen.insert(key.clone()) {
            // Scanned without a path unless a rule's `path` matches it.
            let path = if key.1.is_empty() { String::new() } else { change.path.clone() };
            keys.push((key, path));
        }
    }
    let sync = open.clone().into_sync();
    let max = options.max_blob_bytes;
    let results: Vec<Blob> = keys
        .par_iter()
        .map_init(|| sync.to_thread_local(), |repo, ((id, _), path)| scan_blob(repo, *id, path, max, detector))
        .collect();
    let mut cache: HashMap<Key, Blob> = HashMap::with_capacity(keys.len());
    for ((key, path), blob) in keys.into_iter().zip(results) {
        match &blob {
            Blob::Scanned { bytes, .. } => {
                stats.blobs += 1;
                stats.bytes = stats.bytes.saturating_add(*bytes);
            }
            Blob::Binary => stats.skipped_binary += 1,
            Blob::Large => stats.skipped_large += 1,
            Blob::Failed(e) => stats.errors.push(format!("{shown}: blob {} {path}: {e}", key.0)),
        }
        cache.insert(key, blob);
    }

    // 3. Findings on added lines, per commit and path.
    let hits: Vec<&Change> = changes
        .iter()
        .zip(&wanted)
        .filter(|(c, w)| {
            **w && matches!(cache.get(&key_of(c)),
                Some(Blob::Scanned { findings, .. }) if !findings.is_empty())
        })
        .map(|(c, _)| c)
        .collect();
    let found: Vec<Result<Vec<(usize, Finding)>, String>> = hits
        .par_iter()
        .map_init(
            || sync.to_thread_local(),
            |repo, change| {
                let Some(Blob::Scanned { findings, .. }) = cache.get(&key_of(change)) else { return Ok(Vec::new()) };
                let commit = commits.get(change.commit).cloned();
                let deleted = deletions.get(change.commit).map(Vec::as_slice).unwrap_or_default();
                report(repo, change, findings, commit, deleted, max, detector)
                    .map_err(|e| format!("{shown}: {}: {e}", change.path))
            },
        )
        .collect();
    let mut findings: Vec<(usize, Finding)> = Vec::new();
    for r in found {
        match r {
            Ok(f) => findings.extend(f),
            Err(e) => stats.errors.push(e),
        }
    }
    findings.sort_by(|(ca, a), (cb, b)| {
        (ca, &a.file, a.start_line, a.start_column, &a.rule).cmp(&(cb, &b.file, b.start_line, b.start_column, &b.rule))
    });
    Ok(Scan { findings: findings.into_iter().map(|(_, f)| f).collect(), stats })
}

/// The commits to scan, newest first.
fn walk(
    repo: &gix::Repository,
    shown: &str,
    options: &GitOptions,
    stats: &mut Stats,
) -> Result<Vec<ObjectId>, GitError> {
    let mut tips: Vec<ObjectId> = Vec::new();
    let mut hidden: Vec<ObjectId> = Vec::new();
    let rev_err = |spec: &str, e: &dyn std::fmt::Display| GitError::Revision {
        path: shown.to_owned(),
        spec: spec.to_owned(),
        message: e.to_string(),
    };
    let to_commit = |id: ObjectId, spec: &str| -> Result<ObjectId, GitError> {
        let object = repo.find_object(id).map_err(|e| rev_err(spec, &e))?;
        Ok(object.peel_to_commit().map_err(|e| rev_err(spec, &e))?.id)
    };
    let mut all = options.revisions.is_none();
    for token in options.revisions.as_deref().unwrap_or("").split_whitespace() {
        if token == "--all" {
            all = true;
            continue;
        }
        if token.starts_with('-') {
            return Err(rev_err(token, &"unsupported option (revisions, `A..B`, `^A` and `--all` are)"));
        }
        let spec = repo.rev_parse(token).map_err(|e| rev_err(token, &e))?.detach();
        match spec {
            gix::revision::plumbing::Spec::Include(id) => tips.push(to_commit(id, token)?),
            gix::revision::plumbing::Spec::Exclude(id) => hidden.push(to_commit(id, token)?),
            gix::revision::plumbing::Spec::Range { from, to } => {
                hidden.push(to_commit(from, token)?);
                tips.push(to_commit(to, token)?);
            }
            _ => return Err(rev_err(token, &"unsupported revision form (use `A`, `A..B` or `^A`)")),
        }
    }
    if all {
        let platform = repo.references().map_err(|e| rev_err("--all", &e))?;
        let refs = platform.all().map_err(|e| rev_err("--all", &e))?;
        for reference in refs {
            let Ok(mut reference) = reference else { continue };
            // Refs to trees or blobs (rare) have no history.
            if let Ok(commit) = reference.peel_to_commit() {
                tips.push(commit.id);
            }
        }
        if let Ok(head) = repo.head_id() {
            tips.push(head.detach());
        }
    }
    tips.sort();
    tips.dedup();
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    let walk = repo
        .rev_walk(tips)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .with_hidden(hidden)
        .all()
        .map_err(|e| rev_err(options.revisions.as_deref().unwrap_or("--all"), &e))?;
    let mut ids = Vec::new();
    for info in walk {
        let info = info.map_err(|e| rev_err(options.revisions.as_deref().unwrap_or("--all"), &e))?;
        stats.commits += 1;
        if stats.commits > options.max_commits {
            stats.commits = options.max_commits;
            stats
                .errors
                .push(format!("{shown}: more than {} commits; the older ones were not scanned", options.max_commits));
            break;
        }
        ids.push(info.id);
    }
    Ok(ids)
}

fn commit_info(commit: &gix::Commit<'_>, id: ObjectId) -> CommitInfo {
    let (author, email, date) = match commit.author() {
        Ok(sig) => {
            let sig = sig.trim();
            let date = sig.time().map(|t| rfc3339(t.seconds)).unwrap_or_default();
            (sig.name.to_string(), sig.email.to_string(), date)
        }
        Err(_) => Default::default(),
    };
    let message = commit.message_raw_sloppy().to_string().trim().to_owned();
    CommitInfo { id: id.to_string(), author, email, date, message }
}

/// Added and modified blobs (path, new, old) between two trees, and the ids of deleted blobs.
fn diff_trees(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: ObjectId,
    added: &mut Vec<(String, ObjectId, Option<ObjectId>)>,
    deleted: &mut HashSet<ObjectId>,
) -> Result<(), (ObjectId, String)> {
    // (prefix, old tree, new tree); an explicit stack bounds nothing but avoids deep recursion.
    let mut stack: Vec<(String, Option<ObjectId>, Option<ObjectId>)> = vec![(String::new(), old, Some(new))];
    while let Some((prefix, old, new)) = stack.pop() {
        if old == new {
            continue;
        }
        let a = entries(repo, old)?;
        let b = entries(repo, new)?;
        let names: std::collections::BTreeSet<&Vec<u8>> = a.keys().chain(b.keys()).collect();
        for name in names {
            let path = format!("{prefix}{}", String::from_utf8_lossy(name));
            let (ea, eb) = (a.get(name), b.get(name));
            let tree_of = |e: Option<&(Kind, ObjectId)>| e.and_then(|(k, id)| (*k == Kind::Tree).then_some(*id));
            let blob_of = |e: Option<&(Kind, ObjectId)>| e.and_then(|(k, id)| (*k == Kind::Blob).then_some(*id));
            let (ta, tb) = (tree_of(ea), tree_of(eb));
            if (ta.is_some() || tb.is_some()) && ta != tb {
                stack.push((format!("{path}/"), ta, tb));
            }
            match (blob_of(ea), blob_of(eb)) {
                (Some(x), Some(y)) if x == y => {}
                (old, Some(y)) => added.push((path, y, old)),
                (Some(x), None) => {
                    deleted.insert(x);
                }
                (None, None) => {}
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tree,
    Blob,
}

/// A tree's entries by name (submodules left out).
type Entries = BTreeMap<Vec<u8>, (Kind, ObjectId)>;

fn entries(repo: &gix::Repository, id: Option<ObjectId>) -> Result<Entries, (ObjectId, String)> {
    let mut out = BTreeMap::new();
    let Some(id) = id else { return Ok(out) };
    let tree = repo.find_tree(id).map_err(|e| (id, e.to_string()))?;
    let decoded = tree.decode().map_err(|e| (id, e.to_string()))?;
    for e in &decoded.entries {
        let kind = if e.mode.is_tree() {
            Kind::Tree
        } else if e.mode.is_blob_or_symlink() {
            Kind::Blob
        } else {
            continue; // submodules
        };
        out.insert(e.filename.to_vec(), (kind, e.oid.to_owned()));
    }
    Ok(out)
}

fn read_blob(repo: &gix::Repository, id: ObjectId, max: u64) -> Result<Option<Vec<u8>>, String> {
    let header = repo.find_header(id).map_err(|e| e.to_string())?;
    if header.size() > max {
        return Ok(None);
    }
    let object = repo.find_object(id).map_err(|e| e.to_string())?;
    Ok(Some(object.detach().data))
}

fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes.get(..8000).unwrap_or(bytes)).is_some()
}

fn scan_blob(repo: &gix::Repository, id: ObjectId, path: &str, max: u64, detector: &Detector) -> Blob {
    let bytes = match read_blob(repo, id, max) {
        Ok(Some(b)) => b,
        Ok(None) => return Blob::Large,
        Err(e) => return Blob::Failed(e),
    };
    if is_binary(&bytes) {
        return Blob::Binary;
    }
    // Without a path and a commit: a superset of what any occurrence reports (allowlists on
    // paths and commits only remove findings); `report` checks each occurrence again.
    let origin = Origin { path: path.to_owned(), ..Origin::default() };
    let findings = detector.detect(Fragment { bytes: &bytes, origin: &origin });
    Blob::Scanned { bytes: bytes.len() as u64, findings }
}

/// The findings of `change` on lines it added.
fn report(
    repo: &gix::Repository,
    change: &Change,
    cached: &[Finding],
    commit: Option<Arc<CommitInfo>>,
    deleted: &[ObjectId],
    max: u64,
    detector: &Detector,
) -> Result<Vec<(usize, Finding)>, String> {
    let new = read_blob(repo, change.new, max)?.unwrap_or_default();
    let added = match change.old {
        Some(id) => added_lines(&read_blob(repo, id, max)?.unwrap_or_default(), &new),
        None => {
            // A rename with changes: the most similar deleted file, if at least half the lines
            // are common.
            let mut best = vec![true; InternedInput::new(&b""[..], &new[..]).after.len()];
            let mut best_common = 0usize;
            for id in deleted {
                let Ok(Some(old)) = read_blob(repo, *id, max) else { continue };
                if is_binary(&old) {
                    continue;
                }
                let candidate = added_lines(&old, &new);
                let common = candidate.iter().filter(|a| !**a).count();
                let old_lines = InternedInput::new(&old[..], &b""[..]).before.len();
                if common > best_common && common * 4 >= (old_lines + candidate.len()) {
                    best_common = common;
                    best = candidate;
                }
            }
            best
        }
    };
    let is_added = |line: usize| line.checked_sub(1).and_then(|i| added.get(i)).copied().unwrap_or(false);
    if !cached.iter().any(|f| is_added(f.start_line)) {
        return Ok(Vec::new());
    }
    let origin = Origin { path: change.path.clone(), commit, ..Origin::default() };
    let findings = detector.detect(Fragment { bytes: &new, origin: &origin });
    Ok(findings.into_iter().filter(|f| is_added(f.start_line)).map(|f| (change.commit, f)).collect())
}

/// For each line of `new` (0-based), whether it is added relative to `old` (Myers, as git).
fn added_lines(old: &[u8], new: &[u8]) -> Vec<bool> {
    let input = InternedInput::new(old, new);
    let count = input.after.len();
    if old.is_empty() {
        return vec![true; count];
    }
    let mut diff = Diff::compute(Algorithm::Myers, &input);
    diff.postprocess_lines(&input);
    (0..count).map(|i| u32::try_from(i).map(|i| diff.is_added(i)).unwrap_or(true)).collect()
}

/// Seconds since the epoch of `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date.
fn parse_since(text: &str) -> Option<i64> {
    let t = text.trim();
    let num = |s: Option<&str>| -> Option<i64> {
        let s = s?;
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let date = t.get(..10)?;
    let mut parts = date.split('-');
    let (y, m, d) = (num(parts.next())?, num(parts.next())?, num(parts.next())?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || date.len() != 10 {
        return None;
    }
    let mut seconds = vigil_core::time::days_from_civil(y, m, d) * 86_400;
    let rest = t.get(10..)?;
    if rest.is_empty() {
        return Some(seconds);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hh, mm, ss) = (num(rest.get(0..2))?, num(rest.get(3..5))?, num(rest.get(6..8))?);
    if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    seconds += hh * 3600 + mm * 60 + ss;
    let mut zone = rest.get(8..)?;
    if let Some(frac) = zone.strip_prefix('.') {
        zone = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    match zone {
        "Z" | "z" => Some(seconds),
        _ => {
            let sign = match zone.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if zone.len() != 6 || zone.get(3..4) != Some(":") {
                return None;
            }
            let offset = num(zone.get(1..3))? * 3600 + num(zone.get(4..6))? * 60;
            Some(seconds - sign * offset)
        }
    }
}

/// RFC 3339 UTC of seconds since the epoch (`2024-01-02T03:04:05Z`).
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_since_parses_both_forms() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_since("2023-11-14"), Some(1_699_920_000));
        assert_eq!(parse_since("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse_since("2023-11-15T00:13:20+02:00"), Some(1_700_000_000));
        assert_eq!(parse_since("2023-11-14T22:13:20.5Z"), Some(1_700_000_000));
        assert_eq!(parse_since("yesterday"), None);
        assert_eq!(parse_since("2023-13-01"), None);
        assert_eq!(parse_since("2023-11-14T22:13"), None);
    }

    #[test]
    fn added_lines_mark_only_inserted_lines() {
        assert_eq!(added_lines(b"a\nb\n", b"x\na\nb\ny\n"), vec![true, false, false, true]);
        assert_eq!(added_lines(b"", b"a\nb"), vec![true, true]);
        assert_eq!(added_lines(b"a\nb\n", b"a\nc\n"), vec![false, true]);
    }
}
