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
        // YAML line breaks: `\r\n`, `\n` and a lone `\r` (YAML 1.2, 5.4).
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        for (i, b) in bytes.iter().enumerate() {
            let is_break = *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if is_break {
                line_starts.push(i + 1);
            }
        }
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

    /// Byte offset where 1-based `line` starts (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len())
    }

    /// Byte offset where 1-based `line` ends, before its line break.
    pub fn line_end(&self, line: usize) -> usize {
        let end = self.line_starts.get(line).map_or(self.text.len(), |next| next.saturating_sub(1));
        let end = end.max(self.line_start(line));
        // `\r\n` ends a line too.
        if end > self.line_start(line)
            && self.text.as_bytes().get(end.saturating_sub(1)) == Some(&b'\r')
            && self.line_starts.get(line).is_some()
        {
            end - 1
        } else {
            end
        }
    }

    /// The location of `span`: 1-based line and column, and the byte range of the span
    /// clipped to its first line.
    pub fn location(&self, span: Span) -> Location {
        let line = span.line.max(1) as usize;
        let start_of_line = self.line_start(line);
        let end_of_line = self.line_end(line);
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
