//! Vulnerabilities for vigil: OSV advisories in an embedded SQLite database, version ordering
//! exactly as each ecosystem defines it, matching SBOM packages to advisories, and VEX.
//!
//! ```
//! use std::cmp::Ordering;
//! use vigil_vuln::version::compare;
//! assert_eq!(compare("Debian:12", "1:1.2.13.dfsg-1", "1.3-1"), Some(Ordering::Greater));
//! ```
#![warn(missing_docs)]

pub mod cvss;
pub mod db;
pub mod import;
pub mod matcher;
pub mod osv;
pub mod predicate;
pub mod report;
mod severity;
pub mod update;
pub mod version;
pub mod vex;
