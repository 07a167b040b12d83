//! End-to-end tests of the `vigil` binary. Every run goes through [`common::Vigil`], which
//! clears `VIGIL_*`, `NO_COLOR`, `RUST_LOG` and `CLICOLOR*`, picks the current directory and
//! replaces temporary paths with `[TMP]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod audit;
mod bad_input;
mod bundle;
mod config;
mod exit_codes;
mod formats;
mod gate;
mod inputs;
mod key;
mod locations;
mod log;
mod pss;
mod registries;
mod resilience;
mod sarif_schema;
mod sbom;
mod scan;
mod scan_outputs;
mod secrets;
mod secrets_scan;
mod serve_log;
mod served;
mod sign;
mod webhook;
mod yaml_budgets;
