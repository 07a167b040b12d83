//! The audit trait, the context audits report through, and the finding builder.

use vigil_core::{Confidence, Finding, Location, Related, RuleMeta, Severity};
use vigil_k8s::{Node, Source};

use crate::config::RuleConfig;
use crate::expr::{ExprSite, SpannedExpr, byte_range};
use crate::model::{Action, Dependabot, Workflow};
use crate::{Options, Persona, ignore};

/// One zizmor audit. Implement the hooks for the input kinds the audit looks at.
pub(crate) trait Audit: Sync {
    /// The rule's metadata (`gha/<zizmor id>`, peers `["<zizmor id>"]`).
    fn meta(&self) -> &'static RuleMeta;
    /// Called once per workflow.
    fn workflow(&self, _w: &Workflow<'_>, _cx: &mut Cx<'_>) {}
    /// Called once per action definition.
    fn action(&self, _a: &Action<'_>, _cx: &mut Cx<'_>) {}
    /// Called once per Dependabot configuration.
    fn dependabot(&self, _d: &Dependabot<'_>, _cx: &mut Cx<'_>) {}
}

/// A byte range of the source text a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
}

/// Line starts of a text, in bytes.
pub(crate) struct LineMap {
    starts: Vec<usize>,
}

impl LineMap {
    pub(crate) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        LineMap { starts }
    }

    /// 0-based line index of byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|s| *s <= offset).saturating_sub(1)
    }

    /// The text of 0-based line `line`, without its line break.
    pub(crate) fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self.starts.get(line).copied().unwrap_or(text.len());
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }

    /// 1-based line and 1-based character column of byte `offset`.
    pub(crate) fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = text.get(start..offset.min(text.len())).map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// What an audit reports: built with [`Report::new`], handed to [`Cx::report`].
pub(crate) struct Report {
    meta: &'static RuleMeta,
    severity: Severity,
    confidence: Confidence,
    persona: Persona,
    message: Option<String>,
    primary: Option<(Loc, String)>,
    related: Vec<(Loc, String)>,
}

impl Report {
    /// A finding of `meta` graded as zizmor grades it.
    pub(crate) fn new(meta: &'static RuleMeta, severity: Severity, confidence: Confidence, persona: Persona) -> Self {
        Report { meta, severity, confidence, persona, message: None, primary: None, related: Vec::new() }
    }

    /// The primary location (where the finding is reported) and its annotation.
    pub(crate) fn primary(mut self, loc: Loc, annotation: impl Into<String>) -> Self {
        self.primary = Some((loc, annotation.into()));
        self
    }

    /// A further location with a note (comments on its lines can ignore the finding too).
    pub(crate) fn related(mut self, loc: Loc, note: impl Into<String>) -> Self {
        self.related.push((loc, note.into()));
        self
    }

    /// The message (defaults to the primary annotation, then the rule summary).
    pub(crate) fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// What an audit sees besides the model: positions, options, its config; collects findings.
pub(crate) struct Cx<'a> {
    pub(crate) file: &'a str,
    pub(crate) source: &'a Source,
    pub(crate) lines: &'a LineMap,
    pub(crate) options: &'a Options<'a>,
    pub(crate) meta: &'static RuleMeta,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Cx<'a> {
    /// The zizmor id of the current audit (`template-injection`).
    pub(crate) fn audit_id(&self) -> &'static str {
        self.meta.peers.first().copied().unwrap_or(self.meta.id)
    }

    /// The chosen persona.
    pub(crate) fn persona(&self) -> Persona {
        self.options.persona
    }

    /// This audit's section of the zizmor config, if any.
    pub(crate) fn rule_config(&self) -> Option<&'a RuleConfig> {
        self.options.config.rule(self.audit_id())
    }

    /// This audit's `config:` mapping, if any.
    pub(crate) fn config(&self) -> Option<&'a Node> {
        self.rule_config().and_then(|r| r.config.as_ref())
    }

    /// The source text.
    pub(crate) fn text(&self) -> &'a str {
        self.source.text()
    }

    /// The location of a whole node.
    pub(crate) fn node(&self, node: &Node) -> Loc {
        match byte_range(node, self.source) {
            Some((start, end)) => Loc { start, end: trim_end(self.text(), start, end) },
            None => Loc { start: 0, end: 0 },
        }
    }

    /// The location of a key and its value together (zizmor's location of `with_keys([key])`
    /// without `key_only` is the value; use this for the whole entry).
    pub(crate) fn entry(&self, key: &Node, value: &Node) -> Loc {
        let k = self.node(key);
        let v = self.node(value);
        Loc { start: k.start, end: v.end.max(k.end) }
    }

    /// A byte range of the source.
    pub(crate) fn bytes(&self, start: usize, end: usize) -> Loc {
        Loc { start, end: end.max(start) }
    }

    /// The location of a whole `${{ … }}`.
    pub(crate) fn site(&self, site: &ExprSite) -> Loc {
        Loc { start: site.start, end: site.end }
    }

    /// The location of a sub-expression of a site.
    pub(crate) fn sub_expr(&self, site: &ExprSite, e: &SpannedExpr) -> Loc {
        let (start, len) = site.abs(e);
        Loc { start, end: start + len }
    }

    /// The first occurrence of `needle` inside `node`'s source text (zizmor's subfeature
    /// location), or the node itself when absent.
    pub(crate) fn subfeature(&self, node: &Node, needle: &str) -> Loc {
        let whole = self.node(node);
        let found =
            self.text().get(whole.start..whole.end).and_then(|t| if needle.is_empty() { None } else { t.find(needle) });
        match found {
            Some(i) => Loc { start: whole.start + i, end: whole.start + i + needle.len() },
            None => whole,
        }
    }

    fn location(&self, loc: Loc) -> Location {
        let (line, column) = self.lines.position(self.text(), loc.start);
        Location::new(self.file, line, column).with_span(loc.start, loc.end.saturating_sub(loc.start))
    }

    fn comment_ignores(&self, loc: Loc) -> bool {
        let first = self.lines.line_of(loc.start);
        let last = self.lines.line_of(loc.end.saturating_sub(1).max(loc.start));
        let id = self.audit_id();
        (first..=last).any(|l| ignore::line_ignores(self.lines.line_text(self.text(), l), id))
    }

    /// Records a finding, after persona filtering; ignore comments and config `ignore:`
    /// entries mark it suppressed.
    pub(crate) fn report(&mut self, report: Report) {
        if report.persona > self.options.persona {
            return;
        }
        let Some((primary, annotation)) = report.primary else { return };
        let meta = report.meta;
        let severity = self.rule_config().and_then(|r| r.remap_severity).unwrap_or(report.severity);
        let message = report
            .message
            .unwrap_or_else(|| if annotation.is_empty() { meta.summary.to_string() } else { annotation.clone() });
        let location = self.location(primary);
        let mut finding = Finding::new(meta.id, severity, message, location);
        finding.peer = meta.peers.first().map(|p| (*p).to_string());
        finding.confidence = Some(report.confidence);
        let mut all = vec![primary];
        for (loc, note) in &report.related {
            all.push(*loc);
            finding.related.push(Related { location: self.location(*loc), message: note.clone() });
        }
        let id = self.audit_id();
        if all.iter().any(|l| self.comment_ignores(*l)) {
            finding.suppressed = Some(format!("# zizmor: ignore[{id}]"));
        } else if let Some(rule) = self.rule_config() {
            let hit = all.iter().find_map(|l| {
                let (line, col) = self.lines.position(self.text(), l.start);
                rule.ignore.iter().find(|r| r.matches(self.file, line, col))
            });
            if let Some(r) = hit {
                finding.suppressed = Some(format!("zizmor config: rules.{id}.ignore {}", r.filename));
            }
        }
        self.findings.push(finding);
    }
}

/// Backs `end` off over trailing whitespace (node spans of block values can reach into the
/// next line).
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let slice = text.get(start..end).unwrap_or("");
    start + slice.trim_end().len()
}
