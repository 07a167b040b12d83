//! The rule registry: every rule, once, sorted by ID.

pub(crate) mod image;
pub(crate) mod pss;

use crate::rule::Rule;

/// All rules, sorted by ID (a unit test keeps it so).
pub(crate) static RULES: &[&dyn Rule] = &[
    &image::invalid_reference::InvalidReference,
    &image::latest_tag::LatestTag,
    &image::no_digest::NoDigest,
    &image::untrusted_registry::UntrustedRegistry,
    &pss::allow_privilege_escalation::RULE,
    &pss::app_armor_profile::RULE,
    &pss::capabilities_baseline::RULE,
    &pss::capabilities_restricted::RULE,
    &pss::host_namespaces::RULE,
    &pss::host_path_volumes::RULE,
    &pss::host_ports::RULE,
    &pss::host_probes_and_host_lifecycle::RULE,
    &pss::privileged::RULE,
    &pss::proc_mount::RULE,
    &pss::proc_mount_restricted::RULE,
    &pss::restricted_volumes::RULE,
    &pss::run_as_non_root::RULE,
    &pss::run_as_user::RULE,
    &pss::seccomp_profile_baseline::RULE,
    &pss::seccomp_profile_restricted::RULE,
    &pss::se_linux_options::RULE,
    &pss::sysctls::RULE,
    &pss::windows_host_process::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn registry_is_sorted_unique_and_documented() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|id| id.to_ascii_lowercase());
        sorted.dedup();
        assert_eq!(ids, sorted, "RULES must be sorted by ID (case-insensitive) and unique");
        for rule in RULES {
            let meta = rule.meta();
            assert!(meta.id.contains('/'), "{} has no family", meta.id);
            assert!(!meta.summary.is_empty() && !meta.help.is_empty(), "{} lacks docs", meta.id);
            assert!(!meta.summary.ends_with('.'), "{} summary ends with a period", meta.id);
        }
    }
}
