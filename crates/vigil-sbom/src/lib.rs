//! Package catalogers and SBOMs for vigil.
//!
//! A [`Cataloger`] recognises one kind of file (a dpkg status database, an npm lockfile, a
//! Go binary, …) by its path and turns its bytes into [`Package`]s, each with an OSV
//! ecosystem name, a purl and the location it was found at. Catalogers never touch the file
//! system: the caller (an image or directory walker) hands them bytes, so tests and fuzzers
//! call them directly and image layers never need extracting.
//!
//! ```
//! use vigil_sbom::purl::Purl;
//! let purl = Purl::new("npm", "core").namespace("@angular").version("16.0.0");
//! assert_eq!(purl.to_string(), "pkg:npm/%40angular/core@16.0.0");
//! ```
#![warn(missing_docs)]

mod cataloger;
pub mod catalogers;
pub mod distro;
pub mod format;
mod package;
pub mod purl;
mod sbom;
mod scan;

pub use cataloger::{CatalogError, CatalogInput, Cataloger, ReadFile};
pub use catalogers::catalogers;
pub use package::{Package, PackageLocation, SourcePackage, ecosystem};
pub use sbom::{DistroInfo, Sbom, SbomError, SourceInfo};
pub use scan::{ScanLimits, catalog, catalog_with_progress, kind_name};
