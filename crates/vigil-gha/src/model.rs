//! Typed views of workflows, composite actions and Dependabot files over the positioned YAML
//! tree of `vigil-k8s`. Views borrow the tree: every field is the node that was written, so
//! audits can point at it. Nothing is dropped: unknown keys stay reachable through `node`.

use vigil_k8s::{Node, Source, Value};

/// A workflow file (`.github/workflows/*.yml`).
pub struct Workflow<'a> {
    /// The input.
    pub source: &'a Source,
    /// The document's root mapping.
    pub root: &'a Node,
    /// `name:`.
    pub name: Option<&'a Node>,
    /// The triggers (`on:`).
    pub on: Triggers<'a>,
    /// The `on` value node, when present.
    pub on_node: Option<&'a Node>,
    /// Workflow-level `permissions:`.
    pub permissions: Option<&'a Node>,
    /// Workflow-level `env:`.
    pub env: Option<&'a Node>,
    /// Workflow-level `concurrency:`.
    pub concurrency: Option<&'a Node>,
    /// Workflow-level `defaults:`.
    pub defaults: Option<&'a Node>,
    /// The `jobs` mapping node.
    pub jobs_node: Option<&'a Node>,
    /// The jobs, in source order.
    pub jobs: Vec<Job<'a>>,
}

/// One trigger of `on:`.
pub struct Trigger<'a> {
    /// Event name (`push`, `pull_request_target`, …).
    pub name: &'a str,
    /// The node naming the event (a mapping key, a sequence item or the scalar itself).
    pub key: &'a Node,
    /// The event's configuration (`on: {push: {branches: …}}`), when written as a mapping.
    pub config: Option<&'a Node>,
}

/// The triggers of a workflow: `on: push`, `on: [a, b]` or `on: {a: …}`.
#[derive(Default)]
pub struct Triggers<'a> {
    /// The triggers in source order.
    pub events: Vec<Trigger<'a>>,
}

impl<'a> Triggers<'a> {
    /// Whether `event` triggers the workflow.
    pub fn has(&self, event: &str) -> bool {
        self.events.iter().any(|t| t.name == event)
    }

    /// The trigger named `event`.
    pub fn get(&self, event: &str) -> Option<&Trigger<'a>> {
        self.events.iter().find(|t| t.name == event)
    }

    /// The event names.
    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.events.iter().map(|t| t.name)
    }
}

/// A job: steps run on a runner, or a call of a reusable workflow.
pub enum Job<'a> {
    /// `runs-on` + `steps`.
    Normal(NormalJob<'a>),
    /// Job-level `uses:`.
    Reusable(ReusableJob<'a>),
}

impl<'a> Job<'a> {
    /// The job ID.
    pub fn id(&self) -> &'a str {
        match self {
            Job::Normal(j) => j.id,
            Job::Reusable(j) => j.id,
        }
    }

    /// The job's key node.
    pub fn key(&self) -> &'a Node {
        match self {
            Job::Normal(j) => j.key,
            Job::Reusable(j) => j.key,
        }
    }

    /// The job's mapping node.
    pub fn node(&self) -> &'a Node {
        match self {
            Job::Normal(j) => j.node,
            Job::Reusable(j) => j.node,
        }
    }

    /// `permissions:` of the job.
    pub fn permissions(&self) -> Option<&'a Node> {
        self.node().get("permissions")
    }

    /// `if:` of the job.
    pub fn if_(&self) -> Option<&'a Node> {
        self.node().get("if")
    }

    /// The steps (none for a reusable workflow call).
    pub fn steps(&self) -> &[Step<'a>] {
        match self {
            Job::Normal(j) => &j.steps,
            Job::Reusable(_) => &[],
        }
    }
}

/// A job with steps.
pub struct NormalJob<'a> {
    /// The job ID.
    pub id: &'a str,
    /// The ID's key node.
    pub key: &'a Node,
    /// The job's mapping.
    pub node: &'a Node,
    /// `name:`.
    pub name: Option<&'a Node>,
    /// `runs-on:`.
    pub runs_on: Option<&'a Node>,
    /// `permissions:`.
    pub permissions: Option<&'a Node>,
    /// `env:`.
    pub env: Option<&'a Node>,
    /// `container:`.
    pub container: Option<&'a Node>,
    /// `services:`.
    pub services: Option<&'a Node>,
    /// `if:`.
    pub if_: Option<&'a Node>,
    /// `environment:`.
    pub environment: Option<&'a Node>,
    /// `strategy:`.
    pub strategy: Option<&'a Node>,
    /// `strategy.matrix`.
    pub matrix: Option<&'a Node>,
    /// `concurrency:`.
    pub concurrency: Option<&'a Node>,
    /// `defaults:`.
    pub defaults: Option<&'a Node>,
    /// `outputs:`.
    pub outputs: Option<&'a Node>,
    /// The steps.
    pub steps: Vec<Step<'a>>,
}

/// A job that calls a reusable workflow.
pub struct ReusableJob<'a> {
    /// The job ID.
    pub id: &'a str,
    /// The ID's key node.
    pub key: &'a Node,
    /// The job's mapping.
    pub node: &'a Node,
    /// `name:`.
    pub name: Option<&'a Node>,
    /// The `uses:` of the job.
    pub uses: Uses<'a>,
    /// `with:`.
    pub with: Option<&'a Node>,
    /// `secrets:` (a mapping, or the scalar `inherit`).
    pub secrets: Option<&'a Node>,
    /// `permissions:`.
    pub permissions: Option<&'a Node>,
    /// `if:`.
    pub if_: Option<&'a Node>,
    /// `strategy.matrix`.
    pub matrix: Option<&'a Node>,
}

/// One step of a job or of a composite action.
pub struct Step<'a> {
    /// 0-based index in the job's `steps`.
    pub index: usize,
    /// The step's mapping.
    pub node: &'a Node,
    /// `id:`.
    pub id: Option<&'a Node>,
    /// `name:`.
    pub name: Option<&'a Node>,
    /// `uses:`, parsed.
    pub uses: Option<Uses<'a>>,
    /// `run:` (the script node).
    pub run: Option<&'a Node>,
    /// `shell:`.
    pub shell: Option<&'a Node>,
    /// `with:`.
    pub with: Option<&'a Node>,
    /// `env:`.
    pub env: Option<&'a Node>,
    /// `if:`.
    pub if_: Option<&'a Node>,
    /// `working-directory:`.
    pub working_directory: Option<&'a Node>,
}

impl<'a> Step<'a> {
    /// The value of `with.<key>`.
    pub fn with_input(&self, key: &str) -> Option<&'a Node> {
        self.with?.get(key)
    }

    /// The key node and value node of `with.<key>`.
    pub fn with_entry(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.with?.get_entry(key)
    }

    /// Whether the step uses the repository action `owner/repo` (case-insensitive, any ref and subpath).
    pub fn uses_action(&self, owner_repo: &str) -> bool {
        self.uses.as_ref().is_some_and(|u| u.is_action(owner_repo))
    }
}

/// A composite, Docker or JavaScript action (`action.yml`).
pub struct Action<'a> {
    /// The input.
    pub source: &'a Source,
    /// The root mapping.
    pub root: &'a Node,
    /// `name:`.
    pub name: Option<&'a Node>,
    /// `inputs:`.
    pub inputs: Option<&'a Node>,
    /// `outputs:`.
    pub outputs: Option<&'a Node>,
    /// `runs:` node.
    pub runs_node: Option<&'a Node>,
    /// What `runs.using` says.
    pub runs: ActionRuns<'a>,
    /// The steps of a composite action (empty otherwise).
    pub steps: Vec<Step<'a>>,
}

/// `runs.using` of an action.
pub enum ActionRuns<'a> {
    /// `using: composite`.
    Composite,
    /// `using: docker`, with `runs.image`.
    Docker {
        /// `runs.image`.
        image: Option<&'a Node>,
    },
    /// `using: node20` etc.
    JavaScript,
    /// Missing or unknown `using`.
    Other,
}

/// A Dependabot configuration (`.github/dependabot.yml`).
pub struct Dependabot<'a> {
    /// The input.
    pub source: &'a Source,
    /// The root mapping.
    pub root: &'a Node,
    /// `updates:` items.
    pub updates: Vec<Update<'a>>,
}

/// One item of `updates:`.
pub struct Update<'a> {
    /// 0-based index.
    pub index: usize,
    /// The item mapping.
    pub node: &'a Node,
    /// `package-ecosystem:`.
    pub ecosystem: Option<&'a Node>,
}

/// A `uses:` value.
#[derive(Clone)]
pub struct Uses<'a> {
    /// The scalar node.
    pub node: &'a Node,
    /// The raw text.
    pub raw: &'a str,
    /// What it names.
    pub kind: UsesKind,
}

/// What a `uses:` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsesKind {
    /// `owner/repo[/subpath]@ref`.
    Repository {
        /// Owner.
        owner: String,
        /// Repository name.
        repo: String,
        /// Path inside the repository.
        subpath: Option<String>,
        /// The ref after `@` (`None` when missing).
        git_ref: Option<String>,
    },
    /// `./path`.
    Local(String),
    /// `docker://image`.
    Docker {
        /// Registry host when given.
        registry: Option<String>,
        /// Image name.
        image: String,
        /// Tag.
        tag: Option<String>,
        /// Digest (`sha256:…`).
        hash: Option<String>,
    },
    /// Not parseable (empty, an expression, …).
    Invalid,
}

impl Uses<'_> {
    /// Whether this is `owner/repo` (case-insensitive), any subpath and ref.
    pub fn is_action(&self, owner_repo: &str) -> bool {
        match &self.kind {
            UsesKind::Repository { owner, repo, .. } => owner_repo
                .split_once('/')
                .is_some_and(|(o, r)| o.eq_ignore_ascii_case(owner) && r.eq_ignore_ascii_case(repo)),
            _ => false,
        }
    }

    /// `(owner, repo, subpath, ref)` for repository uses.
    pub fn repository(&self) -> Option<(&str, &str, Option<&str>, Option<&str>)> {
        match &self.kind {
            UsesKind::Repository { owner, repo, subpath, git_ref } => {
                Some((owner, repo, subpath.as_deref(), git_ref.as_deref()))
            }
            _ => None,
        }
    }

    /// Whether the ref is a full 40-hex commit SHA.
    pub fn is_hash_pinned(&self) -> bool {
        match &self.kind {
            UsesKind::Repository { git_ref: Some(r), .. } => is_commit_sha(r),
            UsesKind::Docker { hash, .. } => hash.is_some(),
            _ => false,
        }
    }
}

/// Whether `s` is a 40-character hexadecimal commit SHA.
pub fn is_commit_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses a `uses:` string as GitHub does.
pub fn parse_uses(raw: &str) -> UsesKind {
    let raw = raw.trim();
    if raw.is_empty() || raw.contains("${{") {
        return UsesKind::Invalid;
    }
    if raw.starts_with("./") || raw.starts_with(".\\") {
        return UsesKind::Local(raw.to_string());
    }
    if let Some(image) = raw.strip_prefix("docker://") {
        return parse_docker(image);
    }
    let (path, git_ref) = match raw.split_once('@') {
        Some((p, r)) => (p, Some(r.to_string())),
        None => (raw, None),
    };
    let mut parts = path.splitn(3, '/');
    let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else {
        return UsesKind::Invalid;
    };
    if owner.is_empty() || repo.is_empty() {
        return UsesKind::Invalid;
    }
    let subpath = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    UsesKind::Repository { owner: owner.to_string(), repo: repo.to_string(), subpath, git_ref }
}

fn parse_docker(image: &str) -> UsesKind {
    let (rest, hash) = match image.split_once('@') {
        Some((r, h)) => (r, Some(h.to_string())),
        None => (image, None),
    };
    let (registry, name_tag) = match rest.split_once('/') {
        Some((first, tail)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            (Some(first.to_string()), tail)
        }
        _ => (None, rest),
    };
    let (name, tag) = match name_tag.rsplit_once(':') {
        Some((n, t)) => (n.to_string(), Some(t.to_string())),
        None => (name_tag.to_string(), None),
    };
    UsesKind::Docker { registry, image: name, tag, hash }
}

fn uses_of(node: Option<&Node>) -> Option<Uses<'_>> {
    let node = node?;
    let raw = node.as_str()?;
    Some(Uses { node, raw, kind: parse_uses(raw) })
}

/// The steps of a `steps:` sequence.
pub fn steps_of(node: Option<&Node>) -> Vec<Step<'_>> {
    let Some(items) = node.and_then(Node::as_seq) else { return Vec::new() };
    items
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_map().is_some())
        .map(|(index, node)| Step {
            index,
            node,
            id: node.get("id"),
            name: node.get("name"),
            uses: uses_of(node.get("uses")),
            run: node.get("run"),
            shell: node.get("shell"),
            with: node.get("with"),
            env: node.get("env"),
            if_: node.get("if"),
            working_directory: node.get("working-directory"),
        })
        .collect()
}

fn triggers_of(on: Option<&Node>) -> Triggers<'_> {
    let mut events = Vec::new();
    match on.map(|n| (n, &n.value)) {
        Some((n, Value::Scalar(s, _))) => events.push(Trigger { name: s, key: n, config: None }),
        Some((_, Value::Seq(items))) => {
            for item in items {
                if let Some(s) = item.as_str() {
                    events.push(Trigger { name: s, key: item, config: None });
                }
            }
        }
        Some((_, Value::Map(entries))) => {
            for (k, v) in entries {
                if let Some(s) = k.as_str() {
                    events.push(Trigger { name: s, key: k, config: Some(v) });
                }
            }
        }
        _ => {}
    }
    Triggers { events }
}

impl<'a> Workflow<'a> {
    /// Builds the view, or says why `root` is not a workflow.
    pub fn new(source: &'a Source, root: &'a Node) -> Result<Self, String> {
        if root.as_map().is_none() {
            return Err("a workflow must be a mapping".into());
        }
        let jobs_node = root.get("jobs");
        let on_node = root.get("on");
        if on_node.is_none() {
            return Err("a workflow needs `on`".into());
        }
        let Some(job_entries) = jobs_node.and_then(Node::as_map) else {
            return Err("a workflow needs a `jobs` mapping".into());
        };
        let mut jobs = Vec::new();
        for (key, node) in job_entries {
            let Some(id) = key.as_str() else { continue };
            if node.as_map().is_none() {
                return Err(format!("job `{id}` must be a mapping"));
            }
            if let Some(uses) = uses_of(node.get("uses")) {
                jobs.push(Job::Reusable(ReusableJob {
                    id,
                    key,
                    node,
                    name: node.get("name"),
                    uses,
                    with: node.get("with"),
                    secrets: node.get("secrets"),
                    permissions: node.get("permissions"),
                    if_: node.get("if"),
                    matrix: node.get("strategy").and_then(|s| s.get("matrix")),
                }));
            } else {
                let strategy = node.get("strategy");
                jobs.push(Job::Normal(NormalJob {
                    id,
                    key,
                    node,
                    name: node.get("name"),
                    runs_on: node.get("runs-on"),
                    permissions: node.get("permissions"),
                    env: node.get("env"),
                    container: node.get("container"),
                    services: node.get("services"),
                    if_: node.get("if"),
                    environment: node.get("environment"),
                    strategy,
                    matrix: strategy.and_then(|s| s.get("matrix")),
                    concurrency: node.get("concurrency"),
                    defaults: node.get("defaults"),
                    outputs: node.get("outputs"),
                    steps: steps_of(node.get("steps")),
                }));
            }
        }
        Ok(Workflow {
            source,
            root,
            name: root.get("name"),
            on: triggers_of(on_node),
            on_node,
            permissions: root.get("permissions"),
            env: root.get("env"),
            concurrency: root.get("concurrency"),
            defaults: root.get("defaults"),
            jobs_node,
            jobs,
        })
    }

    /// The job with ID `id`.
    pub fn job(&self, id: &str) -> Option<&Job<'a>> {
        self.jobs.iter().find(|j| j.id() == id)
    }

    /// Every step of every normal job, with its job.
    pub fn steps(&self) -> impl Iterator<Item = (&NormalJob<'a>, &Step<'a>)> {
        self.jobs
            .iter()
            .filter_map(|j| match j {
                Job::Normal(n) => Some(n),
                Job::Reusable(_) => None,
            })
            .flat_map(|j| j.steps.iter().map(move |s| (j, s)))
    }

    /// Whether any trigger is one of `events`.
    pub fn has_any_trigger(&self, events: &[&str]) -> bool {
        self.on.events.iter().any(|t| events.contains(&t.name))
    }
}

impl<'a> Action<'a> {
    /// Builds the view, or says why `root` is not an action.
    pub fn new(source: &'a Source, root: &'a Node) -> Result<Self, String> {
        if root.as_map().is_none() {
            return Err("an action must be a mapping".into());
        }
        let Some(runs_node) = root.get("runs") else {
            return Err("an action needs `runs`".into());
        };
        if runs_node.as_map().is_none() {
            return Err("`runs` must be a mapping".into());
        }
        let using = runs_node.get("using").and_then(Node::as_str).unwrap_or("");
        let runs = if using.eq_ignore_ascii_case("composite") {
            ActionRuns::Composite
        } else if using.eq_ignore_ascii_case("docker") {
            ActionRuns::Docker { image: runs_node.get("image") }
        } else if using.starts_with("node") {
            ActionRuns::JavaScript
        } else {
            ActionRuns::Other
        };
        let steps = match runs {
            ActionRuns::Composite => steps_of(runs_node.get("steps")),
            _ => Vec::new(),
        };
        Ok(Action {
            source,
            root,
            name: root.get("name"),
            inputs: root.get("inputs"),
            outputs: root.get("outputs"),
            runs_node: Some(runs_node),
            runs,
            steps,
        })
    }

    /// Whether this is a composite action.
    pub fn is_composite(&self) -> bool {
        matches!(self.runs, ActionRuns::Composite)
    }
}

impl<'a> Dependabot<'a> {
    /// Builds the view, or says why `root` is not a Dependabot configuration.
    pub fn new(source: &'a Source, root: &'a Node) -> Result<Self, String> {
        if root.as_map().is_none() {
            return Err("a Dependabot configuration must be a mapping".into());
        }
        let Some(items) = root.get("updates").and_then(Node::as_seq) else {
            return Err("a Dependabot configuration needs an `updates` sequence".into());
        };
        let updates = items
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_map().is_some())
            .map(|(index, node)| Update { index, node, ecosystem: node.get("package-ecosystem") })
            .collect();
        Ok(Dependabot { source, root, updates })
    }
}
