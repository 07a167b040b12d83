//! hadolint's inline suppressions: `# hadolint ignore=DL3008,DL3009` on the comment lines just
//! before an instruction, and `# hadolint global ignore=...` for the whole file.

use vigil_core::{Finding, RuleMeta};

use crate::Dockerfile;

/// IDs named by a `hadolint [global] ignore=` comment, or `None` for another comment.
fn parse_ignore(comment: &str) -> Option<(bool, Vec<String>)> {
    let rest = comment.trim().strip_prefix("hadolint")?.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let list = rest.strip_prefix("ignore")?.trim_start().strip_prefix('=')?;
    let ids = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .take_while(|s| !s.starts_with('#'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((global, ids))
}

fn matches(id: &str, meta: &RuleMeta) -> bool {
    id.eq_ignore_ascii_case(meta.id) || meta.peers.iter().any(|p| p.eq_ignore_ascii_case(id))
}

/// Marks findings suppressed by pragmas (never drops them).
pub(crate) fn apply(df: &Dockerfile, findings: &mut [Finding], meta_of: &dyn Fn(&str) -> Option<&'static RuleMeta>) {
    let mut global: Vec<String> = Vec::new();
    // (first line of instruction, last line, ids)
    let mut local: Vec<(u32, u32, Vec<String>)> = Vec::new();
    for (pos, text) in &df.comments {
        let Some((is_global, ids)) = parse_ignore(text) else { continue };
        if is_global {
            global.extend(ids);
            continue;
        }
        // The pragma applies to the next instruction after the comment line, with only comments between.
        if let Some(ins) = df.instructions.iter().find(|i| i.pos.line > pos.line) {
            let between_ok = df.comments.iter().filter(|(p, _)| p.line > pos.line && p.line < ins.pos.line).count()
                as u32
                == ins.pos.line - pos.line - 1;
            if between_ok {
                local.push((ins.pos.line, ins.end_line.max(ins.pos.line), ids));
            }
        }
    }
    for f in findings.iter_mut() {
        let Some(meta) = meta_of(&f.rule) else { continue };
        let line = u32::try_from(f.location.line).unwrap_or(u32::MAX);
        let hit =
            global.iter().find(|id| matches(id, meta)).map(|id| format!("hadolint global ignore={id}")).or_else(|| {
                local
                    .iter()
                    .filter(|(a, b, _)| line >= *a && line <= *b)
                    .find_map(|(_, _, ids)| ids.iter().find(|id| matches(id, meta)))
                    .map(|id| format!("hadolint ignore={id}"))
            });
        if hit.is_some() {
            f.suppressed = hit;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_pragmas() {
        assert_eq!(
            parse_ignore("hadolint ignore=DL3008,DL3009"),
            Some((false, vec!["DL3008".into(), "DL3009".into()]))
        );
        assert!(parse_ignore("hadolint global ignore=DL3006").unwrap().0);
        assert_eq!(parse_ignore("just a comment"), None);
    }
}
