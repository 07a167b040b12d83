//! Ruby and PHP catalogers: Bundler's `Gemfile.lock` and Composer's `composer.lock`.

mod composer_lock;
mod gemfile_lock;

use crate::Cataloger;

/// The catalogers of this family.
pub(crate) static CATALOGERS: &[&dyn Cataloger] = &[&gemfile_lock::GemfileLock, &composer_lock::ComposerLock];
