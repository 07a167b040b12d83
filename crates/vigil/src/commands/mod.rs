//! One module per subcommand.

mod attest;
mod audit;
mod bundle;
mod db;
mod key;
mod lint;
mod log;
mod policy;
mod rules;
mod sbom;
mod scan;
mod secrets;
mod serve;
mod sign;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Sbom(args) => sbom::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Db(args) => db::run(args),
        Command::Key(args) => key::run(args),
        Command::Sign(args) => sign::sign(args),
        Command::Verify(args) => sign::verify(args),
        Command::Attest(args) => attest::attest(args),
        Command::VerifyAttestation(args) => attest::verify(args),
        Command::VerifyBundle(args) => bundle::verify(args),
        Command::Policy(crate::cli::PolicyCommand::Test(args)) => policy::test(args),
        Command::Serve(args) => serve::serve(args),
        Command::Webhook(crate::cli::WebhookCommand::Certs(args)) => serve::certs(args),
        Command::Webhook(crate::cli::WebhookCommand::Manifests(args)) => serve::manifests(args),
        Command::Log(command) => log::run(command),
        Command::Audit(args) => audit::run(args),
        Command::Secrets(args) => secrets::run(args),
    }
}
