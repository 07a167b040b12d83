//! maven version ordering (placeholder until implemented: byte-wise order).

use std::cmp::Ordering;

/// Compares two versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    a.cmp(b)
}
