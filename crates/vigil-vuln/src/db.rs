//! The vulnerability database: OSV advisories in one SQLite file, indexed by
//! (ecosystem, package name).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::osv::{Advisory, Affected, normalise_name};

/// Bumped when the schema changes; older files are refused with a hint to re-import.
pub const SCHEMA_VERSION: u32 = 1;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The file does not exist.
    #[error(
        "no vulnerability database at {path}\n\nhint: create one with `vigil db import PATH` (OSV JSON files, directories or all.zip files) or `vigil db update`"
    )]
    Missing {
        /// Where it was looked for.
        path: String,
    },
    /// The file was written by another schema version.
    #[error("{path}: database schema version {found}, expected {expected}\n\nhint: delete it and import again")]
    Schema {
        /// The file.
        path: String,
        /// Its version.
        found: String,
        /// The version this vigil writes.
        expected: u32,
    },
    /// A stored record does not decode (the file was modified by something else).
    #[error("{path}: stored record `{id}` is corrupt: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// The record.
        id: String,
        /// What failed.
        message: String,
    },
}

/// The default database path: `$VIGIL_DB`, else `$XDG_CACHE_HOME/vigil/vuln.db`, else
/// `~/.cache/vigil/vuln.db`.
pub fn default_path() -> PathBuf {
    if let Some(path) = std::env::var_os("VIGIL_DB") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    cache.join("vigil").join("vuln.db")
}

/// An open database.
pub struct Database {
    conn: Connection,
    path: String,
}

/// Counts and times for `vigil db status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Schema version of the file.
    pub schema_version: u32,
    /// When records were last imported (RFC 3339), if ever.
    pub updated: Option<String>,
    /// Advisories stored.
    pub advisories: u64,
    /// Advisories per ecosystem (an advisory affecting several ecosystems counts in each).
    pub ecosystems: BTreeMap<String, u64>,
    /// Size of the file in bytes.
    pub size_bytes: u64,
}

/// A stored advisory with the `affected` entries for one package.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The advisory's top-level fields (its `affected` list is left empty).
    pub advisory: Advisory,
    /// The entries that name the package.
    pub affected: Vec<Affected>,
}

impl Database {
    /// Opens an existing database (read and write).
    pub fn open(path: &Path) -> Result<Self, DbError> {
        if !path.is_file() {
            return Err(DbError::Missing { path: path.display().to_string() });
        }
        let db = Self::connect(path)?;
        let found: Option<String> = db.meta("schema_version")?;
        if found.as_deref() != Some(&SCHEMA_VERSION.to_string()) {
            return Err(DbError::Schema {
                path: db.path.clone(),
                found: found.unwrap_or_else(|| "none".into()),
                expected: SCHEMA_VERSION,
            });
        }
        Ok(db)
    }

    /// Opens a database, creating the file and schema when missing.
    pub fn create(path: &Path) -> Result<Self, DbError> {
        if path.is_file() {
            return Self::open(path);
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| DbError::Sqlite {
                path: path.display().to_string(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?;
        }
        let db = Self::connect(path)?;
        db.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS advisories(
                     id TEXT PRIMARY KEY, modified TEXT NOT NULL, withdrawn TEXT,
                     aliases TEXT NOT NULL, summary TEXT, severity TEXT NOT NULL, database_specific TEXT);
                 CREATE TABLE IF NOT EXISTS affected(
                     advisory_id TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL, entry TEXT NOT NULL);
                 CREATE INDEX IF NOT EXISTS affected_by_package ON affected(ecosystem, name);
                 CREATE INDEX IF NOT EXISTS affected_by_advisory ON affected(advisory_id);
                 CREATE TABLE IF NOT EXISTS sources(
                     ecosystem TEXT PRIMARY KEY, url TEXT, etag TEXT, last_modified TEXT, updated TEXT);",
            )
            .map_err(|e| db.err(e))?;
        db.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        Ok(db)
    }

    fn connect(path: &Path) -> Result<Self, DbError> {
        let conn =
            Connection::open(path).map_err(|source| DbError::Sqlite { path: path.display().to_string(), source })?;
        let db = Database { conn, path: path.display().to_string() };
        db.conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;").map_err(|e| db.err(e))?;
        Ok(db)
    }

    fn err(&self, source: rusqlite::Error) -> DbError {
        DbError::Sqlite { path: self.path.clone(), source }
    }

    /// The file path.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        let has_meta: bool = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| self.err(e))?
            > 0;
        if !has_meta {
            return Ok(None);
        }
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// When records were last imported.
    pub fn updated(&self) -> Result<Option<String>, DbError> {
        self.meta("updated")
    }

    /// Age of the data in days (since the last import), if known.
    pub fn age_days(&self) -> Result<Option<u64>, DbError> {
        let updated = self.meta("updated_unix")?.and_then(|v| v.parse::<i64>().ok());
        Ok(updated.map(|t| u64::try_from((vigil_core::time::now_unix() - t).max(0) / 86_400).unwrap_or(0)))
    }

    /// Starts a transaction for an import; see [`crate::import`].
    pub(crate) fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>, DbError> {
        let path = self.path.clone();
        self.conn.transaction().map_err(|source| DbError::Sqlite { path, source })
    }

    /// Counts for `vigil db status`.
    pub fn status(&self) -> Result<Status, DbError> {
        let advisories: i64 =
            self.conn.query_row("SELECT count(*) FROM advisories", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ecosystem, count(DISTINCT advisory_id) FROM affected GROUP BY ecosystem ORDER BY ecosystem",
            )
            .map_err(|e| self.err(e))?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(|e| self.err(e))?;
        let mut ecosystems = BTreeMap::new();
        for row in rows {
            let (eco, n) = row.map_err(|e| self.err(e))?;
            ecosystems.insert(eco, u64::try_from(n).unwrap_or(0));
        }
        Ok(Status {
            schema_version: SCHEMA_VERSION,
            updated: self.updated()?,
            advisories: u64::try_from(advisories).unwrap_or(0),
            ecosystems,
            size_bytes: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
        })
    }

    /// The advisories naming package `name` in `ecosystem` (exact ecosystem, normalised name),
    /// with only the `affected` entries for that package.
    pub fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, DbError> {
        let key = normalise_name(ecosystem, name);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.modified, a.withdrawn, a.aliases, a.summary, a.severity, a.database_specific, f.entry
                 FROM affected f JOIN advisories a ON a.id = f.advisory_id
                 WHERE f.ecosystem = ?1 AND f.name = ?2 ORDER BY a.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![ecosystem, key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out: Vec<Candidate> = Vec::new();
        for row in rows {
            let (id, modified, withdrawn, aliases, summary, severity, database_specific, entry) =
                row.map_err(|e| self.err(e))?;
            let corrupt = |message: String| DbError::Corrupt { path: self.path.clone(), id: id.clone(), message };
            let affected: Affected = serde_json::from_str(&entry).map_err(|e| corrupt(e.to_string()))?;
            if let Some(last) = out.last_mut().filter(|c| c.advisory.id == id) {
                last.affected.push(affected);
                continue;
            }
            let advisory = Advisory {
                id: id.clone(),
                modified,
                published: None,
                withdrawn,
                aliases: serde_json::from_str(&aliases).map_err(|e| corrupt(e.to_string()))?,
                summary,
                details: None,
                severity: serde_json::from_str(&severity).map_err(|e| corrupt(e.to_string()))?,
                affected: Vec::new(),
                references: Vec::new(),
                database_specific: database_specific.and_then(|d| serde_json::from_str(&d).ok()),
            };
            out.push(Candidate { advisory, affected: vec![affected] });
        }
        Ok(out)
    }
}
