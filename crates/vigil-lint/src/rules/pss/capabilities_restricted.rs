//! `pss/capabilities_restricted`: containers must drop ALL and add at most NET_BIND_SERVICE
//! (restricted, v1.22+; skipped for Windows pods from v1.25).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, container_site, join_quote, plural, sorted_set};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/capabilities_restricted",
        severity: Severity::Medium,
        summary: "container keeps unrestricted capabilities",
        help: "Restricted pods drop every Linux capability and may add back only `NET_BIND_SERVICE`.\n\n\
               **Restricted fields:** `securityContext.capabilities.drop` (must include `ALL`) and \
               `securityContext.capabilities.add` (unset or `NET_BIND_SERVICE`) of every container. Not required \
               for pods with `spec.os.name: windows` (policy v1.25+).\n\n\
               Reference: Pod Security Standards, restricted, \"Capabilities\".",
    },
    level: Level::Restricted,
    versions: &[(22, v1_22 as CheckFn), (25, v1_25 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_22<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut caps = Vec::new();
    let mut sites: Vec<Site<'a>> = Vec::new();
    for c in pod.containers() {
        let Some(capabilities) = c.security("capabilities") else {
            missing_drop_all.push(c.name());
            sites.push(container_site(pod, &c));
            continue;
        };
        let dropped_all = capabilities
            .get("drop")
            .and_then(|d| d.as_seq())
            .is_some_and(|items| items.iter().any(|i| i.as_str() == Some("ALL")));
        if !dropped_all {
            missing_drop_all.push(c.name());
            let site = container_field(pod, &c, "securityContext.capabilities.drop")
                .or_else(|| container_field(pod, &c, "securityContext.capabilities"))
                .unwrap_or_else(|| container_site(pod, &c));
            sites.push(site);
        }
        let mut added = false;
        for (i, cap) in capabilities.get("add").and_then(|a| a.as_seq()).unwrap_or(&[]).iter().enumerate() {
            let value = cap.as_str().unwrap_or("");
            if value != "NET_BIND_SERVICE" {
                added = true;
                caps.push(value.to_string());
                sites.push(Site::new(
                    cap,
                    pod.spec_field(&format!("{}.securityContext.capabilities.add[{i}]", c.path())),
                ));
            }
        }
        if added {
            adding_forbidden.push(c.name());
        }
    }
    let mut details = Vec::new();
    if !missing_drop_all.is_empty() {
        details.push(format!(
            "{} {} must set securityContext.capabilities.drop=[\"ALL\"]",
            plural("container", "containers", missing_drop_all.len()),
            join_quote(&missing_drop_all)
        ));
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} {} must not include {} in securityContext.capabilities.add",
            plural("container", "containers", adding_forbidden.len()),
            join_quote(&adding_forbidden),
            join_quote(&sorted_set(caps))
        ));
    }
    (!details.is_empty()).then(|| Violation::new("unrestricted capabilities", details.join("; "), sites))
}

fn v1_25<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    if pod.is_windows() {
        return None;
    }
    v1_22(pod)
}
