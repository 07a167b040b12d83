//! The `vigil` command line: argument parsing, configuration discovery, rendering and exit
//! codes. Every capability lives in a `vigil-*` library crate; this binary only glues them.
//!
//! Exit codes: 0 = clean, 1 = findings or policy failure, 2 = usage or runtime error.

mod cli;
mod commands;
mod config;
mod render;

use std::process::ExitCode;

use clap::Parser;

// Parsing many small manifests is allocation-heavy; mimalloc is markedly faster than glibc malloc there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            anstream::eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
