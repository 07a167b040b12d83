//! Loading Falco rules files: rules, macros and lists, with `append`, `override`,
//! standalone `enabled`, `exceptions`, and the engine and plugin version requirements,
//! following Falco's rule loader (`userspace/engine/rule_loader_reader.cpp`,
//! `rule_loader_collector.cpp`, `rule_loader_compiler.cpp`).
//!
//! The result is plain definitions: conditions stay strings (exceptions already folded in
//! the way Falco folds them), for [`crate::condition`] to parse.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// The Falco engine version vigil claims for `required_engine_version` checks (Falco's
/// `falco_engine_version.h`, 0.63.0). Old integer requirements `N` mean `0.N.0`, as in Falco.
pub const ENGINE_VERSION: &str = "0.63.0";

/// The plugins vigil stands in for, with the versions it claims (those required by the
/// k8saudit plugin's current rules file).
pub const PLUGINS: &[(&str, &str)] = &[
    ("k8saudit", "0.18.0"),
    ("k8saudit-eks", "0.12.0"),
    ("k8saudit-gke", "0.9.0"),
    ("k8saudit-aks", "0.6.0"),
    ("k8saudit-ovh", "0.6.0"),
    ("json", "0.7.0"),
];

/// Largest rules file accepted, in bytes.
pub const MAX_FILE_SIZE: usize = 8 * 1024 * 1024;
/// Most top-level items in one rules file.
pub const MAX_ITEMS: usize = 100_000;
/// Deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 64;
/// Most YAML nodes in one file, alias copies included.
const MAX_NODES: usize = 2_000_000;

/// One rules file: a display name (its path) and its text.
#[derive(Debug, Clone)]
pub struct RulesFile {
    /// Display path, used in errors and in [`RuleDef::file`].
    pub name: String,
    /// The YAML text.
    pub text: String,
}

/// A rule's priority. The derived `Ord` goes from most severe to least severe:
/// `Emergency < Alert < ... < Debug`, so `p <= Priority::Warning` means "at least as
/// severe as Warning" (Falco's own numbering, where Emergency is 0).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
#[allow(missing_docs)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// Parses a priority case-insensitively; `info` is accepted for Informational.
    pub fn parse(s: &str) -> Option<Priority> {
        if s.eq_ignore_ascii_case("info") {
            return Some(Priority::Informational);
        }
        Self::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// Falco's spelling in alerts.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }

    /// Falco's number: 0 for Emergency (most severe) to 7 for Debug.
    pub fn severity_rank(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule as loaded, after every append and override.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    /// The rule's name.
    pub name: String,
    /// Its description.
    pub desc: String,
    /// Its condition, exceptions folded in as Falco does.
    pub condition: String,
    /// Its output format (trimmed, as Falco does).
    pub output: String,
    /// Its priority.
    pub priority: Priority,
    /// Its event source (`syscall` by default).
    pub source: String,
    /// Its tags, sorted and without duplicates (Falco keeps a set).
    pub tags: Vec<String>,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The file of its (last) full definition.
    pub file: String,
    /// The line of its (last) full definition.
    pub line: usize,
}

/// A macro as loaded; its condition may reference other macros.
#[derive(Debug, Clone, PartialEq)]
pub struct MacroDef {
    /// The macro's name.
    pub name: String,
    /// Its condition.
    pub condition: String,
    /// The file of its (last) definition.
    pub file: String,
    /// The line of its (last) definition.
    pub line: usize,
}

/// Everything loaded from a sequence of rules files.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Rules in definition order (a redefinition keeps the first position, as in Falco).
    pub rules: Vec<RuleDef>,
    /// Macros by name.
    pub macros: HashMap<String, MacroDef>,
    /// Lists by name, references to other lists expanded.
    pub lists: HashMap<String, Vec<String>>,
    /// Warnings and notes (Falco's load warnings, skipped sources).
    pub notes: Vec<String>,
    /// The highest `required_engine_version` seen, as written.
    pub required_engine_version: Option<String>,
    /// Every plugin requirement seen, alternatives included, as `(name, version)`.
    pub required_plugin_versions: Vec<(String, String)>,
}

/// Why loading failed, with the 1-based position in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file's display name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

impl std::error::Error for LoadError {}

// ---------------------------------------------------------------------------------------
// A small YAML tree with positions.

#[derive(Debug, Clone)]
enum Kind {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    line: usize,
    col: usize,
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => {
                entries.iter().find(|(k, _)| matches!(&k.kind, Kind::Scalar(s) if s == key)).map(|(_, v)| v)
            }
            _ => None,
        }
    }
    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

enum Frame {
    Seq(Vec<Node>, usize, usize, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize, usize, usize),
}

struct Msg(usize, usize, String);

fn count(node: &Node) -> usize {
    let mut n = 0usize;
    let mut stack = vec![node];
    while let Some(x) = stack.pop() {
        n += 1;
        match &x.kind {
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    n
}

fn parse_yaml(text: &str) -> Result<Vec<Node>, Msg> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| Msg(e.marker().line(), e.marker().col() + 1, e.info().to_string()))?;
        let (line, col) = (span.start.line(), span.start.col() + 1);
        let done: Option<(Node, usize)> = match ev {
            Event::DocumentStart(_) => {
                root = None;
                None
            }
            Event::DocumentEnd => {
                docs.push(root.take().unwrap_or(Node { kind: Kind::Null, line, col }));
                None
            }
            Event::Scalar(s, style, anchor, tag) => {
                nodes += 1;
                let is_str_tag = tag.as_ref().is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let null =
                    style == ScalarStyle::Plain && !is_str_tag && matches!(&*s, "" | "~" | "null" | "Null" | "NULL");
                let kind = if null { Kind::Null } else { Kind::Scalar(s.into_owned()) };
                Some((Node { kind, line, col }, anchor))
            }
            Event::Alias(id) => {
                let Some((n, c)) = anchors.get(&id) else {
                    return Err(Msg(line, col, "alias refers to an unknown anchor".into()));
                };
                nodes = nodes.saturating_add(*c);
                if nodes > MAX_NODES {
                    return Err(Msg(line, col, format!("input exceeds the limit of {MAX_NODES} nodes")));
                }
                Some((n.clone(), 0))
            }
            Event::SequenceStart(anchor, _) => {
                nodes += 1;
                stack.push(Frame::Seq(Vec::new(), anchor, line, col));
                None
            }
            Event::MappingStart(anchor, _) => {
                nodes += 1;
                stack.push(Frame::Map(Vec::new(), None, anchor, line, col));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor, l, c)) => {
                    Some((Node { kind: Kind::Seq(items), line: l, col: c }, anchor))
                }
                Some(Frame::Map(entries, _, anchor, l, c)) => {
                    Some((Node { kind: Kind::Map(entries), line: l, col: c }, anchor))
                }
                None => return Err(Msg(line, col, "unbalanced end of collection".into())),
            },
            _ => None,
        };
        if stack.len() > MAX_DEPTH {
            return Err(Msg(line, col, format!("nesting exceeds the limit of {MAX_DEPTH} levels")));
        }
        if nodes > MAX_NODES {
            return Err(Msg(line, col, format!("input exceeds the limit of {MAX_NODES} nodes")));
        }
        if let Some((node, anchor)) = done {
            if anchor != 0 {
                let c = count(&node);
                anchors.insert(anchor, (node.clone(), c));
            }
            match stack.last_mut() {
                Some(Frame::Seq(items, ..)) => items.push(node),
                Some(Frame::Map(entries, key, ..)) => match key.take() {
                    Some(k) => entries.push((k, node)),
                    None => *key = Some(node),
                },
                None => root = Some(node),
            }
        }
    }
    Ok(docs)
}

// ---------------------------------------------------------------------------------------
// Loader state.

#[derive(Debug, Clone)]
enum Entry {
    Item(String),
    List(Vec<Entry>),
}

#[derive(Debug, Clone)]
struct Exception {
    name: String,
    fields: Option<Entry>,
    comps: Option<Entry>,
    values: Vec<Entry>,
    line: usize,
    col: usize,
}

#[derive(Debug, Clone)]
struct RuleState {
    def: RuleDef,
    cond: String,
    tags: BTreeSet<String>,
    exceptions: Vec<Exception>,
}

struct Loader<'f> {
    file: &'f str,
    rules: Vec<RuleState>,
    rule_index: HashMap<String, usize>,
    macros: HashMap<String, MacroDef>,
    lists: Vec<(String, Vec<String>, String, usize, usize)>,
    list_index: HashMap<String, usize>,
    notes: Vec<String>,
    engine: Option<(Version, String)>,
    plugins: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Version(u64, u64, u64);

impl Version {
    fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split('.');
        let mut next =
            || parts.next().and_then(|p| if p.bytes().all(|b| b.is_ascii_digit()) { p.parse().ok() } else { None });
        let v = Version(next()?, next()?, next()?);
        if parts.next().is_some() { None } else { Some(v) }
    }
    /// Falco's `sinsp_version::compatible_with`: same major, at least the required.
    fn satisfies(self, required: Version) -> bool {
        self.0 == required.0 && self >= required
    }
}

type R<T> = Result<T, LoadError>;

/// The keys of a rule an `override` may replace (Falco's `rule_loader_reader`).
const RULE_REPLACEABLE: &[&str] = &[
    "condition",
    "output",
    "desc",
    "priority",
    "capture",
    "capture_duration",
    "tags",
    "exceptions",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
];

/// Loads `files` in order, as Falco's rule loader does, into one [`RuleSet`].
pub fn load(files: &[RulesFile]) -> Result<RuleSet, LoadError> {
    let mut loader = Loader {
        file: "",
        rules: Vec::new(),
        rule_index: HashMap::new(),
        macros: HashMap::new(),
        lists: Vec::new(),
        list_index: HashMap::new(),
        notes: Vec::new(),
        engine: None,
        plugins: Vec::new(),
    };
    for f in files {
        loader.file = &f.name;
        loader.load_file(&f.text)?;
    }
    loader.finish()
}

fn scalar_text(n: &Node) -> Option<&str> {
    match &n.kind {
        Kind::Scalar(s) => Some(s),
        _ => None,
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    // yaml-cpp's convert<bool>.
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Falco's `quote_item`: quote a value containing a space unless it already starts with a quote.
fn quote_item(s: &str) -> String {
    if s.contains(' ') && !s.starts_with('"') && !s.starts_with('\'') { format!("\"{s}\"") } else { s.to_string() }
}

fn paren_item(s: &str) -> String {
    if s.starts_with('(') { s.to_string() } else { format!("({s})") }
}

const COMPARISON_OPERATORS: &[&str] = &[
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "glob",
    "iglob",
    "regex",
    "in",
    "intersects",
    "pmatch",
    "exists",
];
const LIST_OPERATORS: &[&str] = &["in", "intersects", "pmatch"];

/// Falco's `normalize_comp` folds whitespace; "startswith oneof"-style modifier operators
/// (an operator followed by a modifier) are accepted too.
fn normalize_comp(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
fn is_modifier_op(s: &str) -> bool {
    let mut it = s.split(' ');
    matches!((it.next(), it.next(), it.next()), (Some(op), Some("oneof" | "allof"), None) if COMPARISON_OPERATORS.contains(&op))
}

impl Loader<'_> {
    fn err<T>(&self, n: &Node, message: impl Into<String>) -> R<T> {
        Err(LoadError { file: self.file.to_string(), line: n.line, column: n.col, message: message.into() })
    }
    fn note(&mut self, n: &Node, message: impl fmt::Display) {
        self.notes.push(format!("{}:{}:{}: {message}", self.file, n.line, n.col));
    }

    fn load_file(&mut self, text: &str) -> R<()> {
        let at = |line, column, message: String| LoadError { file: self.file.to_string(), line, column, message };
        if text.len() > MAX_FILE_SIZE {
            return Err(at(1, 1, format!("rules file exceeds the limit of {MAX_FILE_SIZE} bytes")));
        }
        let docs = parse_yaml(text).map_err(|Msg(l, c, m)| at(l, c, m))?;
        let mut items = 0usize;
        for doc in &docs {
            match &doc.kind {
                Kind::Null => {}
                Kind::Seq(seq) => {
                    items += seq.len();
                    if items > MAX_ITEMS {
                        return self.err(doc, format!("rules file exceeds the limit of {MAX_ITEMS} items"));
                    }
                    for item in seq {
                        if !matches!(item.kind, Kind::Null) {
                            self.read_item(item)?;
                        }
                    }
                }
                Kind::Map(_) => return self.err(doc, "Rules content is not yaml array of objects"),
                Kind::Scalar(_) => return self.err(doc, "Rules content is not yaml"),
            }
        }
        Ok(())
    }

    // decode_val / decode_optional_val of Falco: `optional` allows absence, `can_be_empty`
    // allows null and "".
    fn string(&self, item: &Node, key: &str, optional: bool, can_be_empty: bool) -> R<Option<String>> {
        let Some(v) = item.get(key) else {
            if optional {
                return Ok(None);
            }
            return self.err(item, format!("Item has no mapping for key '{key}'"));
        };
        match &v.kind {
            Kind::Null if can_be_empty => Ok(Some(String::new())),
            Kind::Null => self.err(v, format!("Mapping for key '{key}' is empty")),
            Kind::Scalar(s) if s.is_empty() && !can_be_empty => {
                self.err(v, format!("Value for key '{key}' must be non-empty"))
            }
            Kind::Scalar(s) => Ok(Some(s.clone())),
            _ => self.err(v, format!("Value for key '{key}' is not a scalar value")),
        }
    }
    fn req_string(&self, item: &Node, key: &str) -> R<String> {
        Ok(self.string(item, key, false, false)?.unwrap_or_default())
    }
    fn opt_bool(&self, item: &Node, key: &str) -> R<Option<bool>> {
        let Some(s) = self.string(item, key, true, false)? else { return Ok(None) };
        match parse_bool(&s) {
            Some(b) => Ok(Some(b)),
            None => self.err(item.get(key).unwrap_or(item), format!("Can't decode YAML scalar value for key '{key}'")),
        }
    }
    fn tags(&self, item: &Node) -> R<Option<BTreeSet<String>>> {
        let Some(v) = item.get("tags") else { return Ok(None) };
        let Kind::Seq(seq) = &v.kind else { return self.err(v, "Value for key 'tags' is not a sequence") };
        let mut out = BTreeSet::new();
        for t in seq {
            match scalar_text(t) {
                Some(s) => out.insert(s.to_string()),
                None => return self.err(t, "sequence value is not scalar"),
            };
        }
        Ok(Some(out))
    }
    fn priority(&self, item: &Node) -> R<Priority> {
        let p = self.req_string(item, "priority")?;
        match Priority::parse(&p) {
            Some(p) => Ok(p),
            None => self.err(item.get("priority").unwrap_or(item), format!("Invalid priority '{p}'")),
        }
    }

    fn unknown_keys(&mut self, item: &Node, expected: &[&str]) {
        if let Kind::Map(entries) = &item.kind {
            for (k, _) in entries {
                let name = scalar_text(k).unwrap_or("");
                if !expected.contains(&name) {
                    self.note(k, format!("Unknown key '{name}'. The key will be ignored."));
                }
            }
        }
    }

    /// Falco's decode_overrides: (append keys, replace keys).
    fn overrides(&self, item: &Node, appendable: &[&str], replaceable: &[&str]) -> R<(Vec<String>, Vec<String>)> {
        let (mut app, mut rep) = (Vec::new(), Vec::new());
        let Some(o) = item.get("override") else { return Ok((app, rep)) };
        let Kind::Map(entries) = &o.kind else { return self.err(o, "Value for key 'override' must be a mapping") };
        for (k, v) in entries {
            let Some(key) = scalar_text(k) else { return self.err(k, "override key is not a scalar") };
            let op = scalar_text(v).unwrap_or("");
            match op {
                "append" if appendable.contains(&key) => app.push(key.to_string()),
                "append" => return self.err(k, format!("Key '{key}' cannot be appended to, use 'replace' instead")),
                "replace" if replaceable.contains(&key) => rep.push(key.to_string()),
                "replace" => return self.err(k, format!("Key '{key}' cannot be replaced")),
                _ => {
                    let mut allowed = String::new();
                    if appendable.contains(&key) {
                        allowed.push_str("append ");
                    }
                    if replaceable.contains(&key) {
                        allowed.push_str("replace ");
                    }
                    return self.err(
                        v,
                        format!(
                            "Invalid override operation for key '{key}': '{op}'. Allowed values are: {}",
                            allowed.trim_end()
                        ),
                    );
                }
            }
        }
        Ok((app, rep))
    }

    fn read_item(&mut self, item: &Node) -> R<()> {
        if !matches!(item.kind, Kind::Map(_)) {
            return self.err(item, "Unexpected element type. Each element should be a yaml associative array.");
        }
        if item.has("required_engine_version") {
            self.read_engine_version(item)?;
            self.unknown_keys(item, &["required_engine_version"]);
        } else if let Some(v) = item.get("required_plugin_versions") {
            self.read_plugin_versions(v)?;
            self.unknown_keys(item, &["required_plugin_versions"]);
        } else if item.has("list") {
            self.read_list(item)?;
            self.unknown_keys(item, &["list", "items", "append", "override"]);
        } else if item.has("macro") {
            self.read_macro(item)?;
            self.unknown_keys(item, &["macro", "condition", "append", "override"]);
        } else if item.has("rule") {
            self.read_rule(item)?;
            self.unknown_keys(
                item,
                &[
                    "rule",
                    "condition",
                    "output",
                    "desc",
                    "priority",
                    "source",
                    "enabled",
                    "capture",
                    "capture_duration",
                    "warn_evttypes",
                    "skip-if-unknown-filter",
                    "tags",
                    "exceptions",
                    "override",
                    "append",
                ],
            );
        } else {
            self.note(item, "Unknown top level item");
        }
        Ok(())
    }

    fn read_engine_version(&mut self, item: &Node) -> R<()> {
        let text = self.req_string(item, "required_engine_version")?;
        let node = item.get("required_engine_version").unwrap_or(item);
        let version = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            match text.parse::<u32>() {
                Ok(minor) => Version(0, u64::from(minor), 0),
                Err(_) => return self.err(node, format!("Unable to parse engine version '{text}'")),
            }
        } else {
            match Version::parse(&text) {
                Some(v) => v,
                None => {
                    return self.err(
                        node,
                        format!("Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format."),
                    );
                }
            }
        };
        let ours = Version::parse(ENGINE_VERSION).unwrap_or(Version(0, 0, 0));
        if !ours.satisfies(version) {
            return self.err(
                node,
                format!(
                    "Rules require engine version {}.{}.{}, but engine version is {ENGINE_VERSION}",
                    version.0, version.1, version.2
                ),
            );
        }
        if self.engine.as_ref().is_none_or(|(v, _)| *v < version) {
            self.engine = Some((version, text));
        }
        Ok(())
    }

    fn read_plugin_versions(&mut self, v: &Node) -> R<()> {
        let Kind::Seq(seq) = &v.kind else {
            return self.err(v, "Value of required_plugin_versions must be a sequence");
        };
        for plugin in seq {
            if !matches!(plugin.kind, Kind::Map(_)) {
                return self.err(plugin, "Plugin version must be a mapping");
            }
            let mut alts = vec![(self.req_string(plugin, "name")?, self.req_string(plugin, "version")?, plugin)];
            if let Some(a) = plugin.get("alternatives") {
                let Kind::Seq(aseq) = &a.kind else {
                    return self.err(a, "Value of plugin version alternatives must be a sequence");
                };
                for alt in aseq {
                    if !matches!(alt.kind, Kind::Map(_)) {
                        return self.err(alt, "Plugin version alternative must be a mapping");
                    }
                    alts.push((self.req_string(alt, "name")?, self.req_string(alt, "version")?, alt));
                }
            }
            let mut seen = BTreeSet::new();
            let mut satisfied = false;
            for (name, version, node) in &alts {
                let Some(req) = Version::parse(version) else {
                    return self.err(node, format!("Invalid required version '{version}' for plugin '{name}'"));
                };
                if !seen.insert(name.as_str()) {
                    return self
                        .err(node, format!("Defined multiple alternative version requirements for plugin '{name}'"));
                }
                let ours = PLUGINS.iter().find(|(n, _)| n == name).and_then(|(_, v)| Version::parse(v));
                satisfied |= ours.is_some_and(|o| o.satisfies(req));
            }
            if !satisfied {
                let wanted: Vec<String> = alts.iter().map(|(n, v, _)| format!("{n} {v}")).collect();
                let have: Vec<String> = PLUGINS.iter().map(|(n, v)| format!("{n} {v}")).collect();
                return self.err(
                    plugin,
                    format!(
                        "Plugin requirement not satisfied: rules require {} but vigil stands in for {}",
                        wanted.join(" or "),
                        have.join(", ")
                    ),
                );
            }
            self.plugins.extend(alts.into_iter().map(|(n, v, _)| (n, v)));
        }
        Ok(())
    }

    fn read_list(&mut self, item: &Node) -> R<()> {
        let name = self.req_string(item, "list")?;
        let Some(items_node) = item.get("items") else { return self.err(item, "Item has no mapping for key 'items'") };
        let Kind::Seq(seq) = &items_node.kind else {
            return self.err(items_node, "Value for key 'items' is not a sequence");
        };
        let mut items = Vec::with_capacity(seq.len());
        for v in seq {
            match scalar_text(v) {
                Some(s) => items.push(s.to_string()),
                None => return self.err(v, "sequence value is not scalar"),
            }
        }
        let mut append = self.opt_bool(item, "append")?.unwrap_or(false);
        if append {
            self.note(item, WARNING_APPEND);
        }
        let (app, rep) = self.overrides(item, &["items"], &["items"])?;
        if append && !(app.is_empty() && rep.is_empty()) {
            return self.err(item, ERROR_OVERRIDE_APPEND);
        }
        append |= !app.is_empty();
        let file = self.file.to_string();
        if append {
            let Some(&i) = self.list_index.get(&name) else {
                return self.err(
                    item,
                    format!("List '{name}' uses 'append' or 'override.items: append' but no list by that name already exists"),
                );
            };
            if let Some(l) = self.lists.get_mut(i) {
                l.1.extend(items);
            }
        } else if let Some(&i) = self.list_index.get(&name) {
            if let Some(l) = self.lists.get_mut(i) {
                *l = (name, items, file, item.line, item.col);
            }
        } else {
            self.list_index.insert(name.clone(), self.lists.len());
            self.lists.push((name, items, file, item.line, item.col));
        }
        Ok(())
    }

    fn read_macro(&mut self, item: &Node) -> R<()> {
        let name = self.req_string(item, "macro")?;
        let cond = self.req_string(item, "condition")?;
        let mut append = self.opt_bool(item, "append")?.unwrap_or(false);
        if append {
            self.note(item, WARNING_APPEND);
        }
        let (app, rep) = self.overrides(item, &["condition"], &["condition"])?;
        if append && !(app.is_empty() && rep.is_empty()) {
            return self.err(item, ERROR_OVERRIDE_APPEND);
        }
        append |= !app.is_empty();
        if append {
            let Some(prev) = self.macros.get_mut(&name) else {
                return self.err(
                    item,
                    format!(
                        "Macro '{name}' uses 'append' or 'override.condition: append' but no macro by that name already exists"
                    ),
                );
            };
            prev.condition.push(' ');
            prev.condition.push_str(&cond);
        } else {
            let def = MacroDef { name: name.clone(), condition: cond, file: self.file.to_string(), line: item.line };
            self.macros.insert(name, def);
        }
        Ok(())
    }

    fn exceptions(&mut self, item: &Node, append: bool) -> R<Option<Vec<Exception>>> {
        let Some(exs) = item.get("exceptions") else { return Ok(None) };
        let seq = match &exs.kind {
            Kind::Null => return Ok(Some(Vec::new())),
            Kind::Seq(seq) => seq,
            _ => return self.err(exs, "Rule exceptions must be a sequence"),
        };
        let mut out: Vec<Exception> = Vec::new();
        for ex in seq {
            if !matches!(ex.kind, Kind::Map(_)) {
                return self.err(ex, "Rule exception must be a mapping");
            }
            let name = self.req_string(ex, "name")?;
            if out.iter().any(|e| e.name == name) {
                self.note(ex, format!("Multiple definitions of exception '{name}' in the same rule"));
            }
            let fields = match ex.get("fields") {
                Some(f) => Some(self.entry(f)?),
                None if append => None,
                None => return self.err(ex, "Item has no mapping for key 'fields'"),
            };
            let comps = match ex.get("comps") {
                Some(c) => Some(self.entry(c)?),
                None => None,
            };
            let mut values = Vec::new();
            match ex.get("values") {
                Some(vals) => {
                    let Kind::Seq(vseq) = &vals.kind else {
                        return self.err(vals, "Rule exception values must be a sequence");
                    };
                    for v in vseq {
                        values.push(self.entry(v)?);
                    }
                }
                None if append => self.note(ex, "Overriding/appending exception with no values"),
                None => {}
            }
            out.push(Exception { name, fields, comps, values, line: ex.line, col: ex.col });
        }
        Ok(Some(out))
    }

    fn entry(&self, n: &Node) -> R<Entry> {
        match &n.kind {
            Kind::Scalar(s) if s.is_empty() => self.err(n, "Value must be non-empty"),
            Kind::Scalar(s) => Ok(Entry::Item(s.clone())),
            Kind::Seq(seq) => {
                let mut items = Vec::with_capacity(seq.len());
                for v in seq {
                    items.push(self.entry(v)?);
                }
                Ok(Entry::List(items))
            }
            Kind::Null => self.err(n, "Value must be non-empty"),
            Kind::Map(_) => self.err(n, "Exception entry must be a scalar or a sequence"),
        }
    }

    /// Falco's validate_exception_info: defaults comps and checks shapes.
    fn validate_exception(&self, ex: &mut Exception) -> R<()> {
        let at = Node { kind: Kind::Null, line: ex.line, col: ex.col };
        match &ex.fields {
            None => self.err(&at, "Rule exception item must have fields property with a list of fields"),
            Some(Entry::List(fields)) => {
                let comps = match ex.comps.take() {
                    None => vec![Entry::Item("=".into()); fields.len()],
                    Some(Entry::List(c)) => c,
                    Some(Entry::Item(_)) => return self.err(&at, "Fields and comps lists must have equal length"),
                };
                if comps.len() != fields.len() {
                    return self.err(&at, "Fields and comps lists must have equal length");
                }
                let mut norm = Vec::with_capacity(comps.len());
                for c in comps {
                    let Entry::Item(c) = c else { return self.err(&at, "comps entries must be strings") };
                    let c = normalize_comp(&c);
                    if !COMPARISON_OPERATORS.contains(&c.as_str()) && !is_modifier_op(&c) {
                        return self.err(&at, format!("'{c}' is not a supported comparison operator"));
                    }
                    norm.push(Entry::Item(c));
                }
                if fields.iter().any(|f| matches!(f, Entry::List(_))) {
                    return self.err(&at, "fields entries must be strings");
                }
                ex.comps = Some(Entry::List(norm));
                Ok(())
            }
            Some(Entry::Item(_)) => {
                let comp = match ex.comps.take() {
                    None => "in".to_string(),
                    Some(Entry::Item(c)) => normalize_comp(&c),
                    Some(Entry::List(_)) => return self.err(&at, "Fields and comps must both be strings"),
                };
                if !LIST_OPERATORS.contains(&comp.as_str()) && !is_modifier_op(&comp) {
                    return self.err(
                        &at,
                        "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)",
                    );
                }
                ex.comps = Some(Entry::Item(comp));
                Ok(())
            }
        }
    }

    fn find_prev_rule(&self, item: &Node, name: &str, source: &str) -> R<Option<usize>> {
        let prev = self.rule_index.get(name).copied();
        if let Some(r) = prev.and_then(|i| self.rules.get(i))
            && !source.is_empty()
            && !r.def.source.is_empty()
            && r.def.source != source
        {
            return self.err(item, format!("Rule '{name}' has been re-defined with a different source"));
        }
        Ok(prev)
    }

    fn read_rule(&mut self, item: &Node) -> R<()> {
        let name = self.req_string(item, "rule")?;
        let source = self.string(item, "source", true, true)?.unwrap_or_default();
        let has_append = self.opt_bool(item, "append")?.unwrap_or(false);
        if has_append {
            self.note(item, WARNING_APPEND);
        }
        let (app, rep) =
            self.overrides(item, &["condition", "output", "desc", "tags", "exceptions"], RULE_REPLACEABLE)?;
        if has_append && !(app.is_empty() && rep.is_empty()) {
            return self.err(item, ERROR_OVERRIDE_APPEND);
        }
        if !app.is_empty() || !rep.is_empty() {
            // Every overridable key present must have an override entry, and vice versa.
            for key in app.iter().chain(rep.iter()) {
                if !item.has(key) {
                    let kind = if app.contains(key) { "append" } else { "replace" };
                    return self
                        .err(item, format!("An {kind} override for '{key}' was specified but '{key}' is not defined"));
                }
            }
            for &key in RULE_REPLACEABLE {
                if let Some(v) = item.get(key)
                    && !app.iter().chain(rep.iter()).any(|k| k == key)
                {
                    return self.err(
                        v,
                        format!("Unexpected key '{key}': no corresponding entry under 'override' is defined."),
                    );
                }
            }
            if !app.is_empty() {
                // As in Falco, the source only counts when the condition is overridden.
                let src = if app.iter().any(|k| k == "condition") { source.as_str() } else { "" };
                let prev = self.update_target(item, &name, src, "append")?;
                let has = |k: &str| app.iter().any(|a| a == k);
                let cond = if has("condition") { Some(self.req_string(item, "condition")?) } else { None };
                let exs = if has("exceptions") { self.exceptions(item, true)? } else { None };
                let output = if has("output") { Some(self.req_string(item, "output")?) } else { None };
                let desc = if has("desc") { Some(self.req_string(item, "desc")?) } else { None };
                let tags = if has("tags") { self.tags(item)? } else { None };
                self.append_rule(item, prev, cond, exs, output, desc, tags)?;
            }
            if !rep.is_empty() {
                let src = if rep.iter().any(|k| k == "condition") { source.as_str() } else { "" };
                let prev = self.update_target(item, &name, src, "replace")?;
                let has = |k: &str| rep.iter().any(|a| a == k);
                let cond = if has("condition") { Some(self.req_string(item, "condition")?) } else { None };
                let exs = if has("exceptions") { self.exceptions(item, false)? } else { None };
                let output = if has("output") { Some(self.req_string(item, "output")?) } else { None };
                let desc = if has("desc") { Some(self.req_string(item, "desc")?) } else { None };
                let tags = if has("tags") { self.tags(item)? } else { None };
                let priority = if has("priority") { Some(self.priority(item)?) } else { None };
                let enabled = if has("enabled") {
                    match self.opt_bool(item, "enabled")? {
                        Some(b) => Some(b),
                        None => return self.err(item, "Item has no mapping for key 'enabled'"),
                    }
                } else {
                    None
                };
                let mut exs = exs;
                if let Some(list) = exs.as_mut() {
                    for ex in list.iter_mut() {
                        self.validate_exception(ex)?;
                    }
                }
                let Some(r) = self.rules.get_mut(prev) else { return Ok(()) };
                if let Some(c) = cond {
                    r.cond = c;
                }
                if let Some(o) = output {
                    r.def.output = o;
                }
                if let Some(d) = desc {
                    r.def.desc = d;
                }
                if let Some(t) = tags {
                    r.tags = t;
                }
                if let Some(e) = exs {
                    r.exceptions = e;
                }
                if let Some(p) = priority {
                    r.def.priority = p;
                }
                if let Some(e) = enabled {
                    r.def.enabled = e;
                }
            }
            return Ok(());
        }
        if has_append {
            let prev = self.find_prev_rule(item, &name, &source)?;
            let Some(prev) = prev else {
                return self.err(
                    item,
                    format!("Rule '{name}' uses 'append' or 'override.<key>: append' but no rule by that name already exists"),
                );
            };
            let cond = if item.has("condition") { Some(self.req_string(item, "condition")?) } else { None };
            let exs = if item.has("exceptions") { self.exceptions(item, true)? } else { None };
            return self.append_rule(item, prev, cond, exs, None, None, None);
        }
        if !item.has("condition") && !item.has("output") && !item.has("desc") && !item.has("priority") {
            let Some(enabled) = self.opt_bool(item, "enabled")? else {
                return self.err(item, "Item has no mapping for key 'enabled'");
            };
            self.note(item, WARNING_ENABLED);
            let Some(&i) = self.rule_index.get(&name) else {
                return self
                    .err(item, format!("Rule '{name}' has 'enabled' key but no rule by that name already exists"));
            };
            if let Some(r) = self.rules.get_mut(i) {
                r.def.enabled = enabled;
            }
            return Ok(());
        }
        let cond = self.req_string(item, "condition")?;
        let output = self.req_string(item, "output")?.trim().to_string();
        let desc = self.req_string(item, "desc")?;
        let priority = self.priority(item)?;
        let source = self.string(item, "source", true, false)?.unwrap_or_else(|| "syscall".to_string());
        let enabled = self.opt_bool(item, "enabled")?.unwrap_or(true);
        for key in ["capture", "warn_evttypes", "skip-if-unknown-filter"] {
            self.opt_bool(item, key)?;
        }
        self.string(item, "capture_duration", true, false)?;
        let tags = self.tags(item)?.unwrap_or_default();
        let mut exceptions = self.exceptions(item, false)?.unwrap_or_default();
        let prev = self.find_prev_rule(item, &name, &source)?;
        for ex in exceptions.iter_mut() {
            self.validate_exception(ex)?;
        }
        let state = RuleState {
            def: RuleDef {
                name: name.clone(),
                desc,
                condition: String::new(),
                output,
                priority,
                source,
                tags: Vec::new(),
                enabled,
                file: self.file.to_string(),
                line: item.line,
            },
            cond,
            tags,
            exceptions,
        };
        match prev.and_then(|i| self.rules.get_mut(i)) {
            Some(slot) => *slot = state,
            None => {
                self.rule_index.insert(name, self.rules.len());
                self.rules.push(state);
            }
        }
        Ok(())
    }

    fn update_target(&self, item: &Node, name: &str, source: &str, kind: &str) -> R<usize> {
        match self.find_prev_rule(item, name, source)? {
            Some(i) => Ok(i),
            None if kind == "append" => self.err(
                item,
                format!("Rule '{name}' uses 'append' or 'override.<key>: append' but no rule by that name already exists"),
            ),
            None => self.err(
                item,
                format!("An 'override.<key>: replace' to rule '{name}' was requested but no rule by that name already exists"),
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn append_rule(
        &mut self,
        item: &Node,
        prev: usize,
        cond: Option<String>,
        exs: Option<Vec<Exception>>,
        output: Option<String>,
        desc: Option<String>,
        tags: Option<BTreeSet<String>>,
    ) -> R<()> {
        if cond.is_none() && exs.is_none() && output.is_none() && desc.is_none() && tags.is_none() {
            return self.err(item, "Appended rule must have exceptions or condition property");
        }
        let Some(mut r) = self.rules.get(prev).cloned() else { return Ok(()) };
        let join = |dst: &mut String, add: Option<String>| {
            if let Some(a) = add.filter(|a| !a.is_empty()) {
                dst.push(' ');
                dst.push_str(&a);
            }
        };
        join(&mut r.cond, cond);
        join(&mut r.def.output, output);
        join(&mut r.def.desc, desc);
        if let Some(t) = tags {
            r.tags.extend(t);
        }
        for mut ex in exs.unwrap_or_default() {
            match r.exceptions.iter_mut().find(|e| e.name == ex.name) {
                None => {
                    if ex.values.is_empty() {
                        let at = Node { kind: Kind::Null, line: ex.line, col: ex.col };
                        return self.err(&at, "Rule exception must have values property with a list of values");
                    }
                    self.validate_exception(&mut ex)?;
                    r.exceptions.push(ex);
                }
                Some(prev_ex) => {
                    let at = Node { kind: Kind::Null, line: ex.line, col: ex.col };
                    if ex.fields.is_some() {
                        return self.err(&at, "Can not append exception fields to existing exception, only values");
                    }
                    if ex.comps.is_some() {
                        return self.err(&at, "Can not append exception comps to existing exception, only values");
                    }
                    prev_ex.values.extend(ex.values);
                }
            }
        }
        if let Some(slot) = self.rules.get_mut(prev) {
            *slot = r;
        }
        Ok(())
    }

    fn finish(self) -> R<RuleSet> {
        let mut notes = self.notes;
        // Lists: expand references to other lists recursively, refusing cycles.
        let mut lists: HashMap<String, Vec<String>> = HashMap::new();
        for (name, _, file, line, col) in &self.lists {
            let mut out = Vec::new();
            let mut path = vec![name.as_str()];
            expand_list(name, &self.lists, &self.list_index, &mut path, &mut out).map_err(|cycle| LoadError {
                file: file.clone(),
                line: *line,
                column: *col,
                message: format!("list '{name}' refers to itself through {}", cycle.join(" -> ")),
            })?;
            lists.insert(name.clone(), out);
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        let mut per_source: std::collections::BTreeMap<String, usize> = Default::default();
        for r in self.rules {
            let mut condition = r.cond.clone();
            if !r.exceptions.is_empty() {
                condition = fold_exceptions(&r.cond, &r.exceptions).map_err(|(ex, message)| LoadError {
                    file: r.def.file.clone(),
                    line: ex.line,
                    column: ex.col,
                    message: format!("rule '{}': exception '{}': {message}", r.def.name, ex.name),
                })?;
            }
            if r.def.source != "k8s_audit" {
                *per_source.entry(r.def.source.clone()).or_default() += 1;
            }
            rules.push(RuleDef { condition, tags: r.tags.into_iter().collect(), ..r.def });
        }
        for (source, n) in per_source {
            notes.push(format!("skipped {n} rules for source {source}"));
        }
        Ok(RuleSet {
            rules,
            macros: self.macros,
            lists,
            notes,
            required_engine_version: self.engine.map(|(_, s)| s),
            required_plugin_versions: self.plugins,
        })
    }
}

type ListTable = [(String, Vec<String>, String, usize, usize)];

fn expand_list<'a>(
    name: &str,
    lists: &'a ListTable,
    index: &HashMap<String, usize>,
    path: &mut Vec<&'a str>,
    out: &mut Vec<String>,
) -> Result<(), Vec<String>> {
    let Some((_, items, ..)) = index.get(name).and_then(|&i| lists.get(i)) else { return Ok(()) };
    if out.len() > 10_000_000 {
        return Err(vec![name.to_string(), "(too many items)".to_string()]);
    }
    for item in items {
        match index.get(item).and_then(|&i| lists.get(i)) {
            Some((child, ..)) => {
                if path.contains(&child.as_str()) {
                    let mut cycle: Vec<String> = path.iter().map(|s| s.to_string()).collect();
                    cycle.push(child.clone());
                    return Err(cycle);
                }
                path.push(child);
                expand_list(child, lists, index, path, out)?;
                path.pop();
            }
            None => out.push(item.clone()),
        }
    }
    Ok(())
}

/// Falco's build_rule_exception_infos.
fn fold_exceptions<'e>(cond: &str, exceptions: &'e [Exception]) -> Result<String, (&'e Exception, String)> {
    let mut condition = format!("({cond})");
    for ex in exceptions {
        let mut icond = String::new();
        match (&ex.fields, &ex.comps) {
            (Some(Entry::Item(field)), Some(Entry::Item(comp))) => {
                for v in &ex.values {
                    let Entry::Item(v) = v else {
                        return Err((ex, "Expected values array to contain a list of strings".into()));
                    };
                    if icond.is_empty() {
                        icond = format!("({field} {comp} (");
                    } else {
                        icond.push_str(", ");
                    }
                    icond.push_str(&quote_item(v));
                }
                if !icond.is_empty() {
                    icond.push_str("))");
                }
            }
            (Some(Entry::List(fields)), Some(Entry::List(comps))) => {
                icond.push('(');
                for values in &ex.values {
                    let Entry::List(values) = values else {
                        return Err((ex, "Fields and values lists must have equal length".into()));
                    };
                    if values.len() != fields.len() {
                        return Err((ex, "Fields and values lists must have equal length".into()));
                    }
                    if icond != "(" {
                        icond.push_str(" or ");
                    }
                    icond.push('(');
                    for (k, ((field, comp), value)) in fields.iter().zip(comps).zip(values).enumerate() {
                        let (Entry::Item(field), Entry::Item(comp)) = (field, comp) else {
                            return Err((ex, "fields and comps must be strings".into()));
                        };
                        if k > 0 {
                            icond.push_str(" and ");
                        }
                        let istr = match value {
                            Entry::List(items) => {
                                let mut parts = Vec::with_capacity(items.len());
                                for i in items {
                                    match i {
                                        Entry::Item(s) => parts.push(quote_item(s)),
                                        Entry::List(_) => {
                                            return Err((ex, "exception values nest too deeply".into()));
                                        }
                                    }
                                }
                                format!("({})", parts.join(", "))
                            }
                            Entry::Item(s) if LIST_OPERATORS.contains(&comp.as_str()) || is_modifier_op(comp) => {
                                paren_item(s)
                            }
                            Entry::Item(s) => quote_item(s),
                        };
                        icond.push_str(&format!(" {field} {comp} {istr}"));
                    }
                    icond.push(')');
                }
                icond.push(')');
                if icond == "()" {
                    icond.clear();
                }
            }
            _ => return Err((ex, "Rule exception item must have fields property with a list of fields".into())),
        }
        if !icond.is_empty() {
            condition.push_str(" and not ");
            condition.push_str(&icond);
        }
    }
    Ok(condition)
}

const WARNING_APPEND: &str =
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
const WARNING_ENABLED: &str = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
const ERROR_OVERRIDE_APPEND: &str = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
