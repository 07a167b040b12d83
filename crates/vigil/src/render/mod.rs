//! Report renderers that need more than serde (JSON and SARIF come from `vigil-core`).

pub mod columns;
pub mod table;
