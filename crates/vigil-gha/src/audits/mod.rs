//! The registry of audits: ONE line per audit, `module::Type,`, sorted by rule ID. The macro
//! declares the module and lists the audit.

use crate::audit::Audit;

macro_rules! registry {
    ($($module:ident :: $ty:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every audit, sorted by ID.
        pub(crate) static AUDITS: &[&dyn Audit] = &[$(&$module::$ty),*];
    };
}

registry! {
    anonymous_definition::AnonymousDefinition,
    dangerous_triggers::DangerousTriggers,
    hardcoded_container_credentials::HardcodedContainerCredentials,
    secrets_inherit::SecretsInherit,
}
