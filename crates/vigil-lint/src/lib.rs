//! vigil-lint
