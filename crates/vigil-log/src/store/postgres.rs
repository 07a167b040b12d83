//! The shared store: PostgreSQL, for several `vigil serve` replicas writing one log.
//!
//! One sequencer discipline: every append transaction first takes the transaction-scoped
//! advisory lock [`LOCK_KEY`] (`pg_advisory_xact_lock`), then reads the size and the right
//! border and writes. Writers are therefore serialised exactly as the single SQLite writer is:
//! indices are unique and gapless, and every replica's checkpoint is a checkpoint of the same
//! tree, so each is consistent with every other. The lock is released by COMMIT or ROLLBACK,
//! also when a replica dies mid-transaction (its connection closes). Readers use
//! `REPEATABLE READ` snapshots and never take the lock.
//!
//! Connections are plain TCP or a Unix socket (`host=/run/postgresql`); TLS to the database is
//! not supported yet (put it on a private network or a local socket).

use ::postgres::{Client, IsolationLevel, NoTls, Transaction};

use super::{Backend, Reader, StoreError, WriteFn, WriteTxn};
use crate::merkle::Hash;

/// The advisory lock key every vigil writer takes (ASCII `vigillog`).
pub const LOCK_KEY: i64 = 0x7669_6769_6c6c_6f67;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS vigil_log_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vigil_log_entries(idx BIGINT PRIMARY KEY, body BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS vigil_log_nodes(level SMALLINT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL,
    PRIMARY KEY(level, idx));
CREATE TABLE IF NOT EXISTS vigil_log_checkpoints(size BIGINT PRIMARY KEY, note TEXT NOT NULL, kept BOOLEAN NOT NULL);
";

/// A PostgreSQL-backed log store.
pub struct Postgres {
    client: Client,
}

/// `url` with any password replaced by `***`.
#[must_use]
pub fn redact(url: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl Postgres {
    /// Connects and creates the tables when missing.
    ///
    /// # Errors
    /// When the server cannot be reached or refuses.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| StoreError::Database(format!("connecting to {}: {e}", redact(url))))?;
        // Creating the tables under the sequencer lock, so that replicas starting together do
        // not race on CREATE TABLE.
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
        tx.batch_execute(SCHEMA)?;
        tx.execute("INSERT INTO vigil_log_meta(key, value) VALUES('format', '1') ON CONFLICT (key) DO NOTHING", &[])?;
        let format: String = tx.query_one("SELECT value FROM vigil_log_meta WHERE key='format'", &[])?.get(0);
        if format != "1" {
            return Err(StoreError::Mismatch(format!(
                "{}: log format {format}, this vigil reads format 1",
                redact(url)
            )));
        }
        tx.commit()?;
        Ok(Postgres { client })
    }
}

fn hash_of(bytes: &[u8]) -> Result<Hash, StoreError> {
    <Hash>::try_from(bytes).map_err(|_| StoreError::Mismatch(format!("stored hash is {} bytes, not 32", bytes.len())))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn meta(tx: &mut Transaction<'_>, key: &str) -> Result<Option<String>, StoreError> {
    Ok(tx.query_opt("SELECT value FROM vigil_log_meta WHERE key=$1", &[&key])?.map(|r| r.get(0)))
}

fn set_meta(tx: &mut Transaction<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO vigil_log_meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
        &[&key, &value],
    )?;
    Ok(())
}

fn size_of(tx: &mut Transaction<'_>) -> Result<u64, StoreError> {
    match meta(tx, "size")? {
        None => Ok(0),
        Some(s) => s.parse().map_err(|_| StoreError::Mismatch(format!("stored tree size `{s}` is not a number"))),
    }
}

fn node_of(tx: &mut Transaction<'_>, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
    let row = tx.query_opt(
        "SELECT hash FROM vigil_log_nodes WHERE level=$1 AND idx=$2",
        &[&i16::from(level), &to_i64(index)],
    )?;
    row.map(|r| hash_of(r.get::<_, &[u8]>(0))).transpose()
}

struct Txn<'a> {
    tx: Transaction<'a>,
    entries: Vec<(i64, Vec<u8>)>,
    nodes: Vec<(i16, i64, Vec<u8>)>,
}

impl Txn<'_> {
    /// Writes the buffered rows with one multi-row INSERT per table and chunk (round trips
    /// dominate otherwise).
    fn flush(&mut self) -> Result<(), StoreError> {
        for chunk in self.entries.chunks(1000) {
            let mut sql = String::from("INSERT INTO vigil_log_entries(idx, body) VALUES ");
            let mut params: Vec<&(dyn ::postgres::types::ToSql + Sync)> = Vec::with_capacity(chunk.len() * 2);
            for (i, (idx, body)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${},${})", i * 2 + 1, i * 2 + 2));
                params.push(idx);
                params.push(body);
            }
            self.tx.execute(sql.as_str(), &params)?;
        }
        for chunk in self.nodes.chunks(1000) {
            let mut sql = String::from("INSERT INTO vigil_log_nodes(level, idx, hash) VALUES ");
            let mut params: Vec<&(dyn ::postgres::types::ToSql + Sync)> = Vec::with_capacity(chunk.len() * 3);
            for (i, (level, idx, hash)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${},${},${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
                params.push(level);
                params.push(idx);
                params.push(hash);
            }
            self.tx.execute(sql.as_str(), &params)?;
        }
        self.entries.clear();
        self.nodes.clear();
        Ok(())
    }
}

impl WriteTxn for Txn<'_> {
    fn origin(&mut self) -> Result<Option<String>, StoreError> {
        meta(&mut self.tx, "origin")
    }
    fn set_origin(&mut self, origin: &str) -> Result<(), StoreError> {
        set_meta(&mut self.tx, "origin", origin)
    }
    fn size(&mut self) -> Result<u64, StoreError> {
        size_of(&mut self.tx)
    }
    fn set_size(&mut self, size: u64) -> Result<(), StoreError> {
        self.flush()?;
        set_meta(&mut self.tx, "size", &size.to_string())
    }
    fn node(&mut self, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
        let (l, i) = (i16::from(level), to_i64(index));
        if let Some((_, _, hash)) = self.nodes.iter().rev().find(|(nl, ni, _)| *nl == l && *ni == i) {
            return hash_of(hash).map(Some);
        }
        node_of(&mut self.tx, level, index)
    }
    fn put_entry(&mut self, index: u64, body: &[u8]) -> Result<(), StoreError> {
        self.entries.push((to_i64(index), body.to_vec()));
        Ok(())
    }
    fn put_node(&mut self, level: u8, index: u64, hash: &Hash) -> Result<(), StoreError> {
        self.nodes.push((i16::from(level), to_i64(index), hash.to_vec()));
        Ok(())
    }
    fn put_checkpoint(&mut self, size: u64, note: &str, keep_previous: bool) -> Result<(), StoreError> {
        self.flush()?;
        if keep_previous {
            self.tx.execute("UPDATE vigil_log_checkpoints SET kept=true WHERE NOT kept", &[])?;
        } else {
            self.tx.execute("DELETE FROM vigil_log_checkpoints WHERE NOT kept", &[])?;
        }
        self.tx.execute(
            "INSERT INTO vigil_log_checkpoints(size, note, kept) VALUES($1, $2, false)
             ON CONFLICT (size) DO UPDATE SET note=excluded.note",
            &[&to_i64(size), &note],
        )?;
        Ok(())
    }
}

struct View<'a>(Transaction<'a>);

impl Reader for View<'_> {
    fn origin(&mut self) -> Result<Option<String>, StoreError> {
        meta(&mut self.0, "origin")
    }
    fn size(&mut self) -> Result<u64, StoreError> {
        size_of(&mut self.0)
    }
    fn latest_checkpoint(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .query_opt("SELECT note FROM vigil_log_checkpoints ORDER BY size DESC LIMIT 1", &[])?
            .map(|r| r.get(0)))
    }
    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError> {
        let rows = self.0.query("SELECT size, note FROM vigil_log_checkpoints ORDER BY size", &[])?;
        Ok(rows.iter().map(|r| (u64::try_from(r.get::<_, i64>(0)).unwrap_or(0), r.get(1))).collect())
    }
    fn entries(&mut self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let rows = self.0.query(
            "SELECT idx, body FROM vigil_log_entries WHERE idx>=$1 AND idx<$2 ORDER BY idx",
            &[&to_i64(start), &to_i64(end)],
        )?;
        Ok(rows.iter().map(|r| (u64::try_from(r.get::<_, i64>(0)).unwrap_or(u64::MAX), r.get(1))).collect())
    }
    fn nodes(&mut self, level: u8, start: u64, end: u64) -> Result<Vec<(u64, Hash)>, StoreError> {
        let rows = self.0.query(
            "SELECT idx, hash FROM vigil_log_nodes WHERE level=$1 AND idx>=$2 AND idx<$3 ORDER BY idx",
            &[&i16::from(level), &to_i64(start), &to_i64(end)],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let hash = hash_of(r.get::<_, &[u8]>(1)).unwrap_or([0; 32]);
                (u64::try_from(r.get::<_, i64>(0)).unwrap_or(u64::MAX), hash)
            })
            .collect())
    }
    fn last_entry_index(&mut self) -> Result<Option<u64>, StoreError> {
        let last: Option<i64> = self.0.query_one("SELECT max(idx) FROM vigil_log_entries", &[])?.get(0);
        Ok(last.map(|i| u64::try_from(i).unwrap_or(0)))
    }
    fn node(&mut self, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
        node_of(&mut self.0, level, index)
    }
}

impl Backend for Postgres {
    fn write(&mut self, f: &mut WriteFn<'_>) -> Result<(u64, String), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
        let mut txn = Txn { tx, entries: Vec::new(), nodes: Vec::new() };
        let out = f(&mut txn)?;
        txn.flush()?;
        txn.tx.commit()?;
        Ok(out)
    }

    fn reader(&mut self) -> Result<Box<dyn Reader + '_>, StoreError> {
        let tx =
            self.client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
        Ok(Box::new(View(tx)))
    }
}
