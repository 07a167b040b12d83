//! Every cataloger, registered once. Each language family is a module with its own
//! `CATALOGERS` list, one file per cataloger.

pub(crate) mod binary;
pub(crate) mod entries;
pub(crate) mod javascript;
pub(crate) mod misc;
pub(crate) mod os;
pub(crate) mod python;
pub(crate) mod ruby_php;

use crate::Cataloger;

/// All catalogers, in a stable order.
pub fn catalogers() -> Vec<&'static dyn Cataloger> {
    [
        javascript::CATALOGERS,
        python::CATALOGERS,
        ruby_php::CATALOGERS,
        misc::CATALOGERS,
        os::CATALOGERS,
        binary::CATALOGERS,
    ]
    .concat()
}

/// The cataloger with this ID.
pub fn by_id(id: &str) -> Option<&'static dyn Cataloger> {
    catalogers().into_iter().find(|c| c.id() == id)
}
