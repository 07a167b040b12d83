//! Compiled rule sets and their alerts.
//!
//! [`Engine::compile`] takes the loaded rules of the `k8s_audit` source (others are counted
//! and skipped, as Falco skips rules for sources it does not run), compiles each enabled
//! rule's condition (macros and lists expanded) and output. [`Engine::evaluate`] runs the
//! rules over one event in load order: with [`Matching::First`] (Falco's default
//! `rule_matching: first`) the first rule that matches gives the one alert, with
//! [`Matching::All`] every matching rule does. Alerts have Falco's JSON shape.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::condition::{self, EventValues, Expr, FieldRef, Fields, Scope};
use crate::fields;
use crate::json::Json;
use crate::rules::{Priority, RuleSet};

/// The source vigil evaluates.
pub const SOURCE: &str = "k8s_audit";

/// Which matching rules give an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// The first matching rule, in load order (Falco's default).
    #[default]
    First,
    /// Every matching rule.
    All,
}

/// A rule that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: rule `{rule}`: {message}")]
pub struct CompileError {
    /// The rules file.
    pub file: String,
    /// The rule's line.
    pub line: usize,
    /// The rule.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Field(usize),
    Special(Special),
}

#[derive(Debug, Clone, Copy)]
enum Special {
    Time,
    TimeIso,
    Source,
    Hostname,
    Rule,
    Priority,
}

#[derive(Debug, Clone)]
struct Compiled {
    name: String,
    desc: String,
    priority: Priority,
    tags: Vec<String>,
    expr: Expr,
    output: Vec<Segment>,
    /// `%field` names of the output, with their slots, for `output_fields`.
    output_fields: Vec<(String, OutputField)>,
}

#[derive(Debug, Clone, Copy)]
enum OutputField {
    Slot(usize),
    Special(Special),
}

/// A rule as compiled, for listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// Name.
    pub name: String,
    /// Description.
    pub desc: String,
    /// Priority.
    pub priority: Priority,
    /// Tags.
    pub tags: Vec<String>,
}

/// Which rules can match an event, from its verb and resource: rules whose conditions require
/// `ka.verb` (or `ka.target.resource`) to be in a set are listed under each value of it; the
/// others can match any. Candidates keep load order.
#[derive(Debug, Clone, Default)]
struct Index {
    verb_slot: Option<usize>,
    resource_slot: Option<usize>,
    /// Per verb value: the rules that admit it (requiring it, or any verb).
    by_verb: HashMap<String, Vec<usize>>,
    any_verb: Vec<usize>,
    by_resource: HashMap<String, Vec<usize>>,
    any_resource: Vec<usize>,
}

impl Index {
    fn build(rules: &[Compiled], fields: &Fields) -> Index {
        let slot = |name: &str| fields::resolve(name, None).ok().and_then(|id| fields.find(id, None));
        let mut index =
            Index { verb_slot: slot("ka.verb"), resource_slot: slot("ka.target.resource"), ..Index::default() };
        let (by, any) = Self::split(rules, index.verb_slot);
        index.by_verb = by;
        index.any_verb = any;
        let (by, any) = Self::split(rules, index.resource_slot);
        index.by_resource = by;
        index.any_resource = any;
        index
    }

    fn split(rules: &[Compiled], slot: Option<usize>) -> (HashMap<String, Vec<usize>>, Vec<usize>) {
        let mut by: HashMap<String, Vec<usize>> = HashMap::new();
        let mut any = Vec::new();
        let required: Vec<Option<std::collections::HashSet<String>>> =
            rules.iter().map(|r| slot.and_then(|s| condition::required_values(&r.expr, s))).collect();
        for set in required.iter().flatten() {
            for v in set {
                by.entry(v.clone()).or_default();
            }
        }
        for (i, set) in required.iter().enumerate() {
            match set {
                None => {
                    any.push(i);
                    for list in by.values_mut() {
                        list.push(i);
                    }
                }
                Some(set) => {
                    for v in set {
                        if let Some(list) = by.get_mut(v) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        (by, any)
    }

    /// The candidates for `slot`'s value in this event (`None`: no value).
    fn candidates<'i>(by: &'i HashMap<String, Vec<usize>>, any: &'i [usize], value: Option<&str>) -> &'i [usize] {
        value.and_then(|v| by.get(v)).map_or(any, Vec::as_slice)
    }
}

/// A compiled rule set.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Vec<Compiled>,
    index: Index,
    fields: Fields,
    matching: Matching,
    hostname: String,
    /// Rules not compiled, by reason (`source syscall`, `disabled`), for notes.
    pub skipped: Vec<(String, usize)>,
}

/// One alert, in Falco's JSON shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// RFC 3339 with nanoseconds, from the event's timestamp.
    pub time: String,
    /// The rule.
    pub rule: String,
    /// Its priority.
    pub priority: Priority,
    /// The formatted output line, prefixed as Falco prefixes it (`HH:MM:SS.nnnnnnnnn: Priority …`).
    pub output: String,
    /// Every `%field` of the output with its value (`null` when absent).
    pub output_fields: Map<String, Value>,
    /// `k8s_audit`.
    pub source: &'static str,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The host vigil runs on.
    pub hostname: String,
}

impl Alert {
    /// Falco's JSON alert.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "hostname": self.hostname,
            "output": self.output,
            "output_fields": self.output_fields,
            "priority": self.priority.as_str(),
            "rule": self.rule,
            "source": self.source,
            "tags": self.tags,
            "time": self.time,
        })
    }
}

impl Engine {
    /// Compiles the enabled `k8s_audit` rules of `set`.
    ///
    /// # Errors
    /// The first rule whose condition or output does not compile.
    pub fn compile(set: &RuleSet, matching: Matching) -> Result<Engine, CompileError> {
        let macros: HashMap<String, String> =
            set.macros.iter().map(|(k, m)| (k.clone(), m.condition.clone())).collect();
        let scope = Scope { macros: &macros, lists: &set.lists };
        let mut fields = Fields::default();
        let mut rules = Vec::new();
        let mut skipped: HashMap<String, usize> = HashMap::new();
        for rule in &set.rules {
            if rule.source != SOURCE {
                *skipped.entry(format!("source {}", rule.source)).or_default() += 1;
                continue;
            }
            if !rule.enabled {
                *skipped.entry("disabled".into()).or_default() += 1;
                continue;
            }
            let fail = |message: String| CompileError {
                file: rule.file.clone(),
                line: rule.line,
                rule: rule.name.clone(),
                message,
            };
            let expr = condition::compile(&rule.condition, &scope, &mut fields).map_err(|e| fail(e.to_string()))?;
            let (output, output_fields) = compile_output(&rule.output, &mut fields).map_err(fail)?;
            rules.push(Compiled {
                name: rule.name.clone(),
                desc: rule.desc.clone(),
                priority: rule.priority,
                tags: rule.tags.clone(),
                expr,
                output,
                output_fields,
            });
        }
        let mut skipped: Vec<(String, usize)> = skipped.into_iter().collect();
        skipped.sort();
        let hostname = vigil_log::entry::hostname().unwrap_or_else(|| "localhost".into());
        let index = Index::build(&rules, &fields);
        Ok(Engine { rules, index, fields, matching, hostname, skipped })
    }

    /// The compiled rules.
    #[must_use]
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| RuleInfo {
                name: r.name.clone(),
                desc: r.desc.clone(),
                priority: r.priority,
                tags: r.tags.clone(),
            })
            .collect()
    }

    /// The host name alerts carry.
    #[must_use]
    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// How many rules are compiled.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no rule is compiled.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Runs the rules over `event`, pushing the alerts onto `out`.
    pub fn evaluate(&self, event: &Json<'_>, out: &mut Vec<Alert>) {
        let mut values = EventValues::new(event, &self.fields);
        let verb = first_value(&mut values, &self.fields, self.index.verb_slot);
        let resource = first_value(&mut values, &self.fields, self.index.resource_slot);
        let by_verb = Index::candidates(&self.index.by_verb, &self.index.any_verb, verb.as_deref());
        let by_resource = Index::candidates(&self.index.by_resource, &self.index.any_resource, resource.as_deref());
        // Both lists are in rule order: walk their intersection.
        let (mut a, mut b) = (0usize, 0usize);
        while let (Some(&x), Some(&y)) = (by_verb.get(a), by_resource.get(b)) {
            if x < y {
                a += 1;
                continue;
            }
            if y < x {
                b += 1;
                continue;
            }
            a += 1;
            b += 1;
            let Some(rule) = self.rules.get(x) else { continue };
            if condition::eval(&rule.expr, &self.fields, &mut values) {
                out.push(self.alert(rule, &mut values));
                if self.matching == Matching::First {
                    return;
                }
            }
        }
    }

    /// Runs every rule without the verb/resource index (for tests: the index must not change
    /// any answer).
    pub fn evaluate_unindexed(&self, event: &Json<'_>, out: &mut Vec<Alert>) {
        let mut values = EventValues::new(event, &self.fields);
        for rule in &self.rules {
            if condition::eval(&rule.expr, &self.fields, &mut values) {
                out.push(self.alert(rule, &mut values));
                if self.matching == Matching::First {
                    return;
                }
            }
        }
    }

    fn alert(&self, rule: &Compiled, values: &mut EventValues<'_>) -> Alert {
        let (time, clock) = event_time(values.event());
        let mut text = String::new();
        for segment in &rule.output {
            match segment {
                Segment::Text(t) => text.push_str(t),
                Segment::Field(slot) => text.push_str(&render(values.values(&self.fields, *slot), self.is_list(*slot))),
                Segment::Special(s) => text.push_str(&self.special(*s, rule, &time, &clock)),
            }
        }
        let mut output_fields = Map::new();
        for (name, field) in &rule.output_fields {
            let value = match field {
                OutputField::Slot(slot) => {
                    let list = self.is_list(*slot);
                    match values.values(&self.fields, *slot) {
                        None => Value::Null,
                        Some(v) if list => Value::Array(v.iter().map(|s| Value::String(s.to_string())).collect()),
                        Some(v) => v.first().map_or(Value::Null, |s| Value::String(s.to_string())),
                    }
                }
                OutputField::Special(s) => Value::String(self.special(*s, rule, &time, &clock)),
            };
            output_fields.insert(name.clone(), value);
        }
        Alert {
            output: format!("{clock}: {} {text}", rule.priority.as_str()),
            time,
            rule: rule.name.clone(),
            priority: rule.priority,
            output_fields,
            source: SOURCE,
            tags: rule.tags.clone(),
            hostname: self.hostname.clone(),
        }
    }

    fn is_list(&self, slot: usize) -> bool {
        self.fields.get(slot).is_some_and(|f| fields::info(f.id).list)
    }

    fn special(&self, s: Special, rule: &Compiled, time: &str, clock: &str) -> String {
        match s {
            Special::Time => clock.to_owned(),
            Special::TimeIso => time.to_owned(),
            Special::Source => SOURCE.to_owned(),
            Special::Hostname => self.hostname.clone(),
            Special::Rule => rule.name.clone(),
            Special::Priority => rule.priority.as_str().to_owned(),
        }
    }
}

/// The first value of a slot, borrowing from the event (not the cache): no copy on the hot path.
fn first_value<'a>(
    values: &mut EventValues<'a>,
    fields: &Fields,
    slot: Option<usize>,
) -> Option<std::borrow::Cow<'a, str>> {
    slot.and_then(|s| values.values(fields, s)).and_then(|v| v.first().cloned())
}

/// `<NA>` when absent; a list field as `(a,b)`, as libsinsp prints lists.
fn render(values: Option<&[std::borrow::Cow<'_, str>]>, list: bool) -> String {
    match values {
        None => "<NA>".to_owned(),
        Some(v) if list => format!("({})", v.join(",")),
        Some(v) => v.first().map_or_else(|| "<NA>".to_owned(), |s| s.to_string()),
    }
}

fn special_of(name: &str) -> Option<Special> {
    Some(match name {
        "evt.time" => Special::Time,
        "evt.time.iso8601" => Special::TimeIso,
        "evt.source" => Special::Source,
        "evt.hostname" => Special::Hostname,
        "rule" => Special::Rule,
        "priority" => Special::Priority,
        _ => return None,
    })
}

type CompiledOutput = (Vec<Segment>, Vec<(String, OutputField)>);

/// `%name`, `%name[arg]` and `%(name)` tokens become fields; everything else is text.
fn compile_output(output: &str, fields: &mut Fields) -> Result<CompiledOutput, String> {
    let mut segments = Vec::new();
    let mut named: Vec<(String, OutputField)> = Vec::new();
    let mut text = String::new();
    let bytes = output.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(0);
        if c != b'%' {
            let ch = output.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ');
            text.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let (paren, start) = if bytes.get(i + 1) == Some(&b'(') { (true, i + 2) } else { (false, i + 1) };
        let mut j = start;
        while bytes.get(j).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_') {
            j += 1;
        }
        let name = output.get(start..j).unwrap_or("").trim_end_matches('.').to_owned();
        j = start + name.len();
        if name.is_empty() {
            text.push('%');
            i += 1;
            continue;
        }
        let mut arg = None;
        if bytes.get(j) == Some(&b'[')
            && let Some(close) = output.get(j..).and_then(|s| s.find(']'))
        {
            arg = output.get(j + 1..j + close).map(str::to_owned);
            j += close + 1;
        }
        if paren {
            if bytes.get(j) != Some(&b')') {
                return Err(format!("output: `%({name}` is not closed"));
            }
            j += 1;
        }
        let shown = match &arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.clone(),
        };
        if let Some(special) = special_of(&name) {
            if !text.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut text)));
            }
            segments.push(Segment::Special(special));
            named.push((shown, OutputField::Special(special)));
            i = j;
            continue;
        }
        let id = fields::resolve(&name, arg.as_deref()).map_err(|e| format!("output: {e}"))?;
        if !text.is_empty() {
            segments.push(Segment::Text(std::mem::take(&mut text)));
        }
        let slot = fields.slot(FieldRef { id, arg, transformer: None, text: shown.clone() });
        segments.push(Segment::Field(slot));
        if !named.iter().any(|(n, _)| *n == shown) {
            named.push((shown, OutputField::Slot(slot)));
        }
        i = j;
    }
    if !text.is_empty() {
        segments.push(Segment::Text(text));
    }
    Ok((segments, named))
}

/// The event's time as RFC 3339 with nanoseconds and as Falco's `HH:MM:SS.nnnnnnnnn`, from
/// `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp`.
fn event_time(event: &Json<'_>) -> (String, String) {
    let stamp = ["stageTimestamp", "requestReceivedTimestamp", "timestamp"]
        .iter()
        .find_map(|k| event.get(k).and_then(Json::as_str))
        .unwrap_or("");
    event_time_of(stamp)
}

/// [`event_time`] of a timestamp string.
#[must_use]
pub fn event_time_of(stamp: &str) -> (String, String) {
    // 2018-10-25T14:09:12.123456Z
    let (date, rest) = stamp.split_once('T').unwrap_or(("1970-01-01", "00:00:00Z"));
    let rest = rest.trim_end_matches(['Z', 'z']);
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let hms = hms.get(..8).unwrap_or("00:00:00");
    let digits: String = frac.chars().take_while(char::is_ascii_digit).take(9).collect();
    let nanos = format!("{digits:0<9}");
    (format!("{date}T{hms}.{nanos}Z"), format!("{hms}.{nanos}"))
}
