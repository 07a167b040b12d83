//! YAML limits for vigil: the one place that says how much work a YAML input may cause, and
//! bounded serde decoding for vigil's YAML readers (policies, configuration, lockfiles,
//! advisories).
//!
//! Every YAML reader of untrusted input shares [`Limits`]: the tree builder of `vigil-k8s`
//! (manifests, with positions) and the serde decoders in this crate ([`from_str`],
//! [`from_multiple`], built on serde-saphyr with a [`Limits::budget`]). Aliases and merge keys
//! are charged by what they copy, in nodes *and* in bytes, so an input made of one large
//! anchored scalar and thousands of aliases is refused after copying at most
//! [`Limits::max_expanded_bytes`], not after gigabytes.
//!
//! What it leaves to others: building positioned trees (`vigil-k8s`), what the documents mean.
//!
//! ```
//! use vigil_yaml::{Limits, from_str};
//! #[derive(serde::Deserialize)]
//! struct Config { name: String }
//! let config: Config = from_str("config.yaml", "name: web\n", &Limits::default()).unwrap();
//! assert_eq!(config.name, "web");
//!
//! let bomb = format!("a: &a {}\nb: [{}]\n", "x".repeat(1024), vec!["*a"; 2000].join(", "));
//! let small = Limits { max_expanded_bytes: 1024 * 1024, ..Limits::default() };
//! let err = from_str::<serde_json::Value>("bomb.yaml", &bomb, &small).unwrap_err();
//! assert!(err.to_string().starts_with("bomb.yaml:"), "{err}");
//! ```
#![warn(missing_docs)]

mod decode;
mod limits;

pub use decode::{DecodeError, from_multiple, from_str};
pub use limits::Limits;
