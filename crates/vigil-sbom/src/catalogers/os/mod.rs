//! os catalogers.

use crate::Cataloger;

/// The catalogers of this family.
pub(crate) static CATALOGERS: &[&dyn Cataloger] = &[];
