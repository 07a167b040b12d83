//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// vigil secures the Kubernetes software supply chain: what goes into an image, who built and
/// signed it, what may run in the cluster, and what happened there.
#[derive(Debug, Parser)]
#[command(name = "vigil", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Kubernetes manifests: Pod Security Standards exactly as Pod Security Admission
    /// decides them, and image rules.
    ///
    /// Reads files and directories (recursively; `*.yaml`, `*.yml`, `*.json`; honours
    /// `.gitignore` and skips hidden files) and `-` for standard input. Multi-document YAML,
    /// JSON and `kind: List` are understood; documents that are not Kubernetes objects are
    /// skipped. Every Pod-bearing kind is checked (Pod, Deployment, ReplicaSet, StatefulSet,
    /// DaemonSet, Job, CronJob, ReplicationController, PodTemplate).
    ///
    /// Exit status: 0 no findings, 1 findings, 2 usage error or an input that could not be read
    /// or parsed (everything else is still checked and reported).
    #[command(
        after_help = "Examples:\n  vigil lint k8s/\n  vigil lint --pss baseline:v1.30 deploy.yaml\n  kubectl kustomize overlays/prod | vigil lint - --format sarif > vigil.sarif\n  vigil lint --allowed-registry ghcr.io --allowed-registry '*.corp.example' manifests/"
    )]
    Lint(LintArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Catalogue every OS and language package of an image, directory or file into an SBOM.
    ///
    /// TARGET is `oci-dir:PATH[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:TAG]`,
    /// `dir:PATH`, `file:PATH`, `sbom:FILE` (read a CycloneDX or SPDX JSON SBOM) or
    /// `registry:REF`; without a scheme an existing path is detected (directory, OCI layout,
    /// archive or file) and anything else is an image reference. Layers are streamed, never
    /// extracted; only files a cataloger reads are kept in memory.
    #[command(
        after_help = "Examples:\n  vigil sbom docker-archive:app.tar --format cyclonedx -o app.cdx.json\n  vigil sbom oci-dir:./layout:1.0 --platform linux/arm64\n  vigil sbom . --format spdx"
    )]
    Sbom(SbomArgs),
    /// Find known vulnerabilities in an image, directory, file or SBOM, from the local OSV
    /// database (see `vigil db`).
    ///
    /// TARGET is anything `vigil sbom` accepts, or `sbom:FILE` for a CycloneDX/SPDX/vigil SBOM.
    /// Exit status: 1 when `--fail-on` is given and an unsuppressed finding reaches it, else 0
    /// (findings alone do not fail, as with grype); 2 on errors (a missing database is an
    /// error, never "no vulnerabilities").
    #[command(
        after_help = "Examples:\n  vigil db import osv/PyPI/all.zip osv/npm/all.zip\n  vigil scan docker-archive:app.tar --fail-on high\n  vigil scan sbom:app.cdx.json --vex app.openvex.json --format json"
    )]
    Scan(ScanArgs),
    /// Manage the vulnerability database.
    Db(DbArgs),
    /// Manage signing keys (cosign-compatible).
    Key(KeyArgs),
    /// Sign an image in its registry with a key, exactly as `cosign sign --key` does.
    ///
    /// A tag is resolved to its manifest digest first and the digest is signed, never the tag.
    /// The signature is stored as cosign stores it (tag `sha256-<hex>.sig` in the image's
    /// repository), appended to existing signatures. No transparency-log entry is made. The key
    /// password comes from VIGIL_PASSWORD, else COSIGN_PASSWORD, else the terminal.
    #[command(
        after_help = "Examples:\n  vigil sign ghcr.io/org/app:1.0 --key cosign.key\n  vigil sign registry.local/app@sha256:... --key cosign.key -a build=42"
    )]
    Sign(SignArgs),
    /// Verify an image's cosign signatures, with a public key or keyless.
    ///
    /// Checks every signature of the digest the reference resolves to now (found under the
    /// `sha256-<hex>.sig` tag and as OCI 1.1 referrers): it must verify and its payload must name
    /// that digest (a signature copied from another image, or a tag re-pointed after signing,
    /// fails). With `--key`, no transparency-log check is made. Keyless, the signing certificate
    /// must chain to a Fulcio root of the trusted root (the embedded Sigstore public-good root,
    /// or `--trusted-root`), carry a valid SCT, match the identity and issuer, and have been
    /// valid when the signature was logged, as proven by the Rekor SET in the signature; all
    /// offline.
    ///
    /// Exit status: 0 at least one signature verified, 1 none did, 2 on errors.
    #[command(
        after_help = "Examples:\n  vigil verify ghcr.io/org/app:1.0 --key cosign.pub --format json\n  vigil verify ghcr.io/org/app:1.0 --certificate-identity-regexp '^https://github.com/org/' --certificate-oidc-issuer https://token.actions.githubusercontent.com"
    )]
    Verify(VerifyArgs),
    /// Attach a signed in-toto attestation to an image, exactly as `cosign attest --key` does.
    ///
    /// The predicate (a JSON file, or vigil's own SBOM or scan of the image with
    /// `--predicate-from`) is wrapped in an in-toto Statement v1 whose subject is the image's
    /// manifest digest, signed as a DSSE envelope and stored as cosign stores attestations (tag
    /// `sha256-<hex>.att`, one `application/vnd.dsse.envelope.v1+json` layer per attestation,
    /// `predicateType` annotation), appended to existing attestations. No transparency-log
    /// entry is made. The key password comes from VIGIL_PASSWORD, else COSIGN_PASSWORD, else
    /// the terminal.
    #[command(
        after_help = "Predicate types: slsaprovenance (v0.2), slsaprovenance1, cyclonedx, spdxjson, vuln, openvex, custom, or any URI.\n\nExamples:\n  vigil attest ghcr.io/org/app:1.0 --key cosign.key --type slsaprovenance1 --predicate provenance.json\n  vigil attest ghcr.io/org/app:1.0 --key cosign.key --predicate-from sbom\n  vigil attest ghcr.io/org/app:1.0 --key cosign.key --predicate-from scan --db vuln.db"
    )]
    Attest(AttestArgs),
    /// Verify an image's cosign attestations (with a public key or keyless) and print their
    /// statements.
    ///
    /// An attestation counts when its DSSE envelope verifies with the key (or, keyless, its
    /// certificate and Rekor entry verify as for `vigil verify`), its statement's
    /// subject is the digest the reference resolves to now, and its predicate type is `--type`
    /// (when given). Statements are printed as JSON, one per line (`--format json`: one
    /// document).
    ///
    /// Exit status: 0 at least one attestation verified, 1 none did, 2 on errors.
    #[command(
        after_help = "Examples:\n  vigil verify-attestation ghcr.io/org/app:1.0 --key cosign.pub --type cyclonedx\n  vigil verify-attestation ghcr.io/org/app:1.0 --type slsaprovenance1 --certificate-identity-regexp '^https://github.com/org/' --certificate-oidc-issuer https://token.actions.githubusercontent.com"
    )]
    VerifyAttestation(VerifyAttestationArgs),
    /// Verify a Sigstore bundle for a file or digest, offline.
    ///
    /// Bundles v0.1 to v0.3 (message signatures and DSSE envelopes; Rekor v1 and v2 entries with
    /// inclusion proofs and signed checkpoints, SETs, RFC 3161 timestamps) are checked against a
    /// trusted root: the Sigstore public-good production root embedded in vigil (`--staging`:
    /// the staging root), or `--trusted-root FILE`. Keyless bundles must chain to a Fulcio root,
    /// carry a valid SCT, be signed while the certificate was valid (proven by the log or a
    /// timestamp authority) and match the identity and issuer; `--key` verifies a managed-key
    /// bundle instead. The arguments are those of the sigstore-conformance CLI protocol.
    ///
    /// cosign's own blob bundle (`cosign sign-blob --bundle` without `--new-bundle-format`) is
    /// read too; a key-signed one without a Rekor entry is checked with the key alone.
    ///
    /// FILE_OR_DIGEST is the artifact, or `sha256:<hex>` (when that is not a file). For DSSE
    /// bundles it is a subject of the in-toto statement.
    ///
    /// Exit status: 0 verified, 1 did not verify (or the bundle is malformed), 2 on errors.
    #[command(
        after_help = "Examples:\n  vigil verify-bundle --bundle a.txt.sigstore.json --certificate-identity dev@example.com --certificate-oidc-issuer https://accounts.google.com a.txt\n  vigil verify-bundle --bundle b.sigstore.json --certificate-identity-regexp '^https://github.com/org/' --certificate-oidc-issuer https://token.actions.githubusercontent.com sha256:...\n  vigil verify-bundle --bundle b.sigstore.json --key cosign.pub --trusted-root trusted_root.json a.txt"
    )]
    VerifyBundle(VerifyBundleArgs),
    /// Admission policies: test them on manifests exactly as `vigil serve` decides.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Run the admission webhook: AdmissionReview v1 over HTTPS.
    ///
    /// `/validate` decides every Pod-bearing object with the policy files (exactly as `vigil
    /// policy test`); `/mutate` pins verified tags to digests (JSON Patch) where a policy says
    /// `mutateToDigest`. Image checks are cached (positive and negative TTLs) and shared between
    /// concurrent requests; each review is answered within `--timeout`, and checks that cannot
    /// be decided (registry down, deadline) follow `--failure-mode`. `/healthz`, `/readyz` (not
    /// ready until policies are loaded, and during shutdown), `/metrics` (Prometheus). Policy
    /// and certificate files are reloaded when they change; a broken policy file keeps the
    /// previous policies and logs why. Logs are JSON lines on stderr. SIGTERM drains.
    #[command(
        after_help = "Examples:\n  vigil webhook certs --service vigil --namespace vigil-system --out certs/\n  vigil serve --policy policy.yaml --tls-cert certs/tls.crt --tls-key certs/tls.key"
    )]
    Serve(ServeArgs),
    /// Deploy the webhook: certificates and Kubernetes manifests.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// The tamper-evident decision log: keys, reading, verifying, proving and serving it.
    ///
    /// Writers (`vigil serve --log`, `vigil policy test --log`, `vigil sign --log`, `vigil
    /// attest --log`, `vigil scan --log`) append one canonical JSON entry per decision to an
    /// append-only RFC 9162 Merkle tree and sign a C2SP checkpoint (tree size + root hash)
    /// with the log's Ed25519 note key. Anyone holding an old checkpoint can prove that the
    /// log only grew (`vigil log verify --checkpoint OLD`), and any entry can be proven to be
    /// in it (`vigil log prove`, checked offline with `vigil log verify-proof`). The log is
    /// an SQLite file (default `$XDG_STATE_HOME/vigil/log.db`, else
    /// `~/.local/state/vigil/log.db`) or a PostgreSQL database (`postgres://…`) shared by
    /// several replicas. See docs/log.md.
    #[command(
        subcommand,
        after_help = "Examples:\n  vigil log key generate --name vigil.example.com/prod\n  vigil serve --policy p.yaml --tls-cert tls.crt --tls-key tls.key --log\n  vigil log checkpoint > checkpoint.txt\n  vigil log verify --checkpoint yesterday.txt\n  vigil log prove 42 > proof.json && vigil log verify-proof proof.json --key log.pub\n  vigil log serve --listen 127.0.0.1:8080"
    )]
    Log(LogCommand),
    /// Detect suspicious activity in Kubernetes audit logs with Falco's rules, unchanged.
    ///
    /// Reads `audit.k8s.io/v1` (and `v1beta1`) events: JSON lines as the API server's log
    /// backend writes them (`--audit-log-path`), rotated and gzip files, `EventList`
    /// documents, or `-` for standard input. Evaluates vigil's built-in rules and the Falco
    /// rules files given with `--rules` (the k8saudit plugin's `k8s_audit_rules.yaml` and your
    /// own: rules, macros, lists, append/override, exceptions), in order, later files extending
    /// earlier ones; rules for other sources (syscall) are skipped with a note. Alerts have
    /// Falco's JSON shape. A malformed line is reported with its line number and skipped.
    ///
    /// Exit status: 0 no alert at or above `--min-priority`, 1 at least one, 2 on errors (a
    /// rules file that does not load, an unreadable input).
    #[command(
        after_help = "Examples:\n  vigil audit /var/log/kubernetes/audit.log\n  vigil audit audit.log.1.gz audit.log --rules k8s_audit_rules.yaml --min-priority warning --format json\n  vigil audit --follow /var/log/kubernetes/audit.log --log\n  kubectl get --raw ... | vigil audit - --no-builtin-rules --rules my_rules.yaml"
    )]
    Audit(AuditArgs),
    /// Find credentials in files, Git history, Kubernetes objects and image layers.
    ///
    /// One engine and one rule set for every target: vigil's built-in rules (listed by `vigil
    /// rules`), or a gitleaks v8 configuration unchanged (`--config gitleaks.toml`,
    /// with `[extend]`, allowlists and stop words; a `.gitleaks.toml` at the root of a scanned
    /// directory is used when no `--config` is given).
    ///
    /// Targets:
    ///   PATH            a file or a directory (ignore-aware; binary and oversized files skipped)
    ///   -               standard input
    ///   git:PATH        every blob of the repository's history, each scanned once; findings name
    ///                   the commit that added the line (also: `--git PATH`)
    ///   oci-dir:PATH, oci-archive:FILE, docker-archive:FILE, registry:REF
    ///                   every file of every layer of an image, including files a later layer
    ///                   deleted ("removed in layer N": still in the image)
    ///
    /// Kubernetes manifests are read as objects too: Secret `data` is base64-decoded and
    /// scanned, as are env values, ConfigMaps, kubeconfigs and `.dockerconfigjson`. Base64 and
    /// hex segments are decoded and scanned (`--max-decode-depth`).
    ///
    /// Secrets are printed redacted (first 4 characters, then `…`) unless `--no-redact`.
    /// Fingerprints are gitleaks' (`file:rule:line`, `commit:file:rule:line`), so a
    /// `.gitleaksignore` keeps working; `--baseline` reports only findings not in an earlier
    /// JSON report.
    ///
    /// Exit status: 0 no finding, 1 findings, 2 on errors.
    #[command(
        verbatim_doc_comment,
        after_help = "Examples:\n  vigil secrets .\n  vigil secrets git:. --since 2024-01-01 --format sarif -o secrets.sarif\n  vigil secrets --config .gitleaks.toml --baseline old.json src/\n  vigil secrets oci-archive:app.tar\n  kubectl get secrets -A -o json | vigil secrets -"
    )]
    Secrets(SecretsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleMatching {
    /// The first matching rule of an event gives the alert (Falco's default).
    First,
    /// Every matching rule gives an alert.
    All,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Audit log files (JSON lines; `.gz` read as gzip) in order, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub inputs: Vec<PathBuf>,

    /// A Falco rules file, applied after the built-in rules and the files before it; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Leave out vigil's built-in rules (only the `--rules` files apply).
    #[arg(long)]
    pub no_builtin_rules: bool,

    /// Keep reading the (last) file as it grows, across rotation (rename or truncation).
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Report and fail only on alerts at or above this priority (emergency, alert, critical,
    /// error, warning, notice, informational, debug).
    #[arg(long, value_name = "PRIORITY", default_value = "debug")]
    pub min_priority: String,

    /// Which matching rules of an event give an alert.
    #[arg(long, value_enum, default_value_t = RuleMatching::First)]
    pub rule_matching: RuleMatching,

    /// Output format (json: Falco's alert JSON, one per line).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the alerts to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub log: LogWriteArgs,
}

#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Files, directories, `-`, `git:REPO`, or image targets (`oci-dir:`, `oci-archive:`,
    /// `docker-archive:`, `registry:`).
    #[arg(value_name = "TARGET", default_value = ".")]
    pub targets: Vec<String>,

    /// Read the PATH targets as Git repositories and scan their history.
    #[arg(long)]
    pub git: bool,

    /// A gitleaks v8 configuration (TOML) instead of vigil's built-in rules [default:
    /// `.gitleaks.toml` at the root of the first directory target, if present; else built-in].
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A `.gitleaksignore` file of fingerprints to leave out [default: `.gitleaksignore` at the
    /// root of each directory or repository target].
    #[arg(long = "gitleaks-ignore", value_name = "FILE")]
    pub gitleaks_ignore: Option<PathBuf>,

    /// Report only findings that are not in this earlier report (`vigil secrets --format json`
    /// output, or a gitleaks JSON report).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Git: only commits after this date (as `git log --since`: `2024-01-31`, RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Git: the revisions to walk, as `git log` takes them (`main`, `v1.0..HEAD`, `A ^B`)
    /// [default: every ref, as gitleaks].
    #[arg(long = "log-opts", value_name = "REVISIONS")]
    pub log_opts: Option<String>,

    /// Skip files (and blobs) larger than this many megabytes.
    #[arg(long = "max-target-megabytes", value_name = "MB", default_value_t = 10)]
    pub max_target_megabytes: u64,

    /// How many layers of encoding (base64, hex, percent) are peeled off and scanned; 0: none.
    #[arg(long = "max-decode-depth", value_name = "N")]
    pub max_decode_depth: Option<usize>,

    /// Print secrets in full (by default only their first 4 characters).
    #[arg(long)]
    pub no_redact: bool,

    /// Scan every file under a directory, also those `.gitignore` and `.ignore` leave out (as
    /// `gitleaks detect --no-git` does).
    #[arg(long)]
    pub no_ignore: bool,

    /// Platform to choose from a multi-platform image.
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print nothing on standard error but errors.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Where a writer records its decisions.
#[derive(Debug, Args, Clone, Default)]
pub struct LogWriteArgs {
    /// Record the decision(s) in the decision log: an SQLite file or `postgres://…`; alone,
    /// the default `$XDG_STATE_HOME/vigil/log.db`. Give a value with `--log=PATH` or put
    /// `--log` after the positional arguments, so that it does not take one of them.
    #[arg(long = "log", value_name = "PATH|URL", num_args = 0..=1, default_missing_value = "")]
    pub log: Option<String>,

    /// The log's note signer key (`PRIVATE+KEY+…`) [default: VIGIL_LOG_KEY (a file or the key),
    /// else `<state dir>/log.key`].
    #[arg(long = "log-key", value_name = "FILE")]
    pub log_key: Option<PathBuf>,
}

/// Which log to read.
#[derive(Debug, Args, Clone, Default)]
pub struct LogReadArgs {
    /// The log: an SQLite file or `postgres://…` [default: VIGIL_LOG, else
    /// `$XDG_STATE_HOME/vigil/log.db`].
    #[arg(long = "log", value_name = "PATH|URL", env = "VIGIL_LOG")]
    pub log: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Manage the log's note key.
    #[command(subcommand)]
    Key(LogKeyCommand),
    /// Print entries, oldest first (`--follow`: keep printing new ones).
    #[command(
        after_help = "Examples:\n  vigil log tail --kind admission --since 2026-12-01T00:00:00Z\n  vigil log tail --follow --format json"
    )]
    Tail(LogTailArgs),
    /// Recompute the tree from the entries and check it against the signed checkpoints; with
    /// `--checkpoint OLD`, also prove that the log only grew since OLD.
    ///
    /// Every entry's row, index and hash, every stored checkpoint's signature and root and
    /// every stored interior hash are checked. A modified, deleted, reordered or inserted
    /// entry is reported with its index. Exit status: 0 the log verifies, 1 it does not (the
    /// first bad index is named), 2 on errors (no log, no key).
    Verify(LogVerifyArgs),
    /// Print the inclusion proof of an entry (by index or leaf hash) with the signed
    /// checkpoint it leads to, or (`--consistency OLD_SIZE`) the consistency proof from an
    /// older tree, as JSON for `vigil log verify-proof`.
    Prove(LogProveArgs),
    /// Print the current signed checkpoint (keep it somewhere else: it is what exposes a
    /// rewritten log later).
    Checkpoint(LogReadArgs),
    /// Check a proof from `vigil log prove` offline, with the log's verifier key.
    ///
    /// An inclusion proof: the entry is in the tree the signed checkpoint describes. A
    /// consistency proof: the signed tree extends the old one (`--checkpoint OLD` supplies the
    /// old tree from a checkpoint you kept; without it the proof's `old_root` is taken as
    /// given). Exit status: 0 the proof holds, 1 it does not (or a checkpoint is not signed
    /// by the key), 2 on errors.
    VerifyProof(LogVerifyProofArgs),
    /// Serve the log read-only over HTTP as C2SP tlog-tiles (`/checkpoint`,
    /// `/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`), for witnesses, monitors and
    /// auditors. `vigil serve --log --serve-log` mounts the same paths on the webhook.
    Serve(LogServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum LogKeyCommand {
    /// Generate the log's Ed25519 note key pair: the signer key (`PRIVATE+KEY+<name>+<id>+…`,
    /// as Go's note package writes it) and the verifier key (`<name>+<id>+…`).
    ///
    /// Without `--output-key-prefix`, writes `log.key` and `log.pub` into vigil's state
    /// directory (`$XDG_STATE_HOME/vigil/`, else `~/.local/state/vigil/`), where every writer
    /// and `vigil log verify` find them; else `PREFIX.key` and `PREFIX.pub`. The name is the
    /// checkpoints' origin line: a log is bound to it.
    Generate(LogKeyGenerateArgs),
}

#[derive(Debug, Args)]
pub struct LogKeyGenerateArgs {
    /// The key name and checkpoint origin, e.g. `vigil.example.com/prod` [default:
    /// `<hostname>/vigil-log`].
    #[arg(long, value_name = "ORIGIN")]
    pub name: Option<String>,

    /// Write `PREFIX.key` and `PREFIX.pub` instead of the state directory's `log.key`/`log.pub`.
    #[arg(long, value_name = "PREFIX")]
    pub output_key_prefix: Option<PathBuf>,

    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line per entry.
    Table,
    /// One JSON entry per line (the stored bytes).
    Json,
}

#[derive(Debug, Args)]
pub struct LogTailArgs {
    #[command(flatten)]
    pub log: LogReadArgs,

    /// Keep waiting for new entries and print them as they are committed.
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Only entries at or after this time: RFC 3339 UTC (`2026-12-01T10:00:00Z`), a date
    /// (`2026-12-01`), or an age (`90s`, `15m`, `2h`, `7d`).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only entries of this kind (admission, policy-test, sign, attest, scan, alert, reload);
    /// repeatable.
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,

    /// Only the last N matching entries (before following).
    #[arg(long, short = 'n', value_name = "N")]
    pub lines: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Table)]
    pub format: LogFormat,
}

#[derive(Debug, Args)]
pub struct LogVerifyArgs {
    #[command(flatten)]
    pub log: LogReadArgs,

    /// An old signed checkpoint (from `vigil log checkpoint`): the log must still contain
    /// exactly the tree it describes, and the current checkpoint must be consistent with it.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,

    /// The log's verifier key (`<name>+<id>+<key>`) [default: `<state dir>/log.pub`, or the
    /// verifier of the signer key writers use].
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Table)]
    pub format: LogFormat,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["index", "entry_hash", "consistency"]))]
pub struct LogProveArgs {
    #[command(flatten)]
    pub log: LogReadArgs,

    /// The entry's index.
    #[arg(value_name = "INDEX")]
    pub index: Option<u64>,

    /// The entry's leaf hash (`SHA-256(0x00 || entry)`, hex or base64) instead of its index.
    #[arg(long, value_name = "HASH")]
    pub entry_hash: Option<String>,

    /// Instead: the consistency proof (RFC 9162 §2.1.4) from the tree of OLD_SIZE entries to
    /// the current checkpoint.
    #[arg(long, value_name = "OLD_SIZE")]
    pub consistency: Option<u64>,
}

#[derive(Debug, Args)]
pub struct LogVerifyProofArgs {
    /// The proof (JSON from `vigil log prove`); `-` reads standard input.
    #[arg(value_name = "PROOF.json")]
    pub proof: PathBuf,

    /// The log's verifier key file.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// For a consistency proof: the old signed checkpoint it must start from.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogServeArgs {
    #[command(flatten)]
    pub log: LogReadArgs,

    /// Address to listen on (plain HTTP; put TLS in front, or use `vigil serve --serve-log`).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Policy file, or directory whose `*.yaml`/`*.yml` files are each loaded (a mounted
    /// ConfigMap; hidden entries skipped). Repeatable; every policy that applies must allow.
    #[arg(long = "policy", value_name = "PATH", required = true)]
    pub policies: Vec<PathBuf>,

    /// PEM certificate chain served to the API server.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// PEM private key of the certificate.
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,

    /// Address to listen on (port 0 picks a free port, logged at start).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,

    /// What checks that cannot be decided (registry unreachable, deadline) do.
    #[arg(long, value_enum, default_value_t = FailureModeArg::Closed)]
    pub failure_mode: FailureModeArg,

    /// Seconds to answer one review (keep below the webhook's timeoutSeconds).
    #[arg(long, value_name = "SECONDS", default_value_t = 9.0)]
    pub timeout: f64,

    /// Seconds a positive verification (digest, signature) is reused.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub cache_ttl: u64,

    /// Seconds a negative verification (not signed) is reused.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub negative_cache_ttl: u64,

    /// Seconds an undecidable check (registry unreachable, deadline) is reused before the
    /// registry is tried again (0: try on every review).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub error_cache_ttl: u64,

    /// Most entries per verification cache.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub cache_size: usize,

    /// Seconds between checks of the policy and certificate files for changes.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub reload_interval: f64,

    /// Seconds in-flight requests get to finish after SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    pub shutdown_grace: u64,

    /// Most open connections; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,

    /// Most concurrent streams per HTTP/2 connection.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_streams: u32,

    /// Most reviews read or decided at once; more are answered HTTP 429 (the API server then
    /// applies the webhook's failurePolicy).
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_reviews: usize,

    /// Most reviews waiting on registries at once; more are answered HTTP 429.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_registry_reviews: usize,

    /// Largest AdmissionReview body (the API server sends objects of at most 3 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = vigil_admission::limits::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// MiB of memory for the reviews being read and decided (bodies and parsed objects); a
    /// review that finds too little free is answered HTTP 429. Keep well under the memory limit.
    #[arg(long, value_name = "MIB", default_value_t = 96)]
    pub review_memory: usize,

    /// Seconds for a TLS handshake and for the headers of a request (also how long an HTTP/1
    /// connection may stay idle).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub header_timeout: f64,

    /// Seconds for the body of a request (never more than --timeout).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub body_timeout: f64,

    /// Seconds an HTTP/2 connection may stay without a request before it is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub idle_timeout: f64,

    #[command(flatten)]
    pub registry: RegistryArgs,

    #[command(flatten)]
    pub log: LogWriteArgs,

    /// With `--log`: also serve the log's tiles and checkpoint (`/checkpoint`, `/tile/…`, and the
    /// same under `/log/`) on the webhook's HTTPS listener, read-only.
    #[arg(long, requires = "log")]
    pub serve_log: bool,

    /// Also be the API server's audit webhook backend: `POST /audit` with an `EventList`,
    /// authenticated by `--audit-token-file`; alerts go to standard output as Falco JSON lines
    /// (and, with `--log`, into the decision log); `/metrics` counts them.
    #[arg(long, requires = "audit_token_file")]
    pub audit: bool,

    /// The bearer token audit senders must present (the webhook kubeconfig's `token`).
    #[arg(long, value_name = "FILE")]
    pub audit_token_file: Option<PathBuf>,

    /// A Falco rules file for `/audit`, after the built-in rules; repeatable.
    #[arg(long = "audit-rules", value_name = "FILE")]
    pub audit_rules: Vec<PathBuf>,

    /// Leave out vigil's built-in audit rules.
    #[arg(long)]
    pub no_builtin_audit_rules: bool,

    /// Drop `/audit` alerts below this priority.
    #[arg(long, value_name = "PRIORITY", default_value = "debug")]
    pub audit_min_priority: String,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Write a private CA and the webhook's serving certificate (ca.crt, tls.crt, tls.key).
    Certs(WebhookCertsArgs),
    /// Print ready-to-apply manifests: Namespace, ServiceAccount, ConfigMap (policies), Secret
    /// (TLS), Deployment, PodDisruptionBudget, Service, Mutating- and
    /// ValidatingWebhookConfiguration.
    #[command(
        after_help = "Example:\n  vigil webhook certs --service vigil --namespace vigil-system --out certs/\n  vigil webhook manifests --service vigil --namespace vigil-system --certs certs/ --policy policy.yaml \\\n    --image ghcr.io/org/vigil:0.1.0@sha256:... | kubectl apply -f -"
    )]
    Manifests(WebhookManifestsArgs),
}

#[derive(Debug, Args)]
pub struct WebhookCertsArgs {
    /// The webhook's Service name.
    #[arg(long, default_value = "vigil")]
    pub service: String,
    /// The namespace it runs in.
    #[arg(long, default_value = "vigil-system")]
    pub namespace: String,
    /// Directory to write ca.crt, tls.crt and tls.key to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Days the certificates are valid.
    #[arg(long, default_value_t = 365)]
    pub days: u64,
    /// Additional DNS name or IP address in the serving certificate (repeatable).
    #[arg(long = "extra-name", value_name = "NAME")]
    pub extra_names: Vec<String>,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct WebhookManifestsArgs {
    /// The webhook's Service name (also the name of the other objects).
    #[arg(long, default_value = "vigil")]
    pub service: String,
    /// The namespace vigil runs in (exempt from the webhooks, with kube-system).
    #[arg(long, default_value = "vigil-system")]
    pub namespace: String,
    /// vigil's container image (pin it by digest in production).
    #[arg(long, default_value = concat!("ghcr.io/vigil-dev/vigil:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// Replicas.
    #[arg(long, default_value_t = 3)]
    pub replicas: u32,
    /// Policy file, or directory whose `*.yaml`/`*.yml` files are each shipped, in the
    /// ConfigMap (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// Directory from `vigil webhook certs` (ca.crt, tls.crt, tls.key) to ship as a Secret
    /// and as the webhooks' caBundle.
    #[arg(long, value_name = "DIR")]
    pub certs: Option<PathBuf>,
    /// caBundle PEM when the Secret comes from elsewhere (cert-manager).
    #[arg(long, value_name = "FILE", conflicts_with = "certs")]
    pub ca_bundle: Option<PathBuf>,
    /// What the API server does when the webhook cannot be reached.
    #[arg(long, value_parser = ["Fail", "Ignore"], default_value = "Fail")]
    pub failure_policy: String,
    /// vigil's own failure mode for undecidable checks.
    #[arg(long, value_enum, default_value_t = FailureModeArg::Closed)]
    pub failure_mode: FailureModeArg,
    /// Webhook timeoutSeconds (1-30).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub timeout: u32,
    /// Another namespace the webhooks never see (repeatable).
    #[arg(long = "exempt-namespace", value_name = "NS")]
    pub exempt_namespaces: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Decide every Pod-bearing object of the manifests as the webhook would, and print each
    /// decision with its reasons.
    ///
    /// The same loader as `vigil lint` reads the manifests (files, directories, `-`); the same
    /// evaluation as `vigil serve` decides (registries, Pod Security, digests, signatures,
    /// attestations, vulnerability limits), talking to registries for image checks. The
    /// namespace of an object is `--namespace`, else its `metadata.namespace`, else `default`.
    ///
    /// Exit status: 0 every object allowed, 1 any denied, 2 on errors (invalid policy file,
    /// unreadable manifest).
    #[command(
        after_help = "Examples:\n  vigil policy test --policy policy.yaml deploy/\n  kubectl create deployment web --image=registry.example.com/team/web:1.0 --dry-run=client -o yaml | vigil policy test --policy policy.yaml -"
    )]
    Test(PolicyTestArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailureModeArg {
    /// Undecidable checks (registry unreachable) deny.
    Closed,
    /// Undecidable checks allow, with a warning.
    Open,
}

#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Policy file, or directory whose `*.yaml`/`*.yml` files are each loaded (a mounted
    /// ConfigMap; hidden entries skipped). Repeatable; every policy that applies must allow.
    #[arg(long = "policy", value_name = "PATH", required = true)]
    pub policies: Vec<PathBuf>,

    /// Manifests to decide; `-` reads standard input.
    #[arg(value_name = "RESOURCE", default_value = ".")]
    pub resources: Vec<PathBuf>,

    /// Namespace for objects without `metadata.namespace` [default: default].
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// What an undecidable check (registry unreachable) does.
    #[arg(long, value_enum, default_value_t = FailureModeArg::Closed)]
    pub failure_mode: FailureModeArg,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    #[command(flatten)]
    pub registry: RegistryArgs,

    #[command(flatten)]
    pub log: LogWriteArgs,
}

/// Who must have signed, for keyless (Fulcio certificate) verification.
#[derive(Debug, Args, Clone, Default)]
pub struct IdentityArgs {
    /// The certificate identity (SAN email or URI) that must have signed.
    #[arg(long, value_name = "ID", conflicts_with = "certificate_identity_regexp")]
    pub certificate_identity: Option<String>,

    /// A regular expression the certificate identity must match (unanchored, as cosign).
    #[arg(long, value_name = "REGEX")]
    pub certificate_identity_regexp: Option<String>,

    /// The OIDC issuer that must have vouched for the identity.
    #[arg(long, value_name = "URL", conflicts_with = "certificate_oidc_issuer_regexp")]
    pub certificate_oidc_issuer: Option<String>,

    /// A regular expression the OIDC issuer must match (unanchored, as cosign).
    #[arg(long, value_name = "REGEX")]
    pub certificate_oidc_issuer_regexp: Option<String>,

    /// Sigstore trusted root (`trusted_root.json`) [default: the embedded public-good root].
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,

    /// For a private test deployment only (such as the local Sigstore mock): also accept Rekor
    /// `dsse` entries in request form (`proposedContent`), which a real Rekor never stores;
    /// vigil then verifies them itself (SET, inclusion proof and checkpoint, certificate, SCT,
    /// identity, signature). Without it such entries are refused.
    #[arg(long, requires = "trusted_root")]
    pub allow_request_form_rekor: bool,
}

#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// Use the Sigstore public-good staging root instead of production (`--trusted-root`, when
    /// also given, wins: the conformance suite passes both).
    #[arg(long)]
    pub staging: bool,

    /// The Sigstore bundle (`.sigstore.json`).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,

    /// Verify a managed-key bundle with this public key (PEM) instead of a certificate identity.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp"])]
    pub key: Option<PathBuf>,

    #[command(flatten)]
    pub identity: IdentityArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,

    /// The artifact file, or `sha256:<hex>`.
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PredicateFrom {
    /// vigil's CycloneDX SBOM of the image (type `cyclonedx`).
    Sbom,
    /// vigil's vulnerability scan of the image as cosign's vuln predicate (type `vuln`).
    Scan,
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    /// The image reference to attest.
    pub image: String,

    /// cosign private key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Predicate JSON file.
    #[arg(long, value_name = "FILE", required_unless_present = "predicate_from", conflicts_with = "predicate_from")]
    pub predicate: Option<PathBuf>,

    /// Build the predicate from vigil's own SBOM or scan of the image instead of a file.
    #[arg(long, value_enum, value_name = "KIND")]
    pub predicate_from: Option<PredicateFrom>,

    /// Predicate type: a cosign short name or a URI [default: custom, or the kind of
    /// --predicate-from].
    #[arg(long = "type", value_name = "TYPE")]
    pub predicate_type: Option<String>,

    /// Platform to catalogue for --predicate-from (multi-platform images).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub platform: String,

    /// With `--predicate-from scan`: also scan every file of every layer (deleted files
    /// included) for secrets with vigil's built-in rules and put the result, secrets redacted,
    /// in the predicate, for policies with `secrets: none`.
    #[arg(long, requires = "predicate_from")]
    pub secrets: bool,

    /// Vulnerability database for --predicate-from scan [default: $VIGIL_DB or ~/.cache/vigil/vuln.db].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,

    #[command(flatten)]
    pub registry: RegistryArgs,

    #[command(flatten)]
    pub log: LogWriteArgs,
}

#[derive(Debug, Args)]
pub struct VerifyAttestationArgs {
    /// The image reference to verify.
    pub image: String,

    /// Public key file (PEM `PUBLIC KEY`). Without it, keyless verification: give the
    /// certificate identity and OIDC issuer (exact or regexp).
    #[arg(long, value_name = "FILE", required_unless_present_any = ["certificate_identity", "certificate_identity_regexp"], conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp", "trusted_root"])]
    pub key: Option<PathBuf>,

    #[command(flatten)]
    pub identity: IdentityArgs,

    /// Only accept this predicate type (cosign short name or URI).
    #[arg(long = "type", value_name = "TYPE")]
    pub predicate_type: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The image reference to sign.
    pub image: String,

    /// cosign private key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Annotation `key=value` added to the payload's `optional` claims (repeatable).
    #[arg(short = 'a', long = "annotations", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,

    #[command(flatten)]
    pub registry: RegistryArgs,

    #[command(flatten)]
    pub log: LogWriteArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// One line per verified signature.
    Table,
    /// vigil's verification JSON (`"version": 1`).
    Json,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The image reference to verify.
    pub image: String,

    /// Public key file (PEM `PUBLIC KEY`). Without it, keyless verification: give the
    /// certificate identity and OIDC issuer (exact or regexp).
    #[arg(long, value_name = "FILE", required_unless_present_any = ["certificate_identity", "certificate_identity_regexp"], conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp", "trusted_root"])]
    pub key: Option<PathBuf>,

    #[command(flatten)]
    pub identity: IdentityArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an ECDSA P-256 key pair in cosign's format: PREFIX.key (encrypted with scrypt +
    /// NaCl secretbox, PEM `ENCRYPTED SIGSTORE PRIVATE KEY`) and PREFIX.pub (SPKI PEM).
    ///
    /// The password comes from VIGIL_PASSWORD, else COSIGN_PASSWORD (an empty value means no
    /// password), else it is asked for twice on the terminal.
    Generate {
        /// File name prefix.
        #[arg(long, value_name = "PREFIX", default_value = "cosign")]
        output_key_prefix: String,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// What to scan.
    pub target: String,

    /// Exit 1 when an unsuppressed finding at or above this severity exists (with --secrets,
    /// every secret found counts as `high`).
    #[arg(long, value_name = "SEVERITY", value_parser = ["low", "medium", "high", "critical"])]
    pub fail_on: Option<String>,

    /// Leave out findings that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,

    /// Also look for secrets in every file of every layer (deleted files included) with vigil's
    /// built-in secret rules; they are added to the report (redacted: first 4 characters, then
    /// `…`), and count as high severity for `--fail-on`. Needs an image target, not `sbom:FILE`.
    #[arg(long)]
    pub secrets: bool,

    /// OpenVEX or CycloneDX VEX document whose statements suppress findings (repeatable).
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// Vulnerability database [default: $VIGIL_DB or ~/.cache/vigil/vuln.db].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Warn when the database was last updated more than this many days ago.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub max_db_age: u64,

    /// Platform to choose from a multi-platform image.
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,

    /// Print nothing on standard error but errors.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,

    #[command(flatten)]
    pub log: LogWriteArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Findings sorted by severity, with fixed versions.
    Table,
    /// vigil's scan JSON (`"version": 1`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// CycloneDX 1.6 with a `vulnerabilities` section.
    Cyclonedx,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,

    /// Vulnerability database [default: $VIGIL_DB or ~/.cache/vigil/vuln.db].
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import OSV records: JSON files, directories of them (also pypa YAML) and OSV `all.zip`
    /// files. Newer `modified` wins; bad records are reported and skipped.
    Import {
        /// Files or directories.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Download OSV `all.zip` exports from a mirror and import them. Unchanged exports cost one
    /// conditional request; the database file is replaced only after a successful import.
    ///
    /// Updates the ecosystems named with `--ecosystem`, or else every ecosystem already in the
    /// database. Exit status: 0 when every ecosystem was updated or unchanged, 2 otherwise.
    #[command(
        after_help = "Examples:\n  vigil db update --ecosystem crates.io --ecosystem PyPI --ecosystem Debian:12\n  vigil db update\n  vigil db update --mirror https://osv-mirror.corp.example"
    )]
    Update {
        /// Base URL serving `<ecosystem>/all.zip` [default: https://osv-vulnerabilities.storage.googleapis.com].
        #[arg(long, value_name = "URL")]
        mirror: Option<String>,
        /// Ecosystem to update, spelled as OSV does (`crates.io`, `PyPI`, `Debian:12`) (repeatable).
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Show ecosystems, record counts, last update and schema version.
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// vigil's JSON (`"version": 1`).
    Json,
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// A package table for people.
    Table,
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// What to catalogue (see above).
    pub target: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SbomFormat::Json)]
    pub format: SbomFormat,

    /// Write the SBOM to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Platform to choose from a multi-platform image, `os/arch[/variant]`.
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,

    /// Print nothing on standard error (no summary).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach a registry.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// Talk to the registry over plain HTTP (never the default).
    #[arg(long)]
    pub plain_http: bool,

    /// Accept invalid TLS certificates from the registry (never the default).
    #[arg(long)]
    pub insecure: bool,

    /// Registry user name; the password is read from VIGIL_REGISTRY_PASSWORD, or from standard
    /// input with --password-stdin. Without it, credentials come from Docker's config file
    /// (REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or ~/.docker/config.json), else anonymous.
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,

    /// Read the registry password from standard input.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,

    /// Docker config file to read registry credentials from.
    #[arg(long, value_name = "FILE")]
    pub auth_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable, grouped by file, with a code frame at each finding.
    Table,
    /// vigil's stable JSON report (`"version": 1`).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Pod Security Standards profile, `LEVEL[:VERSION]`: level `privileged`, `baseline` or
    /// `restricted`; version `v1.0` … `v1.37` or `latest`. [default: restricted:latest]
    #[arg(long, value_name = "LEVEL[:VERSION]")]
    pub pss: Option<String>,

    /// Allow images only from registries matching this glob (repeatable), e.g. `ghcr.io`,
    /// `*.corp.example`, `docker.io/library/*`. Enables `image/untrusted-registry`.
    #[arg(long = "allowed-registry", value_name = "GLOB")]
    pub allowed_registries: Vec<String>,

    /// Only run these rules or families (repeatable, comma-separated), e.g. `pss`, `image/latest-tag`.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Skip these rules or families (repeatable, comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Configuration file [default: `.vigil.yaml` or `vigil.yaml` in the current directory, if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// When to use colour in table output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Largest input file accepted, in MiB (bigger files are reported as errors).
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,

    /// Output format for the list.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print a rule's documentation.
    Explain {
        /// Rule ID, e.g. `pss/hostPorts`.
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    /// The Markdown of `docs/rules.md`.
    Md,
}
