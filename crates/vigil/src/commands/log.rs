//! `vigil log …`, and the `--log` of the writers (policy test, sign, attest, scan).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use vigil_log::{Draft, Kind, Target, Writer, WriterOptions, keys};

use crate::cli::{
    LogCommand, LogFormat, LogKeyCommand, LogProveArgs, LogReadArgs, LogServeArgs, LogTailArgs, LogVerifyArgs,
    LogVerifyProofArgs, LogWriteArgs,
};

/// The store a `--log` value names (empty: the default file).
pub fn target_of(value: Option<&str>) -> Result<Target> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => Ok(Target::parse(v)),
        None => Ok(Target::Sqlite(keys::default_log()?)),
    }
}

/// A writer for a command's `--log`, or `None` without it. Opened before the command acts,
/// so that a missing key fails before anything is signed or decided.
pub fn open_writer(args: &LogWriteArgs) -> Result<Option<Writer>> {
    let Some(value) = args.log.as_deref() else { return Ok(None) };
    let target = target_of(Some(value))?;
    let signer = keys::load_signer(args.log_key.as_deref())?;
    let writer = Writer::open(&target, signer, WriterOptions::default())
        .with_context(|| format!("opening the decision log {}", target.display()))?;
    Ok(Some(writer))
}

/// Records drafts and waits for all of them; says where they went.
pub fn record(writer: Option<Writer>, drafts: Vec<Draft>) -> Result<()> {
    let Some(writer) = writer else { return Ok(()) };
    let pending: Vec<_> = drafts.into_iter().map(|d| writer.append(d)).collect();
    let mut indices = Vec::with_capacity(pending.len());
    for p in pending {
        indices.push(p.wait().with_context(|| format!("recording in {}", writer.target()))?);
    }
    let target = writer.target().to_owned();
    writer.close();
    match (indices.first(), indices.last()) {
        (Some(first), Some(last)) if first == last => eprintln!("logged entry {first} in {target}"),
        (Some(first), Some(last)) => eprintln!("logged entries {first}..={last} in {target}"),
        _ => {}
    }
    Ok(())
}

fn local(kind: Kind, result: &str) -> Draft {
    let mut draft = Draft::new(kind, result);
    draft.actor = vigil_log::entry::local_actor();
    draft
}

/// The entry of a `vigil sign`.
pub fn sign_draft(image: &str, digest: &str, tag: &str, key: &Path) -> Draft {
    let mut draft = local(Kind::Sign, "signed");
    draft.subject = json!({"image": image, "digest": digest});
    draft.details.insert("signature_tag".into(), Value::String(tag.into()));
    draft.details.insert("key".into(), Value::String(key.display().to_string()));
    draft
}

/// The entry of a `vigil attest`.
pub fn attest_draft(image: &str, digest: &str, predicate_type: &str, tag: &str, key: &Path) -> Draft {
    let mut draft = local(Kind::Attest, "attested");
    draft.subject = json!({"image": image, "digest": digest});
    draft.details.insert("predicate_type".into(), Value::String(predicate_type.into()));
    draft.details.insert("attestation_tag".into(), Value::String(tag.into()));
    draft.details.insert("key".into(), Value::String(key.display().to_string()));
    draft
}

/// The entry of a `vigil scan`: `fail` when `--fail-on` was reached, else `pass`; one reason
/// per unsuppressed finding.
pub fn scan_draft(
    target: &str,
    source: &vigil_sbom::SourceInfo,
    findings: &[&vigil_vuln::matcher::VulnFinding],
    fail_on: Option<&str>,
    failing: bool,
    database_updated: Option<&str>,
) -> Draft {
    let mut draft = local(Kind::Scan, if failing { "fail" } else { "pass" });
    let mut subject = json!({"target": target, "kind": source.kind});
    if let Some(d) = &source.manifest_digest {
        subject["digest"] = Value::String(d.clone());
    }
    if let Some(p) = &source.platform {
        subject["platform"] = Value::String(p.clone());
    }
    draft.subject = subject;
    draft.reasons = findings
        .iter()
        .map(|f| {
            format!("{} {} in {} {} ({})", f.severity, f.id, f.package.name, f.package.version, f.package.ecosystem)
        })
        .collect();
    draft.details.insert("vulnerabilities".into(), Value::from(findings.len()));
    if let Some(t) = fail_on {
        draft.details.insert("fail_on".into(), Value::String(t.into()));
    }
    if let Some(u) = database_updated {
        draft.details.insert("database_updated".into(), Value::String(u.into()));
    }
    draft
}

pub fn run(command: LogCommand) -> Result<ExitCode> {
    match command {
        LogCommand::Key(LogKeyCommand::Generate(args)) => {
            let name = args.name.unwrap_or_else(keys::default_name);
            let files = keys::generate(&name, args.output_key_prefix.as_deref(), args.force)?;
            eprintln!(
                "wrote the log signer key {} (keep it secret) and verifier key {} for origin `{}`",
                files.private.display(),
                files.public.display(),
                files.name
            );
            println!("{}", files.verifier);
            Ok(ExitCode::SUCCESS)
        }
        LogCommand::Tail(args) => tail(&args),
        LogCommand::Verify(args) => verify(&args),
        LogCommand::Prove(args) => prove(&args),
        LogCommand::Checkpoint(args) => checkpoint(&args),
        LogCommand::VerifyProof(args) => verify_proof(&args),
        LogCommand::Serve(args) => serve(&args),
    }
}

fn open_read(args: &LogReadArgs) -> Result<(Target, Box<dyn vigil_log::store::Backend>)> {
    let target = target_of(args.log.as_deref())?;
    let backend = vigil_log::store::open_existing(&target).with_context(|| format!("opening {}", target.display()))?;
    Ok((target, backend))
}

fn checkpoint(args: &LogReadArgs) -> Result<ExitCode> {
    let (target, mut backend) = open_read(args)?;
    let note = backend.reader()?.latest_checkpoint()?;
    let Some(note) = note else { bail!("{}: the log is empty, it has no checkpoint yet", target.display()) };
    print!("{note}");
    Ok(ExitCode::SUCCESS)
}

fn prove(args: &LogProveArgs) -> Result<ExitCode> {
    let (target, mut backend) = open_read(&args.log)?;
    if let Some(old) = args.consistency {
        let mut reader = backend.reader()?;
        let proof = vigil_log::proof::prove_consistency(&mut *reader, old).with_context(|| target.display())?;
        println!("{}", serde_json::to_string_pretty(&proof)?);
        return Ok(ExitCode::SUCCESS);
    }
    let which = match (&args.index, &args.entry_hash) {
        (Some(i), _) => vigil_log::proof::Target::Index(*i),
        (None, Some(h)) => vigil_log::proof::Target::LeafHash(
            vigil_log::proof::parse_hash(h).map_err(|e| anyhow::anyhow!("--entry-hash: {e}"))?,
        ),
        (None, None) => bail!("give an INDEX or --entry-hash HASH"),
    };
    let mut reader = backend.reader()?;
    let proof = vigil_log::proof::prove(&mut *reader, &which).with_context(|| target.display())?;
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(ExitCode::SUCCESS)
}

fn verify_proof(args: &LogVerifyProofArgs) -> Result<ExitCode> {
    let verifier = keys::load_verifier(args.key.as_deref())?;
    let bytes = if args.proof.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin().lock(), vigil_log::proof::MAX_PROOF_BYTES as u64 + 1),
            &mut buf,
        )?;
        buf
    } else {
        let meta = std::fs::metadata(&args.proof).with_context(|| format!("reading {}", args.proof.display()))?;
        if meta.len() > vigil_log::proof::MAX_PROOF_BYTES as u64 {
            bail!(
                "{}: {} bytes, a proof is at most {}",
                args.proof.display(),
                meta.len(),
                vigil_log::proof::MAX_PROOF_BYTES
            );
        }
        std::fs::read(&args.proof).with_context(|| format!("reading {}", args.proof.display()))?
    };
    let consistency = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .is_some_and(|v| v.get("type").and_then(Value::as_str) == Some("consistency"));
    if consistency {
        let old = match &args.checkpoint {
            Some(path) => Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?),
            None => None,
        };
        return match vigil_log::proof::verify_consistency_proof(&bytes, &verifier, old.as_deref()) {
            Ok(checked) => {
                println!(
                    "OK: the log `{}` of size {} extends the tree of size {}{}",
                    checked.origin,
                    checked.tree_size,
                    checked.old_size,
                    if checked.old_root_signed {
                        " (old root from the signed old checkpoint)"
                    } else {
                        " (old root as stated in the proof; pass --checkpoint OLD to check it against a checkpoint you kept)"
                    }
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(vigil_log::proof::ProofFileError::Invalid(why)) => {
                eprintln!("FAILED: {}: {why}", args.proof.display());
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        };
    }
    match vigil_log::proof::verify_proof(&bytes, &verifier) {
        Ok(checked) => {
            println!(
                "OK: entry {} (leaf {}) is in the log `{}` of size {}",
                checked.index, checked.leaf_hash, checked.origin, checked.tree_size
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(vigil_log::proof::ProofFileError::Invalid(why)) => {
            eprintln!("FAILED: {}: {why}", args.proof.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

fn verify(args: &LogVerifyArgs) -> Result<ExitCode> {
    let verifier = keys::load_verifier(args.key.as_deref())?;
    let old = match &args.checkpoint {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?),
        None => None,
    };
    let (target, mut backend) = open_read(&args.log)?;
    let started = std::time::Instant::now();
    let report = {
        let mut reader = backend.reader()?;
        vigil_log::verify::verify(&mut *reader, &verifier, old.as_deref()).with_context(|| target.display())?
    };
    let elapsed = started.elapsed();
    match args.format {
        LogFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        LogFormat::Table => {
            for p in &report.problems {
                match p.index {
                    Some(i) => println!("BAD entry {i}: {}", p.message),
                    None => println!("BAD: {}", p.message),
                }
            }
            if report.ok() {
                println!(
                    "OK: {} entries, checkpoint of size {} (root {}) verifies with key `{}`{}",
                    report.entries,
                    report.size,
                    report.root,
                    verifier.name(),
                    report
                        .old_size
                        .map(|s| format!("; consistent with the old checkpoint of size {s}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    eprintln!(
        "checked {} entries and {} checkpoints in {:.2} s",
        report.entries,
        report.checkpoints,
        elapsed.as_secs_f64()
    );
    if report.ok() {
        Ok(ExitCode::SUCCESS)
    } else {
        let first = report.problems.first().and_then(|p| p.index);
        eprintln!(
            "error: {} does not verify{}",
            target.display(),
            first.map(|i| format!(": first bad entry {i}")).unwrap_or_default()
        );
        Ok(ExitCode::from(1))
    }
}

fn tail(args: &LogTailArgs) -> Result<ExitCode> {
    let kinds: Vec<Kind> = args
        .kind
        .iter()
        .map(|k| {
            Kind::parse(k).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind `{k}`: one of {}",
                    Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect::<Result<_>>()?;
    let since = match &args.since {
        Some(s) => Some(normalise_time(s).ok_or_else(|| {
            anyhow::anyhow!(
                "--since `{s}`: give an RFC 3339 UTC time (2026-12-01T10:00:00Z), a date, or an age (15m, 2h, 7d)"
            )
        })?),
        None => None,
    };
    let (_, mut backend) = open_read(&args.log)?;
    let keep = |body: &[u8]| -> Option<Value> {
        let parsed = vigil_log::entry::parse(body).ok()?;
        if !kinds.is_empty() && !kinds.iter().any(|k| parsed.kind.as_deref() == Some(k.as_str())) {
            return None;
        }
        if let Some(since) = &since
            && parsed.time.as_deref().is_none_or(|t| t < since.as_str())
        {
            return None;
        }
        Some(parsed.value)
    };
    let mut next = 0u64;
    let size = backend.reader()?.size()?;
    let mut selected = std::collections::VecDeque::new();
    while next < size {
        let stop = (next + 4096).min(size);
        for (index, body) in backend.reader()?.entries(next, stop)? {
            if let Some(value) = keep(&body) {
                selected.push_back((index, body, value));
                if let Some(n) = args.lines
                    && selected.len() > n
                {
                    selected.pop_front();
                }
            }
        }
        next = stop;
    }
    let mut out = std::io::stdout().lock();
    for (index, body, value) in &selected {
        print_entry(&mut out, args.format, *index, body, value)?;
    }
    out.flush()?;
    if !args.follow {
        return Ok(ExitCode::SUCCESS);
    }
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let size = backend.reader()?.size()?;
        while next < size {
            let stop = (next + 4096).min(size);
            for (index, body) in backend.reader()?.entries(next, stop)? {
                if let Some(value) = keep(&body) {
                    print_entry(&mut out, args.format, index, &body, &value)?;
                }
            }
            next = stop;
        }
        out.flush()?;
    }
}

/// `--since`: an RFC 3339 UTC time (`2026-12-01T10:00:00Z`, fractions allowed), a date
/// (`2026-12-01`, midnight UTC), or an age (`90s`, `15m`, `2h`, `7d`), normalised to the
/// entries' form (milliseconds, `Z`) so that times compare as strings.
fn normalise_time(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(unit) = s.chars().last().filter(|c| matches!(c, 's' | 'm' | 'h' | 'd'))
        && let Ok(n) = s[..s.len() - 1].parse::<i64>()
    {
        let seconds = n.checked_mul(match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => 86_400,
        })?;
        let at = vigil_core::time::rfc3339(vigil_core::time::now_unix().checked_sub(seconds)?);
        return Some(format!("{}.000Z", at.trim_end_matches('Z')));
    }
    let bytes = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|b| b.iter().all(u8::is_ascii_digit));
    let date_ok =
        digits(0..4) && bytes.get(4) == Some(&b'-') && digits(5..7) && bytes.get(7) == Some(&b'-') && digits(8..10);
    if !date_ok {
        return None;
    }
    if s.len() == 10 {
        return Some(format!("{s}T00:00:00.000Z"));
    }
    let time_ok = matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16)
        && bytes.get(16) == Some(&b':')
        && digits(17..19);
    let rest = s.get(19..)?;
    let rest = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z'))?;
    let millis = match rest.strip_prefix('.') {
        None if rest.is_empty() => "000".to_owned(),
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => format!("{:0<3}", &f[..f.len().min(3)]),
        _ => return None,
    };
    time_ok.then(|| format!("{}T{}.{millis}Z", &s[..10], &s[11..19]))
}

fn print_entry(out: &mut impl std::io::Write, format: LogFormat, index: u64, body: &[u8], value: &Value) -> Result<()> {
    match format {
        LogFormat::Json => {
            out.write_all(body)?;
            out.write_all(b"\n")?;
        }
        LogFormat::Table => {
            let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
            let subject = &value["subject"];
            let what = if subject.get("kind").is_some() && subject.get("name").is_some() {
                format!("{}/{} ns={}", text(&subject["kind"]), text(&subject["name"]), text(&subject["namespace"]))
            } else if let Some(image) = subject.get("image").or_else(|| subject.get("target")) {
                text(image)
            } else {
                subject.to_string()
            };
            let actor =
                value["actor"].get("username").or_else(|| value["actor"].get("user")).map(text).unwrap_or_default();
            writeln!(
                out,
                "{index:>8} {} {:<11} {:<8} {} {}",
                text(&value["time"]),
                text(&value["kind"]),
                text(&value["decision"]["result"]),
                what,
                if actor.is_empty() { String::new() } else { format!("by {actor}") }
            )?;
            if let Some(reasons) = value["decision"]["reasons"].as_array() {
                for r in reasons {
                    writeln!(out, "         - {}", text(r))?;
                }
            }
        }
    }
    Ok(())
}

fn serve(args: &LogServeArgs) -> Result<ExitCode> {
    let target = target_of(args.log.log.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let shown = target.display();
    runtime
        .block_on(vigil_log::http::serve(
            &target,
            args.listen,
            |addr| eprintln!("serving the log {shown} as tlog-tiles on http://{addr}/ (checkpoint, tile/…)"),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        ))
        .map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}
