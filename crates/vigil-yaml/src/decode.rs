//! Bounded serde decoding of YAML, with errors shaped as every vigil error is.

use serde::de::DeserializeOwned;

use crate::limits::Limits;

/// A YAML input that could not be decoded: syntax, a limit, or a value of the wrong shape.
/// Displayed as `<name>:<line>:<col>: <message>` (the position is left out when unknown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}{}: {message}", position(*line, *column))]
pub struct DecodeError {
    /// The input's name, as given.
    pub name: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// What was wrong, one line, without the position.
    pub message: String,
}

fn position(line: usize, column: usize) -> String {
    match (line, column) {
        (0, _) => String::new(),
        (line, 0) => format!(":{line}"),
        (line, column) => format!(":{line}:{column}"),
    }
}

/// Decodes one YAML document of `text` (named `name` in errors) into `T` under `limits`.
///
/// # Errors
/// [`DecodeError`] with the position, for invalid YAML, a limit exceeded or a wrong shape.
pub fn from_str<T: DeserializeOwned>(name: &str, text: &str, limits: &Limits) -> Result<T, DecodeError> {
    check_size(name, text, limits)?;
    serde_saphyr::from_str_with_options(text, limits.options()).map_err(|e| decode_error(name, &e, limits))
}

/// Decodes every YAML document of `text` into `T` under `limits` (empty documents are
/// skipped, as serde-saphyr does).
///
/// # Errors
/// As [`from_str`].
pub fn from_multiple<T: DeserializeOwned>(name: &str, text: &str, limits: &Limits) -> Result<Vec<T>, DecodeError> {
    check_size(name, text, limits)?;
    serde_saphyr::from_multiple_with_options(text, limits.options()).map_err(|e| decode_error(name, &e, limits))
}

fn check_size(name: &str, text: &str, limits: &Limits) -> Result<(), DecodeError> {
    if text.len() as u64 > limits.max_file_size {
        return Err(DecodeError {
            name: name.to_string(),
            line: 0,
            column: 0,
            message: format!("input is {} bytes, larger than the limit of {} bytes", text.len(), limits.max_file_size),
        });
    }
    Ok(())
}

/// serde-saphyr's error as one line without its own position (which goes in front).
fn decode_error(name: &str, error: &serde_saphyr::Error, limits: &Limits) -> DecodeError {
    let (line, column) = error.location().map_or((0, 0), |at| {
        (usize::try_from(at.line()).unwrap_or(usize::MAX), usize::try_from(at.column()).unwrap_or(usize::MAX))
    });
    if let Some(message) = budget_message(error, limits) {
        return DecodeError { name: name.to_string(), line, column, message };
    }
    let shown = error.without_snippet().to_string();
    let mut message = shown.trim().trim_start_matches("error:").trim();
    // serde-saphyr writes `line N column M: …` in front and/or ` at line N, column M` behind.
    if let Some(rest) = message.strip_prefix("line ")
        && let Some((_, after)) = rest.split_once(':')
    {
        message = after.trim();
    }
    let message = message.lines().next().unwrap_or(message);
    let message = match message.rsplit_once(" at line ") {
        Some((head, tail)) if tail.contains("column") => head,
        _ => message,
    };
    DecodeError { name: name.to_string(), line, column, message: message.to_string() }
}

/// A budget breach in vigil's words, naming the limit that was exceeded.
fn budget_message(error: &serde_saphyr::Error, limits: &Limits) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach as B;
    let mut error = error;
    while let serde_saphyr::Error::AliasError { error: inner, .. }
    | serde_saphyr::Error::WithSnippet { error: inner, .. } = error
    {
        error = inner;
    }
    let serde_saphyr::Error::Budget { breach, .. } = error else { return None };
    let bomb = "(possible alias bomb)";
    Some(match breach {
        B::Nodes { .. } | B::Events { .. } => {
            format!("input exceeds the limit of {} nodes, counting every alias expansion", limits.max_nodes)
        }
        B::ScalarBytes { .. } | B::RecordedAnchorBytes { .. } => format!(
            "expanded scalar bytes exceed the limit of {}, counting every alias and merge-key copy {bomb}",
            limits.max_expanded_bytes
        ),
        B::RecordedAnchorEvents { .. } => {
            format!("alias expansion exceeds the limit of {} copied nodes {bomb}", limits.max_nodes)
        }
        B::Aliases { aliases } => format!("alias count exceeds the limit ({aliases} aliases) {bomb}"),
        B::Anchors { anchors } => format!("anchor count exceeds the limit ({anchors} anchors)"),
        B::AliasAnchorRatio { aliases, anchors } => {
            format!("alias use exceeds the allowed ratio ({aliases} aliases for {anchors} anchors) {bomb}")
        }
        B::MergeKeys { merge_keys } => format!("merge keys exceed the limit ({merge_keys} `<<` keys)"),
        B::Depth { .. } => format!("nesting exceeds the limit of {} levels", limits.max_depth),
        B::Documents { .. } => format!("document count exceeds the limit of {}", limits.max_documents),
        B::InputBytes { input_bytes } => {
            format!("input ({input_bytes} bytes) exceeds the limit of {} bytes", limits.max_file_size)
        }
        other => format!("input exceeds a parser limit ({other:?})"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn errors_name_the_input_and_position() {
        let err = from_str::<serde_json::Value>("p.yaml", "a: [1, 2\nb: 3\n", &Limits::default()).unwrap_err();
        assert_eq!(err.name, "p.yaml");
        assert!(err.line >= 1, "{err}");
        assert!(err.to_string().starts_with("p.yaml:"), "{err}");
        assert!(!err.message.contains(" at line "), "{err}");
    }

    #[test]
    fn scalar_alias_amplification_is_refused_by_bytes() {
        // One 1 MiB anchored scalar and 3,000 aliases: 3 GB if copied.
        let big = "x".repeat(1024 * 1024);
        let aliases = vec!["*a"; 3000].join(", ");
        let text = format!("a: &a {big}\nb: [{aliases}]\n");
        let started = Instant::now();
        let err = from_str::<serde_json::Value>("bomb.yaml", &text, &Limits::default()).unwrap_err();
        eprintln!("refused in {:?}: {err}", started.elapsed());
        assert!(err.line >= 1, "{err}");
    }

    #[test]
    fn merge_key_amplification_is_refused() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("k{i}: v")).collect();
        let mut text = format!("a: &a {{{}}}\n", keys.join(", "));
        for i in 0..2000 {
            text.push_str(&format!("m{i}: {{<<: *a}}\n"));
        }
        let started = Instant::now();
        let err = from_str::<serde_json::Value>("merge.yaml", &text, &Limits::config()).unwrap_err();
        eprintln!("refused in {:?}: {err}", started.elapsed());
        assert!(err.to_string().starts_with("merge.yaml:"), "{err}");
    }

    #[test]
    fn several_documents_and_oversized_input() {
        let docs: Vec<serde_json::Value> = from_multiple("m.yaml", "a: 1\n---\nb: 2\n", &Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
        let tiny = Limits { max_file_size: 4, ..Limits::default() };
        let err = from_multiple::<serde_json::Value>("m.yaml", "a: 1\n---\nb: 2\n", &tiny).unwrap_err();
        assert!(err.message.contains("larger than the limit"), "{err}");
        assert_eq!(err.to_string(), "m.yaml: input is 14 bytes, larger than the limit of 4 bytes");
    }
}
