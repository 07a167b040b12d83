//! Kubernetes manifests for vigil: finding and reading inputs, parsing YAML and JSON into
//! trees that keep the source position of every node, splitting documents and `List`s into
//! objects, and the workload model that maps every Pod-bearing kind to its pod template.
//!
//! Rules live elsewhere (`vigil-lint`); this crate only says *what* is in a manifest and
//! *where* it was written. Trees are untyped on purpose: typed Kubernetes structs drop
//! unknown fields and positions, and a linter needs both.
//!
//! Hostile input is bounded by [`Limits`]: file size, nesting depth, nodes per document (alias
//! expansions included) and document count. Exceeding a limit is an error for that input.
//! [`load_each`] streams objects document by document, so memory holds one document at a time.
//!
//! ```
//! use vigil_k8s::{load, Limits, PodTemplate};
//! let file = load("pod.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  hostNetwork: true\n  containers: [{name: app, image: nginx}]\n".to_vec(), &Limits::default());
//! assert!(file.error.is_none());
//! let pod = PodTemplate::of(&file.objects[0]).unwrap();
//! let (key, _) = pod.spec.get_entry("hostNetwork").unwrap();
//! assert_eq!(file.source.location(key.span).line, 5);
//! ```
#![warn(missing_docs)]

mod inputs;
mod json;
mod load;
mod node;
mod object;
mod source;
mod workload;
mod yaml;

pub use inputs::{DiscoverError, Input, discover, is_manifest_path, read_input};
pub use json::from_json;
pub use load::{LoadError, LoadOutcome, LoadedFile, load, load_each};
pub use node::{Node, ScalarStyle, Span, Value};
pub use object::{Object, objects_of};
pub use source::Source;
pub use workload::{Container, ContainerKind, PodTemplate};
pub use yaml::{Documents, Limits, SyntaxError, parse_documents, parse_documents_each};
