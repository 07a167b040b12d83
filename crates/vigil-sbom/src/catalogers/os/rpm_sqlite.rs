//! rpm's SQLite database (`rpmdb.sqlite`, rpm ≥ 4.16: Fedora 33+, RHEL 9, Rocky/Alma 9, Amazon
//! Linux 2023): table `Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL)`, one header
//! blob per row.
//!
//! The bytes are opened in memory (`sqlite3_deserialize`), read-only; nothing touches the disk.
//! rpm keeps the database in WAL mode, which a deserialized database cannot be, so the copy's
//! header is switched to rollback-journal mode; changes still in an `rpmdb.sqlite-wal` file
//! next to it are not seen.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, MAIN_DB, OptionalExtension};

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Largest database read; SQLite's deserialize takes a C `int` size, and real rpmdbs are tens
/// of megabytes.
const MAX_DATABASE_BYTES: usize = 1 << 30;
/// SQLite virtual-machine steps between progress checks, and the most checks a query gets:
/// a sound database needs a few steps per row, a crafted schema cannot make the read run away.
const PROGRESS_STEP: i32 = 10_000;
const MAX_PROGRESS_CHECKS: u32 = 10_000;

/// One stored header blob and its row.
pub(crate) struct SqliteRecord {
    pub(crate) hnum: i64,
    pub(crate) blob: Vec<u8>,
}

/// Whether the bytes start like an SQLite database.
pub(crate) fn is_sqlite(data: &[u8]) -> bool {
    data.starts_with(SQLITE_MAGIC)
}

/// Reads every row of `Packages`.
pub(crate) fn read_records(data: &[u8]) -> Result<Vec<SqliteRecord>, String> {
    if !is_sqlite(data) {
        return Err("no SQLite magic at byte 0".to_string());
    }
    if data.len() < 512 || data.len() > MAX_DATABASE_BYTES {
        return Err(format!("SQLite file of {} bytes, expected 512 bytes to {MAX_DATABASE_BYTES}", data.len()));
    }
    let sqlite_error = |e: rusqlite::Error| format!("unreadable SQLite database: {e}");
    let mut conn = Connection::open_in_memory().map_err(sqlite_error)?;
    // Header bytes 18 and 19 are the write and read format versions: 2 means WAL, 1 legacy.
    let legacy_mode: &[u8] = &[1, 1];
    let head = data.get(..18).unwrap_or_default();
    let tail = data.get(20..).unwrap_or_default();
    let reader = std::io::Read::chain(std::io::Read::chain(head, legacy_mode), tail);
    conn.deserialize_read_exact(MAIN_DB, reader, data.len(), true).map_err(sqlite_error)?;
    let mut checks = 0u32;
    conn.progress_handler(
        PROGRESS_STEP,
        Some(move || {
            checks += 1;
            checks > MAX_PROGRESS_CHECKS
        }),
    );

    // Only a stored column of an ordinary table: a view or a generated column could make the
    // query compute anything.
    let kind: Option<String> = conn
        .query_row("SELECT type FROM sqlite_schema WHERE name = 'Packages'", [], |row| row.get(0))
        .optional()
        .map_err(sqlite_error)?;
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(format!("`Packages` is a {other}, expected a table")),
        None => return Err("no `Packages` table, expected an rpm database".to_string()),
    }
    let mut columns = conn.prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')").map_err(sqlite_error)?;
    let columns: Vec<(String, i64)> = columns
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(sqlite_error)?
        .collect::<Result<_, _>>()
        .map_err(sqlite_error)?;
    for wanted in ["hnum", "blob"] {
        if !columns.iter().any(|(name, hidden)| name == wanted && *hidden == 0) {
            return Err(format!("`Packages` has no stored `{wanted}` column, expected rpm's schema"));
        }
    }

    let mut statement = conn.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").map_err(sqlite_error)?;
    let mut rows = statement.query([]).map_err(sqlite_error)?;
    let mut records = Vec::new();
    let mut budget = data.len();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        let hnum = match row.get_ref(0).map_err(sqlite_error)? {
            ValueRef::Integer(n) => n,
            other => return Err(format!("a row's `hnum` is {:?}, expected an integer", other.data_type())),
        };
        let blob = match row.get_ref(1).map_err(sqlite_error)? {
            ValueRef::Blob(b) | ValueRef::Text(b) => b,
            other => return Err(format!("row {hnum}: `blob` is {:?}, expected a blob", other.data_type())),
        };
        budget = budget
            .checked_sub(blob.len())
            .ok_or_else(|| format!("row {hnum}: blobs add up to more bytes than the file holds"))?;
        records.push(SqliteRecord { hnum, blob: blob.to_vec() });
        if records.len() > super::MAX_PACKAGES {
            return Err(format!("more than {} rows, expected at most {}", super::MAX_PACKAGES, super::MAX_PACKAGES));
        }
    }
    Ok(records)
}

/// Builds rpm SQLite databases for tests.
#[cfg(test)]
pub(crate) mod build {
    use rusqlite::{Connection, MAIN_DB};

    /// A database with rpm's schema and these blobs, as the bytes of its file.
    pub(crate) fn database(blobs: &[Vec<u8>]) -> Vec<u8> {
        with_schema("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)", blobs)
    }

    /// A database made by `schema` (which creates `Packages`), with these blobs inserted.
    pub(crate) fn with_schema(schema: &str, blobs: &[Vec<u8>]) -> Vec<u8> {
        let build = || -> rusqlite::Result<Vec<u8>> {
            let conn = Connection::open_in_memory()?;
            conn.execute_batch(schema)?;
            for blob in blobs {
                conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])?;
            }
            Ok(conn.serialize(MAIN_DB)?.to_vec())
        };
        build().unwrap_or_else(|e| panic!("{e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_in_order() {
        let blobs = vec![b"one".to_vec(), vec![7; 5000]];
        let records = read_records(&build::database(&blobs)).unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<_> = records.into_iter().map(|r| (r.hnum, r.blob)).collect();
        assert_eq!(got, [(1, blobs[0].clone()), (2, blobs[1].clone())]);
    }

    #[test]
    fn reads_wal_mode_databases() {
        let mut db = build::database(&[b"one".to_vec()]);
        db[18] = 2;
        db[19] = 2;
        let records = read_records(&db).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn rejects_other_schemas() {
        let err = |data: &[u8]| read_records(data).err().unwrap_or_default();
        assert_eq!(err(b"SQLite format 3\0tiny"), "SQLite file of 20 bytes, expected 512 bytes to 1073741824");
        let other = build::with_schema("CREATE TABLE Other (x); CREATE TABLE Packages (blob)", &[]);
        assert_eq!(err(&other), "`Packages` has no stored `hnum` column, expected rpm's schema");
        let none = build::with_schema(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); ALTER TABLE Packages RENAME TO P2",
            &[],
        );
        assert_eq!(err(&none), "no `Packages` table, expected an rpm database");
        let view = build::with_schema(
            "CREATE TABLE T (hnum INTEGER PRIMARY KEY, blob BLOB); \
             CREATE VIEW Packages AS WITH RECURSIVE c(hnum, blob) AS (SELECT 1, x'00' UNION ALL SELECT hnum + 1, blob FROM c) SELECT * FROM c",
            &[],
        );
        assert_eq!(err(&view), "`Packages` is a view, expected a table");
        let generated = build::with_schema(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, seed INT, blob BLOB GENERATED ALWAYS AS (zeroblob(seed)))",
            &[],
        );
        assert_eq!(err(&generated), "`Packages` has no stored `blob` column, expected rpm's schema");
        let mut garbage = build::database(&[b"one".to_vec()]);
        garbage.truncate(600);
        for b in garbage.iter_mut().skip(100) {
            *b = 0xa5;
        }
        assert!(err(&garbage).starts_with("unreadable SQLite database"), "{}", err(&garbage));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn mutated_databases_never_panic(flips in proptest::collection::vec((0usize..8192, proptest::num::u8::ANY), 1..24)) {
            let mut db = build::database(&[vec![1; 40], vec![2; 3000]]);
            for (at, byte) in flips {
                if let Some(b) = db.get_mut(at) {
                    *b = byte;
                }
            }
            if let Ok(records) = read_records(&db) {
                let total: usize = records.iter().map(|r| r.blob.len()).sum();
                proptest::prop_assert!(total <= db.len());
            }
        }
    }
}
