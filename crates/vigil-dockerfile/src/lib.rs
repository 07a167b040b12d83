//! Dockerfile parsing and linting for vigil.
//!
//! [`parse`] reads a Dockerfile with BuildKit's semantics — parser directives, escape
//! character, line continuations, heredocs, JSON (exec) form, flags, stages and `ARG`s before
//! `FROM` — and never fails: syntax errors are collected in [`Dockerfile::errors`] and parsing
//! goes on. Every piece keeps its exact source position; [`Text::pos`] maps any byte of a
//! joined (continued) argument back to its line and column.
//!
//! [`shell::parse`] splits a `RUN` script into commands and words, enough for linting.
//! [`lint`] runs the Dockerfile rules over a file.
//!
//! ```
//! use vigil_dockerfile::{parse, Keyword, shell};
//! let df = parse("FROM alpine:3.20 AS base\nRUN apk add \\\n    curl && rm -rf /var/cache/apk/*\n");
//! assert_eq!(df.stages[0].name.as_deref(), Some("base"));
//! let run = &df.instructions[1];
//! assert_eq!(run.keyword, Keyword::Run);
//! let script = run.args.shell().unwrap();
//! assert_eq!(script.value, "apk add     curl && rm -rf /var/cache/apk/*");
//! let curl = script.value.find("curl").unwrap();
//! assert_eq!((script.pos(curl).line, script.pos(curl).col), (3, 5));
//! let cmds = shell::parse(&script.value).commands;
//! assert_eq!(cmds[0].program(), Some("apk"));
//! assert_eq!(cmds[1].program(), Some("rm"));
//! ```
#![warn(missing_docs)]

mod expand;
mod model;
mod parse;
mod pragma;
mod rule;
mod rules;
pub mod shell;

use vigil_core::{Finding, InputError, RuleMeta};

pub use expand::expand;
pub use model::{Args, Dockerfile, Flag, Heredoc, Instruction, KeyValue, Keyword, ParseError, Pos, Stage, Text};
pub use parse::parse;

/// Options of [`lint`].
pub struct Options<'a> {
    /// Rule selection.
    pub enabled: &'a (dyn Fn(&RuleMeta) -> bool + Sync),
    /// Allow-list of registries; `None` = no allow-list.
    pub trusted_registry: Option<&'a (dyn Fn(&vigil_core::reference::ImageReference) -> bool + Sync)>,
}

/// Result of [`lint`].
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings of the enabled rules (suppressed ones included, marked).
    pub findings: Vec<Finding>,
    /// Syntax errors of the file.
    pub errors: Vec<InputError>,
    /// Number of instructions parsed.
    pub instructions: usize,
}

/// Parses `text` and runs the enabled Dockerfile rules over it.
pub fn lint(file: &str, text: &str, options: &Options<'_>) -> Outcome {
    let dockerfile = parse(text);
    let findings = rules::run(&dockerfile, file, options);
    let errors = dockerfile
        .errors
        .iter()
        .map(|e| InputError::at(file, e.pos.line as usize, e.pos.col as usize, e.message.clone()))
        .collect();
    Outcome { findings, errors, instructions: dockerfile.instructions.len() }
}

/// Every Dockerfile rule, sorted by ID.
pub fn rules() -> Vec<&'static RuleMeta> {
    let mut all = rules::rules();
    all.sort_by(|a, b| a.id.cmp(b.id));
    all
}

/// `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`, `Containerfile`, `Containerfile.*`.
pub fn is_dockerfile_path(path: &std::path::Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || (name.len() > ".Dockerfile".len() && (name.ends_with(".Dockerfile") || name.ends_with(".dockerfile")))
}

/// True when the first instruction (after comments, parser directives and `ARG`s) is `FROM`.
pub fn looks_like_dockerfile(text: &str) -> bool {
    let df = parse(text);
    df.instructions.iter().find(|i| i.keyword != Keyword::Arg).is_some_and(|i| i.keyword == Keyword::From)
}
