//! `pss/seLinuxOptions`: custom SELinux user, role or type (baseline, v1.0+;
//! `container_engine_t` allowed from v1.31).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::{Node, PodTemplate};

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural, sorted_set, spec_field};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/seLinuxOptions",
        severity: Severity::High,
        summary: "custom SELinux options",
        help: "Setting a custom SELinux user or role, or a type outside the container types, can escape the \
               SELinux confinement of containers.\n\n\
               **Restricted fields:** `seLinuxOptions.type`, `.user` and `.role` in the pod and container security contexts.\n\n\
               **Allowed values:** type unset, `container_t`, `container_init_t`, `container_kvm_t`, and \
               `container_engine_t` (policy v1.31+); user and role unset.\n\n\
               Reference: Pod Security Standards, baseline, \"SELinux\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn), (31, v1_31 as CheckFn)],
    replaced_at_restricted_from: None,
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, TYPES_1_0)
}

fn v1_31<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, TYPES_1_31)
}

#[derive(Default)]
struct Bad {
    types: Vec<String>,
    user: bool,
    role: bool,
}

impl Bad {
    /// Upstream's `validSELinuxOptions`: records what is wrong and says whether all is fine.
    fn valid(&mut self, options: &Node, allowed: &[&str]) -> bool {
        let mut valid = true;
        let field = |name: &str| options.get(name).and_then(Node::as_str).unwrap_or("");
        let ty = field("type");
        if !allowed.contains(&ty) {
            valid = false;
            self.types.push(ty.to_string());
        }
        if !field("user").is_empty() {
            valid = false;
            self.user = true;
        }
        if !field("role").is_empty() {
            valid = false;
            self.role = true;
        }
        valid
    }
}

fn check<'a>(pod: &PodTemplate<'a>, allowed: &[&str]) -> Option<Violation<'a>> {
    let mut bad = Bad::default();
    let mut setters = Vec::new();
    let mut sites: Vec<Site<'a>> = Vec::new();
    if let Some(options) = pod.security("seLinuxOptions")
        && !bad.valid(options, allowed)
    {
        setters.push("pod".to_string());
        sites.extend(spec_field(pod, "securityContext.seLinuxOptions"));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(options) = c.security("seLinuxOptions")
            && !bad.valid(options, allowed)
        {
            names.push(c.name());
            sites.extend(container_field(pod, &c, "securityContext.seLinuxOptions"));
        }
    }
    if !names.is_empty() {
        setters.push(format!("{} {}", plural("container", "containers", names.len()), join_quote(&names)));
    }
    if setters.is_empty() {
        return None;
    }
    let types = sorted_set(bad.types);
    let mut data = Vec::new();
    if !types.is_empty() {
        data.push(format!("{} {}", plural("type", "types", types.len()), join_quote(&types)));
    }
    if bad.user {
        data.push("user may not be set".to_string());
    }
    if bad.role {
        data.push("role may not be set".to_string());
    }
    Some(Violation::new(
        "seLinuxOptions",
        format!("{} set forbidden securityContext.seLinuxOptions: {}", setters.join(" and "), data.join("; ")),
        sites,
    ))
}
