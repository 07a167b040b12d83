//! Maps node spans (character based) to user-facing locations (1-based line and column,
//! byte offsets for code frames).

use vigil_core::Location;

use crate::node::Span;

/// The text of one input with a line index.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps `text`, read from the input called `name` (a path, or `-` for stdin).
    pub fn new(name: impl Into<String>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Source { name: name.into(), text, line_starts }
    }

    /// The input's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The location of `span`: 1-based line and column, and the byte range of the span
    /// clipped to its first line.
    pub fn location(&self, span: Span) -> Location {
        let line = span.line.max(1) as usize;
        let start_of_line = self.line_starts.get(line - 1).copied().unwrap_or(self.text.len());
        let end_of_line = self.line_starts.get(line).map_or(self.text.len(), |e| e.saturating_sub(1));
        let line_text = self.text.get(start_of_line..end_of_line).unwrap_or("");
        let col = span.col as usize;
        let byte_col = line_text.char_indices().nth(col).map_or(line_text.len(), |(i, _)| i);
        let chars = span.end.saturating_sub(span.start);
        let rest = &line_text[byte_col..];
        let length = rest.char_indices().nth(chars).map_or(rest.len(), |(i, _)| i);
        Location::new(self.name.clone(), line, col + 1).with_span(start_of_line + byte_col, length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_of_span() {
        let source = Source::new("f.yaml", "a: 1\nbé: hostPort\n".to_string());
        let loc = source.location(Span { line: 2, col: 4, start: 9, end: 17 });
        assert_eq!((loc.line, loc.column), (2, 5));
        assert_eq!(&source.text()[loc.offset..loc.offset + loc.length], "hostPort");
    }
}
