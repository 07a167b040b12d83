//! Container images for vigil.
//!
//! One [`Image`] abstraction over every place an image lives: an OCI image layout directory,
//! an OCI archive, `docker save` output, a plain directory (root file system or source tree)
//! or a single file. [`Target::parse`] chooses the source from a `scheme:` prefix as Syft does,
//! or detects it. [`walk`] streams the entries of every layer, in order, without extracting
//! anything: compressed layers (gzip, zstd) are decoded on the fly, content-addressed blobs are
//! digest-verified as they stream, paths are normalised and `..` refused, and [`Limits`] bound
//! sizes, entry counts and decompression ratios. [`Overlay`] applies OCI whiteouts to give the
//! squashed view, remembering which layer each file came from.
//!
//! ```no_run
//! use vigil_oci::{Target, walk, EntryKind};
//! let image = Target::parse("oci-dir:./layout:latest")?.open(&Default::default())?;
//! walk(&image, |entry, _content| {
//!     if entry.kind == EntryKind::File { println!("{} (layer {})", entry.path, entry.layer) }
//!     Ok(())
//! })?;
//! # Ok::<(), vigil_oci::Error>(())
//! ```
#![warn(missing_docs)]

mod client;
mod digest;
mod error;
mod image;
mod limits;
pub mod manifest;
mod overlay;
mod registry;
mod store;
mod target;
#[cfg(feature = "test-support")]
pub mod testing;
mod walk;

pub use client::{MAX_CLIENT_BYTES, MAX_REFERRERS, RawManifest, Referrer, RegistryClient};
pub use digest::{Digest, VerifyingReader};
pub use error::Error;
pub use image::{Image, ImageInfo, LayerInfo, SourceKind};
pub use limits::Limits;
pub use manifest::Platform;
pub use overlay::Overlay;
pub use registry::{Credentials, Progress, RegistryOptions, docker_config_auth, open_registry};
pub use target::{OpenOptions, Target};
pub use walk::{Entry, EntryKind, WalkStats, walk};
