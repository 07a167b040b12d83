//! The human-readable report: findings grouped by file, each with a code frame.

use std::collections::BTreeMap;
use std::io::Write;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use vigil_core::{Finding, LintReport, Severity};
use vigil_k8s::Source;
use vigil_lint::Profile;

use crate::cli::ColorChoice;

impl ColorChoice {
    pub fn styled(self) -> bool {
        self != ColorChoice::Never
    }
}

impl From<ColorChoice> for anstream::ColorChoice {
    fn from(choice: ColorChoice) -> Self {
        match choice {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }
}

fn level(severity: Severity) -> Level<'static> {
    let base = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium | Severity::Unknown => Level::WARNING,
        Severity::Low => Level::NOTE,
        Severity::Info => Level::INFO,
    };
    base.with_name(severity.as_str())
}

/// Writes findings (to stdout) followed by a summary line. ANSI styles are written when
/// `styled`; the caller's `AutoStream` strips them when the output is not a terminal.
pub fn write(
    out: &mut impl Write,
    report: &LintReport,
    sources: &BTreeMap<String, Source>,
    profile: Profile,
    styled: bool,
) -> std::io::Result<()> {
    let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
    let mut current_file: Option<&str> = None;
    for finding in &report.findings {
        if current_file != Some(finding.location.file.as_str()) {
            current_file = Some(&finding.location.file);
        }
        let rendered = match sources.get(&finding.location.file) {
            Some(source) => frame(&renderer, finding, source),
            None => format!(
                "{}[{}]: {}\n --> {}:{}:{}",
                finding.severity,
                finding.rule,
                finding.message,
                finding.location.file,
                finding.location.line,
                finding.location.column
            ),
        };
        writeln!(out, "{rendered}\n")?;
    }
    let mut counts: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
    for f in &report.findings {
        *counts.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    let breakdown: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", s.0)).collect();
    let files_with_findings = {
        let mut files: Vec<&str> = report.findings.iter().map(|f| f.location.file.as_str()).collect();
        files.dedup();
        files.len()
    };
    let s = report.summary;
    if report.findings.is_empty() {
        writeln!(out, "No findings: {} checked ({profile}).", counted(s.objects, "object", s.files))?;
    } else {
        writeln!(
            out,
            "Found {} ({}) in {} of {}; {} checked ({profile}).",
            plural(s.findings, "finding"),
            breakdown.join(", "),
            files_with_findings,
            plural(s.files, "file"),
            plural(s.objects, "object")
        )?;
    }
    if !report.errors.is_empty() {
        writeln!(
            out,
            "{} {} could not be checked (see errors above or on stderr).",
            report.errors.len(),
            if report.errors.len() == 1 { "input" } else { "inputs" }
        )?;
    }
    Ok(())
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn counted(objects: usize, noun: &str, files: usize) -> String {
    format!("{} in {}", plural(objects, noun), plural(files, "file"))
}

/// One error line per input that could not be checked.
pub fn write_errors(err: &mut impl Write, report: &LintReport) -> std::io::Result<()> {
    for e in &report.errors {
        writeln!(err, "error: {e}")?;
    }
    Ok(())
}

/// A code frame of the finding's line, with two lines of context above.
fn frame(renderer: &Renderer, finding: &Finding, source: &Source) -> String {
    let text = source.text();
    let line = finding.location.line.max(1);
    let first_line = line.saturating_sub(2).max(1);
    // Rebuild the window with `\n` breaks, whatever the file used (`\r\n`, lone `\r`).
    let mut window = String::new();
    let mut start = 0;
    for n in first_line..=line {
        let (from, to) = (source.line_start(n), source.line_end(n));
        if n == line {
            start = window.len() + finding.location.offset.saturating_sub(from).min(to.saturating_sub(from));
        }
        window.push_str(text.get(from..to).unwrap_or(""));
        if n != line {
            window.push('\n');
        }
    }
    let end = (start + finding.location.length.max(1)).min(window.len());
    let mut annotation = AnnotationKind::Primary.span(start..end.max(start));
    if let Some(p) = &finding.path {
        annotation = annotation.label(format!("`{p}`"));
    }
    let snippet = Snippet::source(window.as_str())
        .line_start(first_line)
        .path(finding.location.file.as_str())
        .annotation(annotation);
    // Other offending fields of the same finding (e.g. the other containers), one line each.
    let related: Vec<(String, usize, std::ops::Range<usize>, &str)> = finding
        .related
        .iter()
        .take(MAX_RELATED)
        .map(|r| {
            let n = r.location.line.max(1);
            let (from, to) = (source.line_start(n), source.line_end(n));
            let line_text = text.get(from..to).unwrap_or("").to_string();
            let start = r.location.offset.saturating_sub(from).min(line_text.len());
            let end = (start + r.location.length.max(1)).min(line_text.len()).max(start);
            (line_text, n, start..end, r.message.as_str())
        })
        .collect();
    let mut group =
        level(finding.severity).primary_title(finding.message.as_str()).id(finding.rule.as_str()).element(snippet);
    for (line_text, n, span, label) in &related {
        group = group.element(
            Snippet::source(line_text.as_str())
                .line_start(*n)
                .path(finding.location.file.as_str())
                .annotation(AnnotationKind::Context.span(span.clone()).label(*label)),
        );
    }
    if finding.related.len() > MAX_RELATED {
        group = group.element(Level::NOTE.message(format!("and {} more", finding.related.len() - MAX_RELATED)));
    }
    renderer.render(&[group])
}

/// Related locations shown under a finding in the table.
const MAX_RELATED: usize = 4;
