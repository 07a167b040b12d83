//! Importing OSV records: JSON files (one record, or an array), directories of them (also the
//! pypa YAML flavour), and OSV `all.zip` files. One transaction per import; a newer `modified`
//! replaces a stored record, an older or equal one is left alone; a bad record is reported and
//! skipped without aborting the rest.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use crate::db::{Database, DbError};
use crate::osv::{Advisory, normalise_name};

/// Largest single record file read (16 MiB) and largest zip entry inflated.
const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;
/// Most entries read from one zip file.
const MAX_ZIP_ENTRIES: usize = 2_000_000;

/// A record that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportError {
    /// File (and zip entry) it came from.
    pub source: String,
    /// What was wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportStats {
    /// New advisories.
    pub inserted: usize,
    /// Advisories replaced by a newer `modified`.
    pub updated: usize,
    /// Advisories already stored at the same or a newer `modified`.
    pub unchanged: usize,
    /// Records imported (inserted or updated) per ecosystem.
    pub per_ecosystem: BTreeMap<String, usize>,
    /// Records that could not be imported.
    pub errors: Vec<ImportError>,
}

impl ImportStats {
    /// Records read (all outcomes but errors).
    pub fn records(&self) -> usize {
        self.inserted + self.updated + self.unchanged
    }
}

/// Imports every record found under `paths` into `db` in one transaction. `progress` is called
/// with the running record count.
pub fn import_paths(db: &mut Database, paths: &[PathBuf], progress: &dyn Fn(usize)) -> Result<ImportStats, DbError> {
    let mut stats = ImportStats::default();
    let tx = db.transaction()?;
    {
        let mut sink = Sink { tx: &tx, stats: &mut stats, progress };
        for path in paths {
            sink.path(path);
        }
    }
    let now = vigil_core::time::now_unix();
    for (key, value) in [("updated", vigil_core::time::rfc3339(now)), ("updated_unix", now.to_string())] {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value.as_str()],
        )
        .map_err(db_err)?;
    }
    tx.commit().map_err(db_err)?;
    Ok(stats)
}

fn db_err(source: rusqlite::Error) -> DbError {
    DbError::Sqlite { path: "vulnerability database".into(), source }
}

struct Sink<'a, 't> {
    tx: &'a rusqlite::Transaction<'t>,
    stats: &'a mut ImportStats,
    progress: &'a dyn Fn(usize),
}

impl Sink<'_, '_> {
    fn error(&mut self, source: &str, message: impl Into<String>) {
        self.stats.errors.push(ImportError { source: source.to_string(), message: message.into() });
    }

    fn path(&mut self, path: &Path) {
        let shown = path.display().to_string();
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) => return self.error(&shown, format!("cannot read: {e}")),
        };
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(dir) => dir.filter_map(Result::ok).map(|e| e.path()).collect(),
                Err(e) => return self.error(&shown, format!("cannot read directory: {e}")),
            };
            entries.sort();
            for entry in entries {
                let is_dir = entry.is_dir();
                let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if name.starts_with('.') {
                    continue;
                }
                if is_dir || is_record_file(&name) {
                    self.path(&entry);
                }
            }
            return;
        }
        if !meta.is_file() {
            return;
        }
        let lower = shown.to_ascii_lowercase();
        if lower.ends_with(".zip") {
            return self.zip(path);
        }
        if meta.len() > MAX_RECORD_BYTES {
            return self.error(
                &shown,
                format!(
                    "file is {} bytes, larger than the {MAX_RECORD_BYTES} byte limit for a record file",
                    meta.len()
                ),
            );
        }
        match std::fs::read(path) {
            Ok(bytes) => self.bytes(&shown, &bytes),
            Err(e) => self.error(&shown, format!("cannot read: {e}")),
        }
    }

    fn zip(&mut self, path: &Path) {
        let shown = path.display().to_string();
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) => return self.error(&shown, format!("cannot read: {e}")),
        };
        let mut archive = match zip::ZipArchive::new(file) {
            Ok(archive) => archive,
            Err(e) => return self.error(&shown, format!("not a readable zip file: {e}")),
        };
        if archive.len() > MAX_ZIP_ENTRIES {
            return self
                .error(&shown, format!("zip has {} entries, more than the limit of {MAX_ZIP_ENTRIES}", archive.len()));
        }
        for index in 0..archive.len() {
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.error(&shown, format!("entry {index}: {e}"));
                    continue;
                }
            };
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            if entry.is_dir() || !is_record_file(&name) {
                continue;
            }
            let source = format!("{shown}:{name}");
            let mut bytes = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes) {
                self.error(&source, format!("cannot inflate: {e}"));
                continue;
            }
            if bytes.len() as u64 > MAX_RECORD_BYTES {
                self.error(&source, format!("entry inflates to more than the {MAX_RECORD_BYTES} byte limit"));
                continue;
            }
            self.bytes(&source, &bytes);
        }
    }

    fn bytes(&mut self, source: &str, bytes: &[u8]) {
        let lower = source.to_ascii_lowercase();
        let records: Result<Vec<serde_json::Value>, String> = if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => return self.error(source, format!("not UTF-8 at byte {}", e.valid_up_to())),
            };
            vigil_yaml::from_str::<serde_json::Value>(source, text, &vigil_yaml::Limits::default())
                .map(|v| vec![v])
                .map_err(|e| format!("invalid YAML at line {} column {}: {}", e.line, e.column, e.message))
        } else {
            match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(serde_json::Value::Array(items)) => Ok(items),
                Ok(value) => Ok(vec![value]),
                Err(e) => Err(format!("invalid JSON at line {} column {}: {e}", e.line(), e.column())),
            }
        };
        match records {
            Ok(records) => {
                for (i, record) in records.into_iter().enumerate() {
                    let label = if i == 0 { source.to_string() } else { format!("{source}[{i}]") };
                    self.record(&label, record);
                }
            }
            Err(message) => self.error(source, message),
        }
    }

    fn record(&mut self, source: &str, value: serde_json::Value) {
        let advisory: Advisory = match serde_json::from_value(value) {
            Ok(advisory) => advisory,
            Err(e) => return self.error(source, format!("not an OSV record: {e}")),
        };
        if advisory.id.trim().is_empty() {
            return self.error(source, "OSV record has no `id`");
        }
        match self.store(&advisory) {
            Ok(Outcome::Unchanged) => self.stats.unchanged += 1,
            Ok(outcome) => {
                if outcome == Outcome::Inserted {
                    self.stats.inserted += 1;
                } else {
                    self.stats.updated += 1;
                }
                let mut ecosystems: Vec<String> =
                    advisory.affected.iter().filter_map(|a| a.package.as_ref().map(|p| p.ecosystem.clone())).collect();
                ecosystems.sort();
                ecosystems.dedup();
                for eco in ecosystems {
                    *self.stats.per_ecosystem.entry(eco).or_default() += 1;
                }
            }
            Err(e) => self.error(source, format!("cannot store `{}`: {e}", advisory.id)),
        }
        (self.progress)(self.stats.records());
    }

    fn store(&mut self, advisory: &Advisory) -> Result<Outcome, rusqlite::Error> {
        let existing: Option<String> = self
            .tx
            .query_row("SELECT modified FROM advisories WHERE id = ?1", [&advisory.id], |r| r.get(0))
            .optional()?;
        let outcome = match &existing {
            Some(stored) if stored.as_str() >= advisory.modified.as_str() => return Ok(Outcome::Unchanged),
            Some(_) => Outcome::Updated,
            None => Outcome::Inserted,
        };
        let json = |v: &dyn erased::Ser| v.json();
        self.tx.execute("DELETE FROM affected WHERE advisory_id = ?1", [&advisory.id])?;
        self.tx.execute(
            "INSERT INTO advisories(id, modified, withdrawn, aliases, summary, severity, database_specific)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, withdrawn = excluded.withdrawn,
               aliases = excluded.aliases, summary = excluded.summary, severity = excluded.severity,
               database_specific = excluded.database_specific",
            params![
                advisory.id,
                advisory.modified,
                advisory.withdrawn,
                json(&advisory.aliases),
                advisory.summary,
                json(&advisory.severity),
                advisory.database_specific.as_ref().map(|d| d.to_string()),
            ],
        )?;
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO affected(advisory_id, ecosystem, name, entry) VALUES(?1, ?2, ?3, ?4)")?;
        for affected in &advisory.affected {
            let Some(package) = &affected.package else { continue };
            if package.ecosystem.is_empty() || package.name.is_empty() {
                continue;
            }
            insert.execute(params![
                advisory.id,
                package.ecosystem,
                normalise_name(&package.ecosystem, &package.name),
                serde_json::to_string(&slim(affected)).unwrap_or_default()
            ])?;
        }
        Ok(outcome)
    }
}

/// What matching needs of an `affected` entry: version ranges (GIT ranges dropped: commits
/// are not versions), explicit versions and severity words. Go's per-symbol import lists and
/// other per-ecosystem data can be large and are kept only in the advisory source.
fn slim(affected: &crate::osv::Affected) -> crate::osv::Affected {
    let severity_only = |value: &Option<serde_json::Value>| {
        value.as_ref().and_then(|v| v.get("severity")).map(|s| serde_json::json!({ "severity": s }))
    };
    crate::osv::Affected {
        package: affected.package.clone(),
        ranges: affected.ranges.iter().filter(|r| r.kind != "GIT").cloned().collect(),
        versions: affected.versions.clone(),
        ecosystem_specific: severity_only(&affected.ecosystem_specific),
        database_specific: severity_only(&affected.database_specific),
        severity: affected.severity.clone(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

mod erased {
    /// Serialises anything serde can to a JSON string.
    pub(super) trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

fn is_record_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".zip"))
        && !lower.ends_with("package.json")
        && !lower.ends_with("schema.json")
}
