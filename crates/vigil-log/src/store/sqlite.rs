//! The embedded store: one SQLite file in WAL mode.
//!
//! Appends run in `BEGIN IMMEDIATE` transactions, so several processes writing one file
//! (`vigil serve` and a `vigil policy test --log` beside it) are serialised by SQLite's write
//! lock and always extend the size they read inside the lock. `synchronous=NORMAL` in WAL
//! mode: a committed transaction survives the writer being killed (SIGKILL, a crash); after
//! a power loss the last transactions before it may be lost but the file is never corrupt
//! (`VIGIL_LOG_SYNC=full` makes every commit durable against power loss, at the cost of an
//! fsync per batch).

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, Transaction, TransactionBehavior, params};

use super::{Backend, Reader, StoreError, WriteFn, WriteTxn};
use crate::merkle::Hash;

const FORMAT: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(idx INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY(level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL, kept INTEGER NOT NULL);
";

/// An SQLite-backed log store.
pub struct Sqlite {
    conn: Connection,
}

fn db_error(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Database(format!("{}: {e}", path.display()))
}

impl Sqlite {
    /// Opens `path`, creating it (and its parent directory) when `create`.
    ///
    /// # Errors
    /// When the file cannot be opened or created, is not an SQLite database, or holds a log
    /// of another format.
    pub fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        if create {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Database(format!("creating {}: {e}", parent.display())))?;
            }
        } else if !path.exists() {
            return Err(StoreError::Database(format!(
                "{}: no log there (a writer given `--log {}` creates it)",
                path.display(),
                path.display()
            )));
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| db_error(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| db_error(path, e))?;
        let sync = match std::env::var("VIGIL_LOG_SYNC").as_deref() {
            Ok("full") => "FULL",
            _ => "NORMAL",
        };
        conn.execute_batch(&format!("PRAGMA journal_mode=WAL; PRAGMA synchronous={sync};"))
            .map_err(|e| db_error(path, e))?;
        conn.execute_batch(SCHEMA).map_err(|e| db_error(path, e))?;
        let format: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='format'", [], |r| r.get(0))
            .optional()
            .map_err(|e| db_error(path, e))?;
        match format.as_deref() {
            None => {
                conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('format', ?1)", [FORMAT])
                    .map_err(|e| db_error(path, e))?;
            }
            Some(FORMAT) => {}
            Some(other) => {
                return Err(StoreError::Mismatch(format!(
                    "{}: log format {other}, this vigil reads format {FORMAT}",
                    path.display()
                )));
            }
        }
        Ok(Sqlite { conn })
    }

    /// Opens `path` (creating it) for a writer whose WAL a [`Checkpointer`] copies back: no
    /// automatic checkpoints on this connection.
    ///
    /// # Errors
    /// As [`Sqlite::open`].
    pub fn open_writer(path: &Path) -> Result<Self, StoreError> {
        let store = Sqlite::open(path, true)?;
        store.conn.execute_batch("PRAGMA wal_autocheckpoint=0;").map_err(|e| db_error(path, e))?;
        Ok(store)
    }
}

/// Copies the WAL back into the database file in the background (`PRAGMA
/// wal_checkpoint(PASSIVE)`, which never blocks writers), so that the committing connection,
/// opened with [`Sqlite::open_writer`], never stops for a checkpoint and its fsyncs.
pub struct Checkpointer {
    conn: Connection,
}

impl Checkpointer {
    /// A connection of its own to `path`.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| db_error(path, e))?;
        conn.busy_timeout(std::time::Duration::from_millis(100)).map_err(|e| db_error(path, e))?;
        Ok(Checkpointer { conn })
    }

    /// One passive checkpoint.
    ///
    /// # Errors
    /// A database error.
    pub fn run(&self) -> Result<(), StoreError> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }
}

struct Txn<'a>(Transaction<'a>);

fn hash_of(bytes: Vec<u8>) -> Result<Hash, StoreError> {
    <Hash>::try_from(bytes.as_slice())
        .map_err(|_| StoreError::Mismatch(format!("stored hash is {} bytes, not 32", bytes.len())))
}

fn meta(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn.prepare_cached("SELECT value FROM meta WHERE key=?1")?.query_row([key], |r| r.get(0)).optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

fn size_of(conn: &Connection) -> Result<u64, StoreError> {
    match meta(conn, "size")? {
        None => Ok(0),
        Some(s) => s.parse().map_err(|_| StoreError::Mismatch(format!("stored tree size `{s}` is not a number"))),
    }
}

fn node_of(conn: &Connection, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
    let Ok(index) = i64::try_from(index) else { return Ok(None) };
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM nodes WHERE level=?1 AND idx=?2")?
        .query_row(params![level, index], |r| r.get(0))
        .optional()?;
    bytes.map(hash_of).transpose()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl WriteTxn for Txn<'_> {
    fn origin(&mut self) -> Result<Option<String>, StoreError> {
        meta(&self.0, "origin")
    }
    fn set_origin(&mut self, origin: &str) -> Result<(), StoreError> {
        set_meta(&self.0, "origin", origin)
    }
    fn size(&mut self) -> Result<u64, StoreError> {
        size_of(&self.0)
    }
    fn set_size(&mut self, size: u64) -> Result<(), StoreError> {
        set_meta(&self.0, "size", &size.to_string())
    }
    fn node(&mut self, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
        node_of(&self.0, level, index)
    }
    fn put_entry(&mut self, index: u64, body: &[u8]) -> Result<(), StoreError> {
        self.0
            .prepare_cached("INSERT INTO entries(idx, body) VALUES(?1, ?2)")?
            .execute(params![to_i64(index), body])?;
        Ok(())
    }
    fn put_node(&mut self, level: u8, index: u64, hash: &Hash) -> Result<(), StoreError> {
        self.0.prepare_cached("INSERT INTO nodes(level, idx, hash) VALUES(?1, ?2, ?3)")?.execute(params![
            level,
            to_i64(index),
            &hash[..]
        ])?;
        Ok(())
    }
    fn put_checkpoint(&mut self, size: u64, note: &str, keep_previous: bool) -> Result<(), StoreError> {
        if !keep_previous {
            self.0.prepare_cached("DELETE FROM checkpoints WHERE kept=0")?.execute([])?;
        } else {
            self.0.prepare_cached("UPDATE checkpoints SET kept=1 WHERE kept=0")?.execute([])?;
        }
        self.0
            .prepare_cached("INSERT OR REPLACE INTO checkpoints(size, note, kept) VALUES(?1, ?2, 0)")?
            .execute(params![to_i64(size), note])?;
        Ok(())
    }
}

struct View<'a>(Transaction<'a>);

impl Reader for View<'_> {
    fn origin(&mut self) -> Result<Option<String>, StoreError> {
        meta(&self.0, "origin")
    }
    fn size(&mut self) -> Result<u64, StoreError> {
        size_of(&self.0)
    }
    fn latest_checkpoint(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")?
            .query_row([], |r| r.get(0))
            .optional()?)
    }
    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut stmt = self.0.prepare_cached("SELECT size, note FROM checkpoints ORDER BY size")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (size, note) = row?;
            out.push((u64::try_from(size).unwrap_or(0), note));
        }
        Ok(out)
    }
    fn entries(&mut self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut stmt = self.0.prepare_cached("SELECT idx, body FROM entries WHERE idx>=?1 AND idx<?2 ORDER BY idx")?;
        let rows = stmt.query_map(params![to_i64(start), to_i64(end)], |r| {
            // A hostile edit can store text or NULL; read whatever is there as bytes.
            let body = match r.get_ref(1)? {
                rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => b.to_vec(),
                rusqlite::types::ValueRef::Null => Vec::new(),
                rusqlite::types::ValueRef::Integer(i) => i.to_string().into_bytes(),
                rusqlite::types::ValueRef::Real(f) => f.to_string().into_bytes(),
            };
            Ok((r.get::<_, i64>(0)?, body))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (index, body) = row?;
            out.push((u64::try_from(index).unwrap_or(u64::MAX), body));
        }
        Ok(out)
    }
    fn nodes(&mut self, level: u8, start: u64, end: u64) -> Result<Vec<(u64, Hash)>, StoreError> {
        let mut stmt =
            self.0.prepare_cached("SELECT idx, hash FROM nodes WHERE level=?1 AND idx>=?2 AND idx<?3 ORDER BY idx")?;
        let rows = stmt.query_map(params![level, to_i64(start), to_i64(end)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1).unwrap_or_default()))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (index, bytes) = row?;
            // A damaged hash reads as all-zero, which never matches a recomputed one.
            let hash = hash_of(bytes).unwrap_or([0; 32]);
            out.push((u64::try_from(index).unwrap_or(u64::MAX), hash));
        }
        Ok(out)
    }
    fn last_entry_index(&mut self) -> Result<Option<u64>, StoreError> {
        let last: Option<i64> = self.0.prepare_cached("SELECT max(idx) FROM entries")?.query_row([], |r| r.get(0))?;
        Ok(last.map(|i| u64::try_from(i).unwrap_or(0)))
    }
    fn node(&mut self, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
        node_of(&self.0, level, index)
    }
}

impl Backend for Sqlite {
    fn write(&mut self, f: &mut WriteFn<'_>) -> Result<(u64, String), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut txn = Txn(tx);
        let out = f(&mut txn)?;
        txn.0.commit()?;
        Ok(out)
    }

    fn reader(&mut self) -> Result<Box<dyn Reader + '_>, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        Ok(Box::new(View(tx)))
    }
}
