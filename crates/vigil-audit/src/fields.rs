//! The fields of Falco's k8saudit plugin (`ka.*`) and json plugin (`json.*`, `jevt.*`), extracted from
//! one Kubernetes audit event (`audit.k8s.io/v1` or `v1beta1` `Event`) with the upstream semantics of
//! falcosecurity/plugins `plugins/k8saudit/pkg/k8saudit/{fields,extract}.go` and
//! `plugins/json/pkg/json/json.go` (commit 0b3cbd8d).
//!
//! What "no value" means, as in Falco: [`extract`] returns `None` when upstream sets no value, when it
//! fails (a wrong JSON type, a broken URI), and when a list field would yield zero values (libsinsp
//! treats an empty result as "not available", so every comparison on it is false). Every `ka.*` field
//! has no value in an event without an `auditID` key (upstream discards such JSON). Values that are
//! not JSON strings are rendered as compact JSON (`201`, `true`, `{"k":"v"}`), like fastjson's
//! `MarshalTo`.
//!
//! Upstream quirks kept on purpose (rules written for Falco see the same values):
//! - `ka.sourceips` reads `requestObject.rules[].sourceIPs` (upstream passes `sourceIPs` to its
//!   role-rules helper), so it has no value in ordinary events.
//! - `ka.req.binding.subject.has_name[...]` is documented as "N/A" but returns `true`.
//! - `ka.req.volume.hostpath[path]` looks only at the first volume (libsinsp passes index 0 with a
//!   key argument), and is `true` on a match (a trailing `*` is a prefix match), `false` otherwise.
//! - `ka.req.service.ports` and `...containers.add_capabilities` yield one JSON array text per
//!   service / container (`[{"port":80,...}]`, `["NET_ADMIN"]`), not one value per element.
//! - `...eff_run_as_user` / `eff_run_as_group` read `spec.runAsUser` and each container's
//!   `runAsUser` (not the `securityContext`s), defaulting to the pod value, then `0`.
//! - `ka.req.pod.volumes.volume_type` yields every key of each volume except `name`.
//! - `json.obj` / `jevt.obj` is the event as JSON indented by two spaces (Go's `json.Indent`);
//!   `json.rawtime` / `jevt.rawtime` is the event time in nanoseconds since the epoch, which the
//!   k8saudit source takes from `stageTimestamp` (RFC 3339). There is no `jevt.time*` field upstream.

use std::borrow::Cow;

use crate::json::Json;

/// A resolved field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldId(u16);

/// What a field is.
#[derive(Debug)]
pub struct FieldInfo {
    /// `ka.verb`.
    pub name: &'static str,
    /// Whether it yields several values (Falco's `isList`).
    pub list: bool,
    /// Whether it takes an argument in brackets: `None` no, `Some(false)` an optional index,
    /// `Some(true)` a required key.
    pub arg: Option<bool>,
    /// Upstream description.
    pub desc: &'static str,
}

/// How a field is extracted (upstream's `switch`).
#[derive(Debug)]
enum K {
    /// `extractFromKeys` on a single-valued field: the value at the path, as a string.
    Keys(&'static [&'static str]),
    /// `extractFromKeys` on a list field: the array at the path, each element as a string.
    ListKeys(&'static [&'static str]),
    UriParam,
    TargetPodName,
    Subjects(SubjectKind),
    HasName,
    FirstImage,
    FirstRepository,
    AnyPrivileged,
    /// `extractRulesField`: `requestObject.rules[].<key>` arrays, flattened.
    Rules(&'static str),
    /// `getValuesRecursive` then `arrayAsStringsSkipNil`.
    SkipNil(&'static [&'static str]),
    HostPathMatch,
    VolumeType,
    /// `ka.req.pod.<list>.<field>`.
    Container(&'static str, C),
    JsonValue,
    JsonObj,
    JsonRawtime,
    /// Falco's former built-in JSON engine: the event time as `HH:MM:SS.nnnnnnnnn` (UTC).
    JsonTime,
    /// The same as RFC 3339 with nanoseconds.
    JsonTimeIso,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubjectKind {
    User,
    ServiceAccount,
    NamespacedServiceAccount,
    Group,
}

/// A per-container field.
#[derive(Debug)]
enum C {
    Name,
    Image,
    Repository,
    Command,
    Args,
    HostPort,
    SkipNil(&'static [&'static str]),
    Effective(&'static str),
}

macro_rules! table {
    ($( ($name:literal, $list:literal, $arg:expr, $kind:expr, $desc:literal), )*) => {
        static FIELDS: &[FieldInfo] = &[$(FieldInfo { name: $name, list: $list, arg: $arg, desc: $desc },)*];
        static KINDS: &[K] = &[$($kind,)*];
    };
}

table! {
    ("ka.auditid", false, None, K::Keys(&["auditID"]), "The unique id of the audit event"),
    ("ka.stage", false, None, K::Keys(&["stage"]), "Stage of the request (e.g. RequestReceived, ResponseComplete, etc.)"),
    ("ka.auth.decision", false, None, K::Keys(&["annotations", "authorization.k8s.io/decision"]), "The authorization decision"),
    ("ka.auth.reason", false, None, K::Keys(&["annotations", "authorization.k8s.io/reason"]), "The authorization reason"),
    ("ka.auth.openshift.decision", false, None, K::Keys(&["annotations", "authentication.openshift.io/decision"]), "The authentication decision of the openshfit apiserver extention. Only available on openshift clusters"),
    ("ka.validations.admission.policy.failure", false, None, K::Keys(&["annotations", "validation.policy.admission.k8s.io/validation_failure"]), "The validation failure reason from a Validation Admission Policy"),
    ("ka.security.pod.violations", false, None, K::Keys(&["annotations", "pod-security.kubernetes.io/audit-violations"]), "The violation reason for pod security policy"),
    ("ka.auth.openshift.username", false, None, K::Keys(&["annotations", "authentication.openshift.io/username"]), "The user name performing the openshift authentication operation. Only available on openshift clusters"),
    ("ka.user.name", false, None, K::Keys(&["user", "username"]), "The user name performing the request"),
    ("ka.user.groups", true, None, K::ListKeys(&["user", "groups"]), "The groups to which the user belongs"),
    ("ka.impuser.name", false, None, K::Keys(&["impersonatedUser", "username"]), "The impersonated user name"),
    ("ka.verb", false, None, K::Keys(&["verb"]), "The action being performed"),
    ("ka.uri", false, None, K::Keys(&["requestURI"]), "The request URI as sent from client to server"),
    ("ka.uri.param", false, Some(true), K::UriParam, "The value of a given query parameter in the uri (e.g. when uri=/foo?key=val, ka.uri.param[key] is val)."),
    ("ka.target.name", false, None, K::Keys(&["objectRef", "name"]), "The target object name"),
    ("ka.target.namespace", false, None, K::Keys(&["objectRef", "namespace"]), "The target object namespace"),
    ("ka.target.resource", false, None, K::Keys(&["objectRef", "resource"]), "The target object resource"),
    ("ka.target.subresource", false, None, K::Keys(&["objectRef", "subresource"]), "The target object subresource"),
    ("ka.target.pod.name", false, None, K::TargetPodName, "The target pod name"),
    ("ka.req.binding.subjects", true, None, K::ListKeys(&["requestObject", "subjects"]), "When the request object refers to a cluster role binding, the subject (e.g. account/users) being linked by the binding"),
    ("ka.req.binding.subjects.user_names", true, None, K::Subjects(SubjectKind::User), "When the request object refers to a cluster role binding, the subject user names being linked by the binding"),
    ("ka.req.binding.subjects.serviceaccount_names", true, None, K::Subjects(SubjectKind::ServiceAccount), "When the request object refers to a cluster role binding, the subject service account names being linked by the binding"),
    ("ka.req.binding.subjects.serviceaccount_ns_names", true, None, K::Subjects(SubjectKind::NamespacedServiceAccount), "When the request object refers to a cluster role binding, the subject serviceaccount namespaced names being linked by the binding, e.g. a list containing: mynamespace:myserviceaccount"),
    ("ka.req.binding.subjects.group_names", true, None, K::Subjects(SubjectKind::Group), "When the request object refers to a cluster role binding, the subject group names being linked by the binding"),
    ("ka.req.binding.role", false, None, K::Keys(&["requestObject", "roleRef", "name"]), "When the request object refers to a cluster role binding, the role being linked by the binding"),
    ("ka.req.binding.subject.has_name", false, Some(true), K::HasName, "Deprecated, always returns \"N/A\". Only provided for backwards compatibility"),
    ("ka.req.configmap.name", false, None, K::Keys(&["objectRef", "name"]), "If the request object refers to a configmap, the configmap name"),
    ("ka.req.configmap.obj", false, None, K::Keys(&["requestObject", "data"]), "If the request object refers to a configmap, the entire configmap object"),
    ("ka.req.pod.containers.args", true, Some(false), K::Container("containers", C::Args), "When the request object refers to a pod, the container's args."),
    ("ka.req.pod.containers.command", true, Some(false), K::Container("containers", C::Command), "When the request object refers to a pod, the container's command."),
    ("ka.req.pod.containers.name", true, Some(false), K::Container("containers", C::Name), "When the request object refers to a pod, the container's names."),
    ("ka.req.pod.containers.image", true, Some(false), K::Container("containers", C::Image), "When the request object refers to a pod, the container's images."),
    ("ka.req.container.image", false, None, K::FirstImage, "Deprecated by ka.req.pod.containers.image. Returns the image of the first container only"),
    ("ka.req.pod.containers.image.repository", true, Some(false), K::Container("containers", C::Repository), "The same as req.container.image, but only the repository part (e.g. falcosecurity/falco)."),
    ("ka.req.container.image.repository", false, None, K::FirstRepository, "Deprecated by ka.req.pod.containers.image.repository. Returns the repository of the first container only"),
    ("ka.req.pod.host_ipc", false, None, K::Keys(&["requestObject", "spec", "hostIPC"]), "When the request object refers to a pod, the value of the hostIPC flag."),
    ("ka.req.pod.host_network", false, None, K::Keys(&["requestObject", "spec", "hostNetwork"]), "When the request object refers to a pod, the value of the hostNetwork flag."),
    ("ka.req.container.host_network", false, None, K::Keys(&["requestObject", "spec", "hostNetwork"]), "Deprecated alias for ka.req.pod.host_network"),
    ("ka.req.pod.host_pid", false, None, K::Keys(&["requestObject", "spec", "hostPID"]), "When the request object refers to a pod, the value of the hostPID flag."),
    ("ka.req.pod.containers.host_port", true, Some(false), K::Container("containers", C::HostPort), "When the request object refers to a pod, all container's hostPort values."),
    ("ka.req.pod.containers.privileged", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "privileged"])), "When the request object refers to a pod, the value of the privileged flag for all containers."),
    ("ka.req.container.privileged", false, None, K::AnyPrivileged, "Deprecated by ka.req.pod.containers.privileged. Returns true if any container has privileged=true"),
    ("ka.req.pod.containers.allow_privilege_escalation", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "allowPrivilegeEscalation"])), "When the request object refers to a pod, the value of the allowPrivilegeEscalation flag for all containers"),
    ("ka.req.pod.containers.read_only_fs", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "readOnlyRootFilesystem"])), "When the request object refers to a pod, the value of the readOnlyRootFilesystem flag for all containers"),
    ("ka.req.pod.run_as_user", false, None, K::Keys(&["requestObject", "spec", "securityContext", "runAsUser"]), "When the request object refers to a pod, the runAsUser uid specified in the security context for the pod. See ....containers.run_as_user for the runAsUser for individual containers"),
    ("ka.req.pod.containers.run_as_user", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "runAsUser"])), "When the request object refers to a pod, the runAsUser uid for all containers"),
    ("ka.req.pod.containers.eff_run_as_user", true, Some(false), K::Container("containers", C::Effective("runAsUser")), "When the request object refers to a pod, the initial uid that will be used for all containers. This combines information from both the pod and container security contexts and uses 0 if no uid is specified"),
    ("ka.req.pod.run_as_group", false, None, K::Keys(&["requestObject", "spec", "securityContext", "runAsGroup"]), "When the request object refers to a pod, the runAsGroup gid specified in the security context for the pod. See ....containers.run_as_group for the runAsGroup for individual containers"),
    ("ka.req.pod.containers.run_as_group", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "runAsGroup"])), "When the request object refers to a pod, the runAsGroup gid for all containers"),
    ("ka.req.pod.containers.eff_run_as_group", true, Some(false), K::Container("containers", C::Effective("runAsGroup")), "When the request object refers to a pod, the initial gid that will be used for all containers. This combines information from both the pod and container security contexts and uses 0 if no gid is specified"),
    ("ka.req.pod.containers.proc_mount", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "procMount"])), "When the request object refers to a pod, the procMount types for all containers"),
    ("ka.req.role.rules", true, None, K::ListKeys(&["requestObject", "rules"]), "When the request object refers to a role/cluster role, the rules associated with the role"),
    ("ka.req.role.rules.apiGroups", true, Some(false), K::Rules("apiGroups"), "When the request object refers to a role/cluster role, the api groups associated with the role's rules"),
    ("ka.req.role.rules.nonResourceURLs", true, Some(false), K::Rules("nonResourceURLs"), "When the request object refers to a role/cluster role, the non resource urls associated with the role's rules"),
    ("ka.req.role.rules.verbs", true, Some(false), K::Rules("verbs"), "When the request object refers to a role/cluster role, the verbs associated with the role's rules"),
    ("ka.req.role.rules.resources", true, Some(false), K::Rules("resources"), "When the request object refers to a role/cluster role, the resources associated with the role's rules"),
    ("ka.req.pod.fs_group", false, None, K::Keys(&["requestObject", "spec", "securityContext", "fsGroup"]), "When the request object refers to a pod, the fsGroup gid specified by the security context."),
    ("ka.req.pod.supplemental_groups", true, None, K::ListKeys(&["requestObject", "spec", "securityContext", "supplementalGroups"]), "When the request object refers to a pod, the supplementalGroup gids specified by the security context."),
    ("ka.req.pod.containers.add_capabilities", true, Some(false), K::Container("containers", C::SkipNil(&["securityContext", "capabilities", "add"])), "When the request object refers to a pod, all capabilities to add when running the container."),
    ("ka.req.service.type", false, None, K::Keys(&["requestObject", "spec", "type"]), "When the request object refers to a service, the service type"),
    ("ka.req.service.ports", true, Some(false), K::SkipNil(&["requestObject", "spec", "ports"]), "When the request object refers to a service, the service's ports"),
    ("ka.req.pod.volumes.hostpath", true, Some(false), K::SkipNil(&["requestObject", "spec", "volumes", "hostPath", "path"]), "When the request object refers to a pod, all hostPath paths specified for all volumes"),
    ("ka.req.volume.hostpath", false, Some(true), K::HostPathMatch, "Deprecated by ka.req.pod.volumes.hostpath. Return true if the provided (host) path prefix is used by any volume"),
    ("ka.req.pod.volumes.flexvolume_driver", true, Some(false), K::SkipNil(&["requestObject", "spec", "volumes", "flexVolume", "driver"]), "When the request object refers to a pod, all flexvolume drivers specified for all volumes"),
    ("ka.req.pod.volumes.volume_type", true, Some(false), K::VolumeType, "When the request object refers to a pod, all volume types for all volumes"),
    ("ka.resp.name", false, None, K::Keys(&["responseObject", "metadata", "name"]), "The response object name"),
    ("ka.response.code", false, None, K::Keys(&["responseStatus", "code"]), "The response code"),
    ("ka.response.reason", false, None, K::Keys(&["responseStatus", "reason"]), "The response reason (usually present only for failures)"),
    ("ka.useragent", false, None, K::Keys(&["userAgent"]), "The useragent of the client who made the request to the apiserver"),
    ("ka.sourceips", true, Some(false), K::Rules("sourceIPs"), "The IP addresses of the client who made the request to the apiserver"),
    ("ka.cluster.name", false, None, K::Keys(&["annotations", "cluster_name"]), "The name of the k8s cluster"),
    ("ka.req.pod.initContainers.name", true, Some(false), K::Container("initContainers", C::Name), "When the request object refers to a pod, the init containers names."),
    ("ka.req.pod.initContainers.image", true, Some(false), K::Container("initContainers", C::Image), "When the request object refers to a pod, the init containers images."),
    ("ka.req.pod.initContainers.image.repository", true, Some(false), K::Container("initContainers", C::Repository), "The same as ka.req.pod.initContainers.image, but only the repository part (e.g. falcosecurity/falco)."),
    ("ka.req.pod.initContainers.command", true, Some(false), K::Container("initContainers", C::Command), "When the request object refers to a pod, the init containers commands."),
    ("ka.req.pod.initContainers.args", true, Some(false), K::Container("initContainers", C::Args), "When the request object refers to a pod, the init containers args."),
    ("ka.req.pod.initContainers.privileged", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "privileged"])), "When the request object refers to a pod, the value of the privileged flag for all init containers."),
    ("ka.req.pod.initContainers.allow_privilege_escalation", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "allowPrivilegeEscalation"])), "When the request object refers to a pod, the value of the allowPrivilegeEscalation flag for all init containers."),
    ("ka.req.pod.initContainers.read_only_fs", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "readOnlyRootFilesystem"])), "When the request object refers to a pod, the value of the readOnlyRootFilesystem flag for all init containers."),
    ("ka.req.pod.initContainers.run_as_user", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "runAsUser"])), "When the request object refers to a pod, the runAsUser uid for all init containers."),
    ("ka.req.pod.initContainers.eff_run_as_user", true, Some(false), K::Container("initContainers", C::Effective("runAsUser")), "When the request object refers to a pod, the initial uid that will be used for all init containers. This combines information from both the pod and container security contexts and uses 0 if no uid is specified."),
    ("ka.req.pod.initContainers.run_as_group", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "runAsGroup"])), "When the request object refers to a pod, the runAsGroup gid for all init containers."),
    ("ka.req.pod.initContainers.eff_run_as_group", true, Some(false), K::Container("initContainers", C::Effective("runAsGroup")), "When the request object refers to a pod, the initial gid that will be used for all init containers. This combines information from both the pod and container security contexts and uses 0 if no gid is specified."),
    ("ka.req.pod.initContainers.proc_mount", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "procMount"])), "When the request object refers to a pod, the procMount type for all init containers."),
    ("ka.req.pod.initContainers.add_capabilities", true, Some(false), K::Container("initContainers", C::SkipNil(&["securityContext", "capabilities", "add"])), "When the request object refers to a pod, the capabilities added for all init containers."),
    ("ka.req.pod.initContainers.host_port", true, Some(false), K::Container("initContainers", C::HostPort), "When the request object refers to a pod, all init containers hostPort values."),
    ("ka.req.pod.ephemeralContainers.name", true, Some(false), K::Container("ephemeralContainers", C::Name), "When the request object refers to a pod, the ephemeral containers names."),
    ("ka.req.pod.ephemeralContainers.image", true, Some(false), K::Container("ephemeralContainers", C::Image), "When the request object refers to a pod, the ephemeral containers images."),
    ("ka.req.pod.ephemeralContainers.image.repository", true, Some(false), K::Container("ephemeralContainers", C::Repository), "The same as ka.req.pod.ephemeralContainers.image, but only the repository part (e.g. falcosecurity/falco)."),
    ("ka.req.pod.ephemeralContainers.command", true, Some(false), K::Container("ephemeralContainers", C::Command), "When the request object refers to a pod, the ephemeral containers commands."),
    ("ka.req.pod.ephemeralContainers.args", true, Some(false), K::Container("ephemeralContainers", C::Args), "When the request object refers to a pod, the ephemeral containers args."),
    ("ka.req.pod.ephemeralContainers.privileged", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "privileged"])), "When the request object refers to a pod, the value of the privileged flag for all ephemeral containers."),
    ("ka.req.pod.ephemeralContainers.allow_privilege_escalation", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "allowPrivilegeEscalation"])), "When the request object refers to a pod, the value of the allowPrivilegeEscalation flag for all ephemeral containers."),
    ("ka.req.pod.ephemeralContainers.read_only_fs", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "readOnlyRootFilesystem"])), "When the request object refers to a pod, the value of the readOnlyRootFilesystem flag for all ephemeral containers."),
    ("ka.req.pod.ephemeralContainers.run_as_user", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "runAsUser"])), "When the request object refers to a pod, the runAsUser uid for all ephemeral containers."),
    ("ka.req.pod.ephemeralContainers.eff_run_as_user", true, Some(false), K::Container("ephemeralContainers", C::Effective("runAsUser")), "When the request object refers to a pod, the initial uid that will be used for all ephemeral containers. This combines information from both the pod and container security contexts and uses 0 if no uid is specified."),
    ("ka.req.pod.ephemeralContainers.run_as_group", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "runAsGroup"])), "When the request object refers to a pod, the runAsGroup gid for all ephemeral containers."),
    ("ka.req.pod.ephemeralContainers.eff_run_as_group", true, Some(false), K::Container("ephemeralContainers", C::Effective("runAsGroup")), "When the request object refers to a pod, the initial gid that will be used for all ephemeral containers. This combines information from both the pod and container security contexts and uses 0 if no gid is specified."),
    ("ka.req.pod.ephemeralContainers.proc_mount", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "procMount"])), "When the request object refers to a pod, the procMount type for all ephemeral containers."),
    ("ka.req.pod.ephemeralContainers.add_capabilities", true, Some(false), K::Container("ephemeralContainers", C::SkipNil(&["securityContext", "capabilities", "add"])), "When the request object refers to a pod, the capabilities added for all ephemeral containers."),
    ("json.value", false, Some(true), K::JsonValue, "Extracts a value from a JSON-encoded input. Syntax is json.value[<json pointer>], where <json pointer> is a json pointer (see https://datatracker.ietf.org/doc/html/rfc6901)"),
    ("json.obj", false, None, K::JsonObj, "The full json message as a text string."),
    ("json.rawtime", false, None, K::JsonRawtime, "The time of the event, identical to evt.rawtime."),
    ("jevt.value", false, Some(true), K::JsonValue, "Alias for json.value, provided for backwards compatibility."),
    ("jevt.obj", false, None, K::JsonObj, "Alias for json.obj, provided for backwards compatibility."),
    ("jevt.rawtime", false, None, K::JsonRawtime, "Alias for json.rawtime, provided for backwards compatibility."),
    ("jevt.time", false, None, K::JsonTime, "The event time (stageTimestamp) as a string with nanoseconds, HH:MM:SS.nnnnnnnnn in UTC, as Falco's former built-in k8s audit engine printed it."),
    ("jevt.time.iso8601", false, None, K::JsonTimeIso, "The event time (stageTimestamp) in ISO 8601 with nanoseconds, in UTC, as Falco's former built-in k8s audit engine printed it."),
}

/// Every field, in upstream order (k8saudit, then json).
#[must_use]
pub fn all() -> &'static [FieldInfo] {
    FIELDS
}

/// Resolves a field name (and its bracket argument, without the brackets).
///
/// # Errors
/// Unknown field, an argument where none is allowed, none where one is required, or an index
/// argument that is not a decimal number.
pub fn resolve(name: &str, arg: Option<&str>) -> Result<FieldId, String> {
    let Some(i) = FIELDS.iter().position(|f| f.name == name) else {
        return Err(format!("unknown field `{name}`"));
    };
    let takes = FIELDS.get(i).and_then(|f| f.arg);
    match (takes, arg) {
        (None, Some(a)) => return Err(format!("field `{name}` does not take an argument (got `{name}[{a}]`)")),
        (Some(true), None) => return Err(format!("field `{name}` requires an argument: `{name}[...]`")),
        (Some(false), Some(a)) if parse_index(a).is_none() => {
            return Err(format!("field `{name}` takes a numeric index argument, got `{name}[{a}]`"));
        }
        _ => {}
    }
    u16::try_from(i).map(FieldId).map_err(|_| format!("field `{name}`: too many fields"))
}

/// The description of a resolved field.
#[must_use]
pub fn info(id: FieldId) -> &'static FieldInfo {
    &FIELDS[usize::from(id.0)]
}

/// A decimal index argument (`[0]`).
fn parse_index(arg: &str) -> Option<u64> {
    if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    arg.parse().ok()
}

/// The values of a field in an event: `None` when it has no value (Falco prints `<NA>` and every
/// comparison is false); otherwise one value for a single-valued field, one or more for a list field
/// (an empty list is `None`, as in libsinsp). `arg` is the bracket argument given to [`resolve`].
#[must_use]
pub fn extract<'a>(event: &'a Json<'a>, id: FieldId, arg: Option<&str>) -> Option<Vec<Cow<'a, str>>> {
    let i = usize::from(id.0);
    let kind = KINDS.get(i)?;
    match kind {
        K::JsonValue => return json_value(event, arg.unwrap_or("")).map(one),
        K::JsonObj => return serde_json::to_string_pretty(event).ok().map(|s| one(Cow::Owned(s))),
        K::JsonRawtime => {
            let ns = rfc3339_nanos(event.get("stageTimestamp")?.as_str()?)?;
            return Some(one(Cow::Owned(ns.to_string())));
        }
        K::JsonTime | K::JsonTimeIso => {
            let ns = rfc3339_nanos(event.get("stageTimestamp")?.as_str()?)?;
            let secs = i64::try_from(ns.div_euclid(1_000_000_000)).ok()?;
            let frac = ns.rem_euclid(1_000_000_000);
            let stamp = vigil_core::time::rfc3339(secs);
            let text = match kind {
                K::JsonTime => format!("{}.{frac:09}", stamp.get(11..19)?),
                _ => format!("{}.{frac:09}Z", stamp.trim_end_matches('Z')),
            };
            return Some(one(Cow::Owned(text)));
        }
        _ => {}
    }
    // upstream discards JSON that is not an audit event
    event.get("auditID")?;
    // an index argument filters every array on the path; a key argument counts as index 0
    // (libsinsp leaves `arg_index` at 0 for key arguments)
    let index = match (FIELDS.get(i)?.arg, arg) {
        (Some(false), Some(a)) => Some(usize::try_from(parse_index(a)?).unwrap_or(usize::MAX)),
        (Some(true), Some(_)) => Some(0),
        _ => None,
    };
    match kind {
        K::Keys(path) => Some(one(to_str(get_path(event, path)?))),
        K::ListKeys(path) => list(get_path(event, path)?.as_array()?.iter().map(to_str).collect()),
        K::UriParam => uri_param(event, arg?),
        K::TargetPodName => {
            let object = event.get("objectRef");
            let field = |k: &str| object.and_then(|o| o.get(k)).and_then(Json::as_str).unwrap_or("");
            if field("resource") == "pods" && field("subresource").is_empty() {
                Some(one(to_str(get_path(event, &["responseObject", "metadata", "name"])?)))
            } else {
                None
            }
        }
        K::Subjects(kind) => subjects(event, *kind),
        K::HasName => Some(one(Cow::Borrowed("true"))),
        K::FirstImage => container_strings(event, "containers", Some(0), "image")?.into_iter().next().map(one),
        K::FirstRepository => {
            container_strings(event, "containers", Some(0), "image")?.into_iter().next().map(|s| one(repository(s)))
        }
        K::AnyPrivileged => {
            let mut values = Vec::new();
            container_values(event, "containers", None, &["securityContext", "privileged"], &mut values)?;
            let any = values.iter().flatten().any(|v| v.as_bool() == Some(true));
            Some(one(Cow::Borrowed(if any { "true" } else { "false" })))
        }
        K::Rules(key) => {
            let mut values = Vec::new();
            if !values_recursive(event, index, &["requestObject", "rules", key], &mut values) {
                return None;
            }
            list(values.into_iter().flatten().filter_map(Json::as_array).flatten().map(to_str).collect())
        }
        K::SkipNil(path) => {
            let mut values = Vec::new();
            if !values_recursive(event, index, path, &mut values) {
                return None;
            }
            list(values.into_iter().flatten().map(to_str).collect())
        }
        K::HostPathMatch => {
            let mut values = Vec::new();
            if !values_recursive(event, index, &["requestObject", "spec", "volumes", "hostPath", "path"], &mut values) {
                return None;
            }
            let arg = arg?;
            let prefix = arg.strip_suffix('*');
            let hit =
                values.into_iter().flatten().map(to_str).any(|v| prefix.is_some_and(|p| v.starts_with(p)) || v == arg);
            Some(one(Cow::Borrowed(if hit { "true" } else { "false" })))
        }
        K::VolumeType => {
            let mut values = Vec::new();
            if !values_recursive(event, index, &["requestObject", "spec", "volumes", ""], &mut values) {
                return None;
            }
            list(
                values
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_object)
                    .flat_map(|o| o.keys())
                    .filter(|k| *k != "name")
                    .map(Cow::Borrowed)
                    .collect(),
            )
        }
        K::Container(which, field) => container_field(event, which, field, index),
        K::JsonValue | K::JsonObj | K::JsonRawtime | K::JsonTime | K::JsonTimeIso => None,
    }
}

fn one(v: Cow<'_, str>) -> Vec<Cow<'_, str>> {
    vec![v]
}

/// An empty list has no value.
fn list(values: Vec<Cow<'_, str>>) -> Option<Vec<Cow<'_, str>>> {
    if values.is_empty() { None } else { Some(values) }
}

/// A JSON value as upstream's `jsonValueAsString`: a string as is, anything else as compact JSON.
fn to_str<'a>(v: &'a Json<'a>) -> Cow<'a, str> {
    match v {
        Json::String(s) => Cow::Borrowed(s),
        Json::Bool(true) => Cow::Borrowed("true"),
        Json::Bool(false) => Cow::Borrowed("false"),
        Json::Null => Cow::Borrowed("null"),
        Json::Number(n) => Cow::Owned(n.to_string()),
        other => Cow::Owned(serde_json::to_string(other).unwrap_or_default()),
    }
}

/// fastjson's `Get(key)`: an object member, or an array element by decimal index.
fn fj_get<'a>(v: &'a Json<'a>, key: &str) -> Option<&'a Json<'a>> {
    match v {
        Json::Object(map) => map.get(key),
        Json::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    }
}

fn get_path<'a>(v: &'a Json<'a>, keys: &[&str]) -> Option<&'a Json<'a>> {
    keys.iter().try_fold(v, |v, k| fj_get(v, k))
}

/// Upstream's `getValuesRecursive`: walks `keys`; at an array, either descends into every element
/// (no index: an element without the path gives `None`) or into element `index` only. An empty key
/// stays on the value. `false` when the path is not available.
fn values_recursive<'a>(
    mut v: &'a Json<'a>,
    index: Option<usize>,
    keys: &[&str],
    out: &mut Vec<Option<&'a Json<'a>>>,
) -> bool {
    for (i, key) in keys.iter().enumerate() {
        if let Json::Array(items) = v {
            match index {
                None => {
                    let rest = keys.get(i..).unwrap_or_default();
                    for item in items {
                        if !values_recursive(item, None, rest, out) {
                            out.push(None);
                        }
                    }
                    return true;
                }
                Some(n) => match items.get(n) {
                    Some(item) => v = item,
                    None => return false,
                },
            }
        }
        if !key.is_empty() {
            match fj_get(v, key) {
                Some(next) => v = next,
                None => return false,
            }
        }
    }
    out.push(Some(v));
    true
}

/// `requestObject.spec.<list>[].<sub...>`; `None` when not available.
fn container_values<'a>(
    event: &'a Json<'a>,
    which: &str,
    index: Option<usize>,
    sub: &[&str],
    out: &mut Vec<Option<&'a Json<'a>>>,
) -> Option<()> {
    let mut keys = ["requestObject", "spec", which, "", "", ""];
    let n = 3 + sub.len();
    keys.get_mut(3..n)?.copy_from_slice(sub);
    values_recursive(event, index, keys.get(..n)?, out).then_some(())
}

/// Upstream's `arrayAsStrings` over a per-container key: a container without it fails the field.
fn container_strings<'a>(
    event: &'a Json<'a>,
    which: &str,
    index: Option<usize>,
    key: &str,
) -> Option<Vec<Cow<'a, str>>> {
    let mut values = Vec::new();
    container_values(event, which, index, &[key], &mut values)?;
    values.into_iter().map(|v| v.map(to_str)).collect()
}

/// `nginx:1.14@sha256:…` → `nginx` (upstream cuts at the first `:`, then at the first `@`).
fn repository(image: Cow<'_, str>) -> Cow<'_, str> {
    fn cut(s: &str) -> &str {
        let s = s.split(':').next().unwrap_or(s);
        s.split('@').next().unwrap_or(s)
    }
    match image {
        Cow::Borrowed(s) => Cow::Borrowed(cut(s)),
        Cow::Owned(s) => Cow::Owned(cut(&s).to_string()),
    }
}

fn container_field<'a>(event: &'a Json<'a>, which: &str, field: &C, index: Option<usize>) -> Option<Vec<Cow<'a, str>>> {
    let mut values = Vec::new();
    match field {
        C::Name => list(container_strings(event, which, index, "name")?),
        C::Image => list(container_strings(event, which, index, "image")?),
        C::Repository => list(container_strings(event, which, index, "image")?.into_iter().map(repository).collect()),
        C::Command | C::Args => {
            let key = if matches!(field, C::Command) { "command" } else { "args" };
            container_values(event, which, index, &[key], &mut values)?;
            let mut out = Vec::new();
            for words in values.into_iter().flatten() {
                let words = words.as_array()?;
                let joined = match words.as_slice() {
                    [single] => Cow::Borrowed(single.as_str()?),
                    _ => {
                        let parts = words.iter().map(Json::as_str).collect::<Option<Vec<_>>>()?;
                        Cow::Owned(parts.join(" "))
                    }
                };
                out.push(joined);
            }
            list(out)
        }
        C::HostPort => {
            container_values(event, which, index, &["ports"], &mut values)?;
            let mut out = Vec::new();
            for ports in values.into_iter().flatten() {
                for port in ports.as_array()? {
                    if let Some(p) = fj_get(port, "hostPort").or_else(|| fj_get(port, "containerPort")) {
                        out.push(to_str(p));
                    }
                }
            }
            list(out)
        }
        C::SkipNil(sub) => {
            container_values(event, which, index, sub, &mut values)?;
            list(values.into_iter().flatten().map(to_str).collect())
        }
        C::Effective(key) => {
            let pod = get_path(event, &["requestObject", "spec", key]).map_or(Cow::Borrowed("0"), to_str);
            container_values(event, which, index, &[key], &mut values)?;
            list(values.into_iter().map(|v| v.map_or_else(|| pod.clone(), to_str)).collect())
        }
    }
}

/// `ka.req.binding.subjects.*_names`: subjects of one kind that have a `kind` and a `name`.
fn subjects<'a>(event: &'a Json<'a>, kind: SubjectKind) -> Option<Vec<Cow<'a, str>>> {
    let subjects = get_path(event, &["requestObject", "subjects"])?.as_array()?;
    let want = match kind {
        SubjectKind::User => "User",
        SubjectKind::ServiceAccount | SubjectKind::NamespacedServiceAccount => "ServiceAccount",
        SubjectKind::Group => "Group",
    };
    let mut out = Vec::new();
    for subject in subjects {
        let (Some(k), Some(name)) = (fj_get(subject, "kind"), fj_get(subject, "name")) else { continue };
        if to_str(k) != want {
            continue;
        }
        let name = to_str(name);
        if kind == SubjectKind::NamespacedServiceAccount {
            let Some(ns) = fj_get(subject, "namespace") else { continue };
            out.push(Cow::Owned(format!("{}:{name}", to_str(ns))));
        } else {
            out.push(name);
        }
    }
    list(out)
}

/// `ka.uri.param[key]`: the first value of query parameter `key` of `requestURI`, with Go's
/// `url.Parse` + `url.ParseQuery` (a bad escape or a `;` anywhere in the query: no value).
fn uri_param<'a>(event: &'a Json<'a>, key: &str) -> Option<Vec<Cow<'a, str>>> {
    let uri = to_str(event.get("requestURI")?);
    let found = match &uri {
        Cow::Borrowed(s) => query_param(s, key)?,
        Cow::Owned(s) => Cow::Owned(query_param(s, key)?.into_owned()),
    };
    Some(one(found))
}

fn query_param<'a>(uri: &'a str, key: &str) -> Option<Cow<'a, str>> {
    if uri.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None;
    }
    let (rest, fragment) = uri.split_once('#').unwrap_or((uri, ""));
    unescape(fragment, false)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    unescape(path, false)?;
    let mut found = None;
    for pair in query.split('&') {
        if pair.contains(';') {
            return None;
        }
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = unescape(k, true)?;
        let v = unescape(v, true)?;
        if found.is_none() && k == key {
            found = Some(v);
        }
    }
    found
}

/// Go's `unescape`: `%XX` decoded (a bad escape fails), `+` → space in a query component.
fn unescape(s: &str, query: bool) -> Option<Cow<'_, str>> {
    if !(s.contains('%') || query && s.contains('+')) {
        return Some(Cow::Borrowed(s));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
                let (hi, lo) = (hex(i + 1)?, hex(i + 2)?);
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
}

/// `json.value[/json/pointer]`: RFC 6901 (`~1` → `/`, then `~0` → `~`; the leading `/` optional;
/// array elements by index); a string as is, anything else as compact JSON; no argument: the
/// whole event.
fn json_value<'a>(event: &'a Json<'a>, pointer: &str) -> Option<Cow<'a, str>> {
    if pointer.is_empty() {
        return Some(Cow::Owned(serde_json::to_string(event).ok()?));
    }
    let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
    let mut v = event;
    for key in pointer.split('/') {
        v = if key.contains('~') { fj_get(v, &key.replace("~1", "/").replace("~0", "~")) } else { fj_get(v, key) }?;
    }
    Some(to_str(v))
}

/// Go's `time.Parse(time.RFC3339Nano, s)` as nanoseconds since the epoch (what the k8saudit source
/// stamps on the event, as a `uint64`).
fn rfc3339_nanos(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = b.get(from..to)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, min, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut at = 19;
    let mut nanos: i64 = 0;
    if sep(at, b'.') || sep(at, b',') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
        let digits = b.get(start..at.min(start + 9))?;
        for d in digits.iter().chain(std::iter::repeat(&b'0')).take(9) {
            nanos = nanos * 10 + i64::from(d - b'0');
        }
    }
    let offset = match b.get(at..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(at + 1, at + 3)?, num(at + 4, at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = vigil_core::time::days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset;
    let ns = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    // Go's UnixNano is an int64, the event timestamp its bits as a uint64
    Some(i64::try_from(ns).ok()?.cast_unsigned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn get(event: &serde_json::Value, name: &str, arg: Option<&str>) -> Option<Vec<String>> {
        let id = resolve(name, arg).unwrap();
        let event = Json::from(event);
        extract(&event, id, arg).map(|v| v.into_iter().map(Cow::into_owned).collect())
    }

    fn one(event: &serde_json::Value, name: &str) -> Option<String> {
        let mut v = get(event, name, None)?;
        assert_eq!(v.len(), 1, "{name} is single-valued");
        v.pop()
    }

    fn pod() -> serde_json::Value {
        json!({
            "auditID": "x", "verb": "create", "stageTimestamp": "2018-10-25T14:09:12.123456Z",
            "requestURI": "/api/v1/namespaces/default/pods/p/exec?command=sh&command=-c&container=a%20b&x=1+2",
            "objectRef": {"resource": "pods", "namespace": "default"},
            "responseStatus": {"code": 201},
            "responseObject": {"metadata": {"name": "p"}},
            "user": {"username": "bob", "groups": ["g1", "g2"]},
            "requestObject": {"spec": {
                "hostNetwork": true,
                "runAsUser": 7,
                "securityContext": {"runAsUser": 1000, "supplementalGroups": [5, 6]},
                "containers": [
                    {"name": "a", "image": "docker.io/nginx:1.14@sha256:ab", "command": ["sh", "-c"], "args": ["x"],
                     "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 8081}],
                     "securityContext": {"privileged": true, "capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}}},
                    {"name": "b", "image": "busybox", "runAsUser": 3}
                ],
                "initContainers": [{"name": "i", "image": "alpine:3", "securityContext": {"privileged": false}}],
                "volumes": [
                    {"name": "v1", "emptyDir": {}},
                    {"name": "v2", "hostPath": {"path": "/proc/sys"}}
                ]
            }}
        })
    }

    #[test]
    fn resolve_checks_names_and_arguments() {
        assert!(resolve("ka.nope", None).unwrap_err().contains("ka.nope"));
        assert!(resolve("ka.verb", Some("x")).unwrap_err().contains("ka.verb"));
        assert!(resolve("ka.uri.param", None).unwrap_err().contains("requires"));
        assert!(resolve("ka.req.pod.containers.image", Some("x")).is_err());
        assert!(resolve("ka.req.pod.containers.image", Some("1")).is_ok());
        assert!(resolve("ka.req.pod.containers.image", None).is_ok());
        assert!(resolve("jevt.value", Some("/a~1b")).is_ok());
        // Not in today's json plugin, but Falco's former built-in engine had it and rules
        // still print it: vigil keeps it.
        assert!(resolve("jevt.time", None).is_ok());
        let id = resolve("ka.user.groups", None).unwrap();
        assert_eq!(info(id).name, "ka.user.groups");
        assert!(info(id).list);
        assert_eq!(all().len(), 108);
        assert_eq!(all().len(), KINDS.len());
    }

    #[test]
    fn simple_fields_and_rendering() {
        let e = pod();
        assert_eq!(one(&e, "ka.verb").as_deref(), Some("create"));
        assert_eq!(one(&e, "ka.response.code").as_deref(), Some("201"));
        assert_eq!(one(&e, "ka.req.pod.host_network").as_deref(), Some("true"));
        assert_eq!(one(&e, "ka.req.container.host_network").as_deref(), Some("true"));
        assert_eq!(one(&e, "ka.req.pod.host_pid"), None);
        assert_eq!(one(&e, "ka.target.pod.name").as_deref(), Some("p"));
        assert_eq!(one(&e, "ka.req.pod.run_as_user").as_deref(), Some("1000"));
        assert_eq!(get(&e, "ka.user.groups", None).unwrap(), ["g1", "g2"]);
        assert_eq!(get(&e, "ka.req.pod.supplemental_groups", None).unwrap(), ["5", "6"]);
        assert_eq!(one(&e, "ka.impuser.name"), None);
        // without auditID no ka.* field has a value, json.* fields still do
        let bare = json!({"verb": "get"});
        assert_eq!(one(&bare, "ka.verb"), None);
        assert_eq!(get(&bare, "jevt.value", Some("/verb")).unwrap(), ["get"]);
    }

    #[test]
    fn uri_param_follows_go_url_parsing() {
        let e = pod();
        assert_eq!(get(&e, "ka.uri.param", Some("command")).unwrap(), ["sh"]);
        assert_eq!(get(&e, "ka.uri.param", Some("container")).unwrap(), ["a b"]);
        assert_eq!(get(&e, "ka.uri.param", Some("x")).unwrap(), ["1 2"]);
        assert_eq!(get(&e, "ka.uri.param", Some("missing")), None);
        let bad = json!({"auditID": "x", "requestURI": "/p?command=sh;x=1"});
        assert_eq!(get(&bad, "ka.uri.param", Some("command")), None);
        let bad = json!({"auditID": "x", "requestURI": "/p?command=sh&y=%zz"});
        assert_eq!(get(&bad, "ka.uri.param", Some("command")), None);
    }

    #[test]
    fn container_fields() {
        let e = pod();
        assert_eq!(
            get(&e, "ka.req.pod.containers.image", None).unwrap(),
            ["docker.io/nginx:1.14@sha256:ab", "busybox"]
        );
        assert_eq!(get(&e, "ka.req.pod.containers.image.repository", None).unwrap(), ["docker.io/nginx", "busybox"]);
        assert_eq!(get(&e, "ka.req.pod.containers.image", Some("1")).unwrap(), ["busybox"]);
        assert_eq!(get(&e, "ka.req.pod.containers.image", Some("2")), None);
        assert_eq!(one(&e, "ka.req.container.image").as_deref(), Some("docker.io/nginx:1.14@sha256:ab"));
        assert_eq!(one(&e, "ka.req.container.image.repository").as_deref(), Some("docker.io/nginx"));
        // only containers with the key count
        assert_eq!(get(&e, "ka.req.pod.containers.privileged", None).unwrap(), ["true"]);
        assert_eq!(one(&e, "ka.req.container.privileged").as_deref(), Some("true"));
        assert_eq!(get(&e, "ka.req.pod.initContainers.privileged", None).unwrap(), ["false"]);
        assert_eq!(get(&e, "ka.req.pod.initContainers.image.repository", None).unwrap(), ["alpine"]);
        assert_eq!(get(&e, "ka.req.pod.ephemeralContainers.image", None), None);
        assert_eq!(get(&e, "ka.req.pod.containers.command", None).unwrap(), ["sh -c"]);
        assert_eq!(get(&e, "ka.req.pod.containers.args", None).unwrap(), ["x"]);
        assert_eq!(get(&e, "ka.req.pod.containers.host_port", None).unwrap(), ["80", "8081"]);
        assert_eq!(get(&e, "ka.req.pod.containers.add_capabilities", None).unwrap(), [r#"["NET_ADMIN","SYS_TIME"]"#]);
        assert_eq!(get(&e, "ka.req.pod.containers.eff_run_as_user", None).unwrap(), ["7", "3"]);
        assert_eq!(get(&e, "ka.req.pod.containers.eff_run_as_group", None).unwrap(), ["0", "0"]);
        assert_eq!(get(&e, "ka.req.pod.containers.proc_mount", None), None);
        // a container without an image fails the whole (non-skipping) field
        let mut e2 = pod();
        e2["requestObject"]["spec"]["containers"][1].as_object_mut().unwrap().remove("image");
        assert_eq!(get(&e2, "ka.req.pod.containers.image", None), None);
        assert_eq!(get(&e2, "ka.req.pod.containers.name", None).unwrap(), ["a", "b"]);
    }

    #[test]
    fn volumes() {
        let e = pod();
        assert_eq!(get(&e, "ka.req.pod.volumes.hostpath", None).unwrap(), ["/proc/sys"]);
        assert_eq!(get(&e, "ka.req.pod.volumes.hostpath", Some("0")), None);
        assert_eq!(get(&e, "ka.req.pod.volumes.volume_type", None).unwrap(), ["emptyDir", "hostPath"]);
        // the deprecated key form looks at the first volume only (upstream passes index 0)
        assert_eq!(get(&e, "ka.req.volume.hostpath", Some("/proc*")), None);
        let mut first = pod();
        first["requestObject"]["spec"]["volumes"].as_array_mut().unwrap().remove(0);
        assert_eq!(get(&first, "ka.req.volume.hostpath", Some("/proc*")).unwrap(), ["true"]);
        assert_eq!(get(&first, "ka.req.volume.hostpath", Some("/proc")).unwrap(), ["false"]);
        assert_eq!(get(&first, "ka.req.volume.hostpath", Some("/proc/sys")).unwrap(), ["true"]);
    }

    #[test]
    fn roles_and_bindings() {
        let e = json!({"auditID": "x", "sourceIPs": ["10.0.0.1"], "requestObject": {
        "rules": [{"verbs": ["get", "list"], "resources": ["pods"]}, {"verbs": ["*"], "nonResourceURLs": ["/x"]}],
        "roleRef": {"name": "admin"},
        "subjects": [
            {"kind": "User", "name": "u"}, {"kind": "Group", "name": "g"},
            {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}, {"kind": "ServiceAccount", "name": "nons"}
        ]}});
        assert_eq!(get(&e, "ka.req.role.rules.verbs", None).unwrap(), ["get", "list", "*"]);
        assert_eq!(get(&e, "ka.req.role.rules.verbs", Some("1")).unwrap(), ["*"]);
        assert_eq!(get(&e, "ka.req.role.rules.apiGroups", None), None);
        assert_eq!(get(&e, "ka.req.role.rules", None).unwrap()[0], r#"{"verbs":["get","list"],"resources":["pods"]}"#);
        assert_eq!(one(&e, "ka.req.binding.role").as_deref(), Some("admin"));
        assert_eq!(get(&e, "ka.req.binding.subjects.user_names", None).unwrap(), ["u"]);
        assert_eq!(get(&e, "ka.req.binding.subjects.group_names", None).unwrap(), ["g"]);
        assert_eq!(get(&e, "ka.req.binding.subjects.serviceaccount_names", None).unwrap(), ["sa", "nons"]);
        assert_eq!(get(&e, "ka.req.binding.subjects.serviceaccount_ns_names", None).unwrap(), ["ns:sa"]);
        assert_eq!(get(&e, "ka.req.binding.subject.has_name", Some("cluster-admin")).unwrap(), ["true"]);
        // upstream reads requestObject.rules[].sourceIPs
        assert_eq!(get(&e, "ka.sourceips", None), None);
    }

    #[test]
    fn json_fields() {
        let e = json!({"a/~b": [1, {"c": "s"}], "stageTimestamp": "2018-10-26T14:35:50.627514Z", "n": null});
        assert_eq!(get(&e, "jevt.value", Some("/a~1~0b")).unwrap(), [r#"[1,{"c":"s"}]"#]);
        assert_eq!(get(&e, "jevt.value", Some("/a~1~0b/1/c")).unwrap(), ["s"]);
        assert_eq!(get(&e, "json.value", Some("/a~1~0b/0")).unwrap(), ["1"]);
        assert_eq!(get(&e, "json.value", Some("/n")).unwrap(), ["null"]);
        assert_eq!(get(&e, "json.value", Some("/a~1~0b/2")), None);
        assert_eq!(get(&e, "jevt.rawtime", None).unwrap(), ["1540564550627514000"]);
        let off = json!({"stageTimestamp": "1970-01-01T01:00:00.5+01:00"});
        assert_eq!(get(&off, "json.rawtime", None).unwrap(), ["500000000"]);
        assert_eq!(get(&json!({"stageTimestamp": "2018-02-30T00:00:00Z"}), "json.rawtime", None), None);
        assert_eq!(get(&json!({"n": 1}), "jevt.obj", None).unwrap(), ["{\n  \"n\": 1\n}"]);
        let at = json!({"stageTimestamp": "2018-10-25T14:09:12.581541Z"});
        assert_eq!(get(&at, "jevt.time", None).unwrap(), ["14:09:12.581541000"]);
        assert_eq!(get(&at, "jevt.time.iso8601", None).unwrap(), ["2018-10-25T14:09:12.581541000Z"]);
    }

    fn trace(name: &str) -> Option<Vec<serde_json::Value>> {
        let dir = vigil_testkit::require_corpus("k8s-audit/falco-tests")?;
        let text = std::fs::read_to_string(dir.join("test/trace_files/k8s_audit").join(name)).unwrap();
        Some(text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect())
    }

    #[test]
    fn corpus_traces() {
        let Some(privileged) = trace("create_nginx_pod_privileged.json") else { return };
        let e = &privileged[0];
        assert_eq!(get(e, "ka.req.pod.containers.privileged", None).unwrap(), ["true"]);
        assert_eq!(get(e, "ka.req.pod.containers.image.repository", None).unwrap(), ["nginx"]);
        assert_eq!(one(e, "ka.target.resource").as_deref(), Some("pods"));
        assert_eq!(one(e, "ka.response.code").as_deref(), Some("201"));
        assert_eq!(one(e, "ka.req.container.privileged").as_deref(), Some("true"));

        let exec = trace("exec_pod.json").unwrap();
        assert_eq!(get(&exec[0], "ka.uri.param", Some("command")).unwrap(), ["bash"]);
        assert_eq!(get(&exec[0], "ka.uri.param", Some("container")).unwrap(), ["nginx1"]);
        assert_eq!(one(&exec[0], "ka.target.subresource").as_deref(), Some("exec"));
        assert_eq!(one(&exec[0], "ka.target.pod.name"), None);
        assert_eq!(get(&exec[0], "jevt.rawtime", None).unwrap(), ["1540561114902914000"]);

        let configmap = trace("create_configmap_sensitive_values.json").unwrap();
        let obj = one(&configmap[0], "ka.req.configmap.obj").unwrap();
        assert!(obj.contains("aws_secret_access_key"), "{obj}");
        assert!(obj.starts_with(r#"{"access.properties":"#), "{obj}");

        let mount = trace("create_nginx_pod_sensitive_mount_2nd_container.json").unwrap();
        assert_eq!(get(&mount[0], "ka.req.pod.volumes.hostpath", None).unwrap(), ["/etc"]);
        assert_eq!(get(&mount[0], "ka.req.volume.hostpath", Some("/etc")).unwrap(), ["true"]);
        assert_eq!(get(&mount[0], "ka.req.pod.containers.image.repository", None).unwrap(), ["nginx", "mysql"]);

        let binding = trace("create_clusterrolebinding.json").unwrap();
        assert_eq!(get(&binding[0], "ka.req.binding.subjects.user_names", None).unwrap(), ["minikube"]);
        assert_eq!(one(&binding[0], "ka.req.binding.role").as_deref(), Some("system:basic-user"));
    }

    #[test]
    fn every_readme_field_resolves() {
        let Some(dir) = vigil_testkit::require_corpus("k8s-audit/falco-plugins-k8saudit") else { return };
        let readme = std::fs::read_to_string(dir.join("plugins/k8saudit/README.md")).unwrap();
        let mut count = 0;
        for line in readme.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Some(name) = cells.get(1).and_then(|c| c.strip_prefix('`')).and_then(|c| c.strip_suffix('`')) else {
                continue;
            };
            if !name.starts_with("ka.") {
                continue;
            }
            count += 1;
            let (ty, arg) = (cells[2], cells[3]);
            let f = all().iter().find(|f| f.name == name).unwrap_or_else(|| panic!("{name} is not implemented"));
            assert_eq!(f.list, ty.contains("(list)"), "{name}");
            let want = match arg {
                "None" => None,
                "Index" => Some(false),
                "Key, Required" => Some(true),
                other => panic!("{name}: unknown arg kind {other}"),
            };
            assert_eq!(f.arg, want, "{name}");
            let sample = match want {
                None => None,
                Some(false) => Some("0"),
                Some(true) => Some("x"),
            };
            resolve(name, sample).unwrap();
        }
        assert_eq!(count, 100);
        assert_eq!(all().iter().filter(|f| f.name.starts_with("ka.")).count(), count);
    }

    #[test]
    fn every_field_extracts_from_every_trace_without_panicking() {
        let Some(dir) = vigil_testkit::require_corpus("k8s-audit/falco-tests") else { return };
        let mut files = 0;
        for entry in std::fs::read_dir(dir.join("test/trace_files/k8s_audit")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            files += 1;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(event) = Json::parse(line) else { continue };
                for f in all() {
                    let arg = match f.arg {
                        None => None,
                        Some(false) => Some("0"),
                        Some(true) => Some("/proc*"),
                    };
                    for arg in [arg, if f.arg == Some(false) { None } else { arg }] {
                        let id = resolve(f.name, arg).unwrap();
                        if let Some(values) = extract(&event, id, arg) {
                            assert!(!values.is_empty(), "{}", f.name);
                            assert!(f.list || values.len() == 1, "{}", f.name);
                        }
                    }
                }
            }
        }
        assert_eq!(files, 47);
    }
}
