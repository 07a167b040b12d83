//! Turns the bytes of one input into objects, or a precise error.

use crate::object::{Object, objects_of};
use crate::source::Source;
use crate::yaml::{Limits, parse_documents_each};

/// Why an input (or part of it) could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The input is larger than [`Limits::max_file_size`].
    #[error("{}larger than the limit of {limit} bytes", match size { Some(size) => format!("file is {size} bytes, "), None => "input is ".to_string() })]
    TooLarge {
        /// Actual size in bytes, when known (a stream is not read past the limit).
        size: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
    /// The input contains NUL bytes or is not valid UTF-8.
    #[error("not a text file: {reason} at byte {offset}, expected UTF-8 YAML or JSON")]
    NotText {
        /// What was found.
        reason: &'static str,
        /// Byte offset of the first offending byte.
        offset: usize,
    },
    /// YAML/JSON syntax error or a parser limit; documents before it were still loaded.
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The input could not be read.
    #[error("cannot read: {0}")]
    Io(String),
}

impl LoadError {
    /// The 1-based line and column of a syntax error.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            LoadError::Syntax { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The message without the position.
    pub fn detail(&self) -> String {
        match self {
            LoadError::Syntax { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// An I/O error, with the OS message lower-cased as vigil's messages are.
    pub fn io(error: &std::io::Error) -> Self {
        let text = error.to_string();
        let mut chars = text.chars();
        let lowered = match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => text,
        };
        LoadError::Io(lowered)
    }
}

/// One loaded input: its source text, the Kubernetes objects in it, and the error that
/// stopped loading early (objects before the error are kept).
#[derive(Debug)]
pub struct LoadedFile {
    /// The text with its name and a line index.
    pub source: Source,
    /// Kubernetes objects, in document order, `List` items flattened.
    pub objects: Vec<Object>,
    /// Number of YAML documents parsed.
    pub documents: usize,
    /// The error that stopped loading, if any.
    pub error: Option<LoadError>,
}

/// What [`load_each`] leaves once every object has been handed over.
#[derive(Debug)]
pub struct LoadOutcome {
    /// The text with its name and a line index.
    pub source: Source,
    /// Number of Kubernetes objects handed over.
    pub objects: usize,
    /// Number of YAML documents parsed.
    pub documents: usize,
    /// The error that stopped loading, if any.
    pub error: Option<LoadError>,
}

/// Loads the objects of one input called `name` from `bytes`, keeping them all.
pub fn load(name: &str, bytes: Vec<u8>, limits: &Limits) -> LoadedFile {
    let mut objects = Vec::new();
    let outcome = load_each(name, bytes, limits, |_, object| objects.push(object));
    LoadedFile { source: outcome.source, objects, documents: outcome.documents, error: outcome.error }
}

/// Loads one input document by document, handing each object to `each` with the input's
/// source as soon as its document is complete; memory holds one document at a time.
pub fn load_each(name: &str, bytes: Vec<u8>, limits: &Limits, mut each: impl FnMut(&Source, Object)) -> LoadOutcome {
    let failed = |error: LoadError| LoadOutcome {
        source: Source::new(name, String::new()),
        objects: 0,
        documents: 0,
        error: Some(error),
    };
    if bytes.len() as u64 > limits.max_file_size {
        return failed(LoadError::TooLarge { size: Some(bytes.len() as u64), limit: limits.max_file_size });
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return failed(LoadError::NotText { reason: "NUL byte", offset });
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return failed(LoadError::NotText { reason: "invalid UTF-8", offset: e.utf8_error().valid_up_to() });
        }
    };
    let source = Source::new(name, text);
    let mut objects = 0;
    let mut documents = 0;
    let result = parse_documents_each(source.text(), limits, |document| {
        documents += 1;
        for object in objects_of(document) {
            objects += 1;
            each(&source, object);
        }
    });
    let error = result.err().map(|e| LoadError::Syntax { line: e.line, column: e.column, message: e.message });
    LoadOutcome { source, objects, documents, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_oversized_inputs_are_errors() {
        let limits = Limits { max_file_size: 10, ..Limits::default() };
        assert!(matches!(
            load("a", vec![b'a'; 11], &limits).error,
            Some(LoadError::TooLarge { size: Some(11), limit: 10 })
        ));
        assert!(matches!(
            load("a", vec![b'a', 0, 1], &Limits::default()).error,
            Some(LoadError::NotText { offset: 1, .. })
        ));
        assert!(matches!(
            load("a", vec![b'a', 0xff], &Limits::default()).error,
            Some(LoadError::NotText { offset: 1, .. })
        ));
    }

    #[test]
    fn objects_before_a_syntax_error_are_kept() {
        let file = load("a", b"apiVersion: v1\nkind: Pod\n---\nkey: [unclosed\n".to_vec(), &Limits::default());
        assert_eq!(file.objects.len(), 1);
        assert!(matches!(file.error, Some(LoadError::Syntax { .. })));
    }
}
