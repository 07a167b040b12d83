//! vigil's secret scanner: one engine over every place a credential hides.
//!
//! - [`rule`]: a rule (regex, secret group, keywords, entropy, path, allowlists) and allowlists,
//!   the shape of gitleaks v8 rules;
//! - [`config`]: gitleaks v8 TOML configuration, unchanged (`[[rules]]`, `[extend]`,
//!   `[allowlist]`/`[[allowlists]]`), Go RE2 patterns translated for Rust's `regex`;
//! - [`builtin`]: vigil's own rule set (`rules/vigil-secrets.toml`, in the same format);
//! - [`engine`]: the detector: a keyword prefilter (Aho-Corasick), the rules' regexes where a
//!   keyword occurs, entropy and allowlists, decoded base64/hex segments, fingerprints;
//! - [`fragment`]: what a target hands the detector (bytes and where they come from);
//! - [`finding`]: a finding, its fingerprint and its redacted form;
//! - [`ignore`]: `.gitleaksignore` fingerprints and baselines;
//! - [`scan`] (findings and counters of a target), [`report`] (JSON, table, SARIF, the
//!   attestation summary; secrets redacted), [`check`] (the one entry point of `vigil secrets`);
//! - targets: [`files`] (directories, ignore-aware), [`git`] (every blob of a history, once),
//!   [`k8s`] (Secrets, ConfigMaps, env, kubeconfigs, docker configs), [`layers`] (image layers,
//!   deleted files included).

pub mod builtin;
pub mod check;
pub mod config;
pub mod engine;
pub mod files;
pub mod finding;
pub mod fragment;
pub mod git;
pub mod ignore;
pub mod k8s;
pub mod layers;
pub mod report;
pub mod rule;
pub mod scan;
