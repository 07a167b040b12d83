//! Parser cases with exact positions, and the manifests corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_dockerfile::{Args, Keyword, Pos, expand, parse};

fn lc(p: Pos) -> (u32, u32) {
    (p.line, p.col)
}

fn shell(df: &vigil_dockerfile::Dockerfile, i: usize) -> &vigil_dockerfile::Text {
    df.instructions[i].args.shell().expect("shell form")
}

#[test]
fn continuation_positions_map_back() {
    let src = "FROM alpine\nRUN apk add \\\n    curl \\  \n# a comment\n\n    git\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let t = shell(&df, 1);
    assert_eq!(t.value, "apk add     curl     git");
    let curl = t.value.find("curl").unwrap();
    assert_eq!(lc(t.pos(curl)), (3, 5));
    assert_eq!(&src[t.pos(curl).offset..t.pos(curl).offset + 4], "curl");
    let git = t.value.find("git").unwrap();
    assert_eq!(lc(t.pos(git)), (6, 5));
    assert_eq!(&src[t.pos(git).offset..t.pos(git).offset + 3], "git");
    assert_eq!(df.instructions[1].end_line, 6);
    assert_eq!(df.comments, vec![(Pos::new(4, 1, src.find('#').unwrap()), "a comment".to_string())]);
    // Every byte maps back to the same byte of the source.
    for (b, ch) in t.value.char_indices() {
        let p = t.pos(b);
        assert_eq!(src[p.offset..].chars().next(), Some(ch), "byte {b}");
    }
}

#[test]
fn windows_escape_directive() {
    let src = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir C:\\ `\n  && echo ok\n";
    let df = parse(src);
    assert_eq!(df.escape, '`');
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let t = shell(&df, 1);
    assert_eq!(t.value, "dir C:\\   && echo ok");
    let echo = t.value.find("echo").unwrap();
    assert_eq!(lc(t.pos(echo)), (4, 6));
    assert_eq!(df.comments[0].1, "escape=`");
}

#[test]
fn directives_only_at_top_and_case_insensitive() {
    let df = parse("# SYNTAX = docker/dockerfile:1.7\n#Escape=`\nFROM a\n");
    assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1.7"));
    assert_eq!(df.escape, '`');
    let df = parse("# hello\n# escape=`\nFROM a\n");
    assert_eq!(df.escape, '\\');
    let df = parse("\n# escape=`\nFROM a\n");
    assert_eq!(df.escape, '\\');
    let df = parse("FROM a\n# syntax=x\n");
    assert_eq!(df.syntax, None);
    let df = parse("# escape=x\nFROM a\n");
    assert_eq!(lc(df.errors[0].pos), (1, 1));
}

#[test]
fn escaped_escape_is_not_a_continuation() {
    let df = parse("FROM a\nRUN echo \\\\\nRUN b\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(shell(&df, 1).value, "echo \\\\");
}

#[test]
fn heredocs() {
    let src = "FROM a\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nRUN echo done\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    let h = &run.heredocs[0];
    assert_eq!(h.delimiter, "EOF");
    assert!(!h.quoted && !h.strip_tabs);
    assert_eq!(lc(h.pos), (2, 5));
    assert_eq!(h.body.value, "apt-get update\napt-get install -y curl\n");
    let curl = h.body.value.find("curl").unwrap();
    assert_eq!(lc(h.body.pos(curl)), (4, 20));
    assert_eq!(run.end_line, 5);
    assert_eq!(df.instructions[2].pos.line, 6);
}

#[test]
fn several_heredocs_and_strip_tabs_and_quotes() {
    let src = "FROM a\nRUN <<A cat - <<-\"B\"\none\nA\n\t\ttwo\n\tB\nCOPY <<'EOF' /dest\n$NOT\nEOF\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 2);
    assert_eq!(run.heredocs[0].body.value, "one\n");
    assert_eq!(run.heredocs[1].delimiter, "B");
    assert!(run.heredocs[1].strip_tabs && run.heredocs[1].quoted);
    assert_eq!(run.heredocs[1].body.value, "two\n");
    assert_eq!(lc(run.heredocs[1].body.start()), (5, 3));
    assert_eq!(lc(run.heredocs[1].pos), (2, 15));
    let copy = &df.instructions[2];
    assert_eq!(copy.keyword, Keyword::Copy);
    assert!(copy.heredocs[0].quoted);
    assert_eq!(copy.heredocs[0].body.value, "$NOT\n");
    assert_eq!(lc(copy.pos), (7, 1));
    assert_eq!(copy.end_line, 9);
}

#[test]
fn heredoc_only_for_run_copy_add_and_not_in_json() {
    let df = parse("FROM a\nCMD <<EOF\nRUN [\"sh\", \"<<EOF\"]\nRUN echo x\n");
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    assert_eq!(df.instructions.len(), 4);
}

#[test]
fn unterminated_heredoc_names_delimiter_and_line() {
    let df = parse("FROM a\nRUN <<END\necho hi\n");
    assert_eq!(df.errors.len(), 1);
    let e = &df.errors[0];
    assert_eq!(lc(e.pos), (2, 5));
    assert!(e.message.contains("END") && e.message.contains("line 2"), "{}", e.message);
}

#[test]
fn json_and_shell_forms() {
    let src =
        "FROM a\nCMD [\"echo\", \"a\\\"b\", \"c\"]\nENTRYPOINT [not json]\nRUN [\"a\", 1]\nSHELL [\"pwsh\", \"-c\"]\n";
    let df = parse(src);
    let Args::Exec(v) = &df.instructions[1].args else { panic!("exec") };
    assert_eq!(v.iter().map(|t| t.value.as_str()).collect::<Vec<_>>(), ["echo", "a\"b", "c"]);
    assert_eq!(lc(v[0].start()), (2, 7));
    assert_eq!(lc(v[2].start()), (2, 23));
    assert_eq!(shell(&df, 2).value, "[not json]");
    assert_eq!(df.errors.len(), 1);
    assert_eq!(lc(df.errors[0].pos), (4, 5));
    assert!(df.instructions[4].args.is_exec());
}

#[test]
fn flags() {
    let src = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nCOPY --from=build --chown=1:1 --link /a /b\nRUN --mount=type=cache,target=/root/.cache --network=none go build\nADD --checksum=sha256:abc https://x/y /z\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let from = &df.instructions[0];
    assert_eq!(from.flags[0].name, "platform");
    assert_eq!(from.flags[0].value.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(lc(from.flags[0].pos), (1, 6));
    assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    let copy = &df.instructions[1];
    let names: Vec<_> = copy.flags.iter().map(|f| (f.name.as_str(), f.value.as_deref())).collect();
    assert_eq!(names, [("from", Some("build")), ("chown", Some("1:1")), ("link", None)]);
    assert_eq!(shell(&df, 1).value, "/a /b");
    assert_eq!(lc(shell(&df, 1).start()), (2, 38));
    let run = &df.instructions[2];
    assert_eq!(run.flag("mount").unwrap().value.as_deref(), Some("type=cache,target=/root/.cache"));
    assert_eq!(run.flag("network").unwrap().value.as_deref(), Some("none"));
    assert_eq!(shell(&df, 2).value, "go build");
    assert_eq!(df.instructions[3].flag("checksum").unwrap().value.as_deref(), Some("sha256:abc"));
}

#[test]
fn healthcheck_and_onbuild() {
    let src = "FROM a\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/\nHEALTHCHECK CMD [\"curl\", \"-f\"]\nONBUILD RUN make \\\n  install\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let hc = &df.instructions[1];
    assert_eq!(hc.flag("interval").unwrap().value.as_deref(), Some("30s"));
    assert_eq!(shell(&df, 1).value, "CMD curl -f http://localhost/");
    assert_eq!(df.instructions[2].args.exec().unwrap().len(), 2);
    let ob = &df.instructions[3];
    assert_eq!(ob.keyword, Keyword::Onbuild);
    let inner = ob.onbuild.as_deref().unwrap();
    assert_eq!(inner.keyword, Keyword::Run);
    assert_eq!(lc(inner.pos), (4, 9));
    let t = inner.args.shell().unwrap();
    assert_eq!(t.value, "make   install");
    assert_eq!(lc(t.pos(t.value.find("install").unwrap())), (5, 3));
    assert_eq!(ob.end_line, 5);
}

#[test]
fn stages_and_global_args() {
    let src = "ARG BASE=debian\nARG TAG=${BASE}-slim\nFROM ${BASE}:${TAG} AS Builder\nARG TAG\nENV GREETING=hi-$TAG\nRUN echo\nFROM builder\nRUN echo again\nFROM scratch\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.stages.len(), 3);
    let s0 = &df.stages[0];
    assert_eq!(s0.name.as_deref(), Some("builder"));
    assert_eq!(s0.base, "${BASE}:${TAG}");
    assert_eq!(s0.base_expanded, "debian:debian-slim");
    assert_eq!(s0.instruction, 2);
    assert_eq!(df.instructions[0].stage, None);
    assert_eq!(df.instructions[5].stage, Some(0));
    assert_eq!(df.instructions[7].stage, Some(1));
    let vars = df.vars_at(5);
    assert_eq!(vars("TAG").as_deref(), Some("debian-slim"));
    assert_eq!(vars("GREETING").as_deref(), Some("hi-debian-slim"));
    assert_eq!(vars("BASE"), None, "global ARG not redeclared in the stage");
    assert_eq!(expand("$GREETING!", &vars), "hi-debian-slim!");
    // ENV is inherited by a stage built FROM an earlier stage; ARGs are not.
    let vars = df.vars_at(7);
    assert_eq!(vars("GREETING").as_deref(), Some("hi-debian-slim"));
    assert_eq!(vars("TAG"), None);
    assert_eq!(df.vars_at(8)("GREETING"), None);
    assert_eq!(df.stage_named("BUILDER").map(|s| s.index), Some(0));
    assert_eq!(df.stage_of(8).map(|s| s.base.as_str()), Some("scratch"));
}

#[test]
fn key_values_forms() {
    let df =
        parse("FROM a\nENV A=1 B=\"two words\" C=x\\ y\nENV LEGACY value with spaces\nARG X Y=2\nLABEL \"k.a\"=v\n");
    let kv = |i: usize| df.instructions[i].key_values().into_iter().map(|k| (k.key, k.value)).collect::<Vec<_>>();
    assert_eq!(
        kv(1),
        [("A".into(), Some("1".into())), ("B".into(), Some("two words".into())), ("C".into(), Some("x y".into()))]
    );
    assert_eq!(kv(2), [("LEGACY".into(), Some("value with spaces".into()))]);
    assert_eq!(kv(3), [("X".into(), None), ("Y".into(), Some("2".into()))]);
    assert_eq!(kv(4), [("k.a".into(), Some("v".into()))]);
    assert_eq!(lc(df.instructions[1].key_values()[1].pos), (2, 9));
}

#[test]
fn lower_case_unknown_and_malformed_lines() {
    let src = "from alpine\nrun echo hi\nFOO bar\n  && not an instruction\nRUN ok\n";
    let df = parse(src);
    assert_eq!(df.instructions.len(), 5);
    assert_eq!(df.instructions[0].keyword, Keyword::From);
    assert_eq!(df.instructions[1].name, "run");
    assert_eq!(df.instructions[2].keyword, Keyword::Unknown);
    assert_eq!(df.errors.len(), 2, "{:?}", df.errors);
    assert_eq!(lc(df.errors[0].pos), (3, 1));
    assert!(df.errors[0].message.contains("FOO"));
    assert_eq!(lc(df.errors[1].pos), (4, 3));
    assert_eq!(df.instructions[4].keyword, Keyword::Run);
}

#[test]
fn bad_from_and_env() {
    let df = parse("FROM a b\nENV ONLYKEY\nENV A=1 junk\n");
    assert_eq!(df.errors.len(), 3, "{:?}", df.errors);
    assert_eq!(lc(df.errors[0].pos), (1, 8));
    assert_eq!(lc(df.errors[1].pos), (2, 1));
    assert_eq!(lc(df.errors[2].pos), (3, 9));
}

#[test]
fn unterminated_continuation_at_eof_is_fine() {
    let df = parse("FROM a\nRUN echo \\");
    assert!(df.errors.is_empty());
    assert_eq!(shell(&df, 1).value, "echo");
}

#[test]
fn crlf_and_bom() {
    let src = "\u{feff}FROM a\r\nRUN echo \\\r\n  b\r\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions[0].pos, Pos::new(1, 1, 3));
    let t = shell(&df, 1);
    assert_eq!(t.value, "echo   b");
    assert_eq!(t.pos(t.value.len() - 1), Pos::new(3, 3, src.rfind('b').unwrap()));
}

#[test]
fn limits() {
    let big = "RUN x\n".repeat(800_000);
    let df = parse(&big);
    assert_eq!(df.instructions.len(), 0);
    assert!(df.errors[0].message.contains("larger than"));
    let many = "RUN x\n".repeat(100_001);
    let df = parse(&many);
    assert_eq!(df.instructions.len(), 100_000);
    assert_eq!(df.errors.len(), 1);
    assert_eq!(df.errors[0].pos.line, 100_001);
}

#[test]
fn dockerfile_detection() {
    use std::path::Path;
    for p in ["Dockerfile", "a/Dockerfile.dev", "x.Dockerfile", "x.dockerfile", "Containerfile", "Containerfile.ci"] {
        assert!(vigil_dockerfile::is_dockerfile_path(Path::new(p)), "{p}");
    }
    for p in ["dockerfile.txt", "Dockerfiles", ".dockerfile", "README.md"] {
        assert!(!vigil_dockerfile::is_dockerfile_path(Path::new(p)), "{p}");
    }
    assert!(vigil_dockerfile::looks_like_dockerfile("# syntax=docker/dockerfile:1\nARG X\nFROM a\n"));
    assert!(!vigil_dockerfile::looks_like_dockerfile("RUN a\nFROM b\n"));
}

/// The 61 Dockerfiles of the manifests corpus all parse without syntax errors.
#[test]
fn corpus_manifests_parse() {
    let root = match std::env::var("VIGIL_CORPORA") {
        Ok(r) => std::path::PathBuf::from(r),
        Err(_) if std::path::Path::new("/work/shared/corpora").is_dir() => "/work/shared/corpora".into(),
        Err(_) => panic!("corpus test needs the corpora: set VIGIL_CORPORA (e.g. /work/shared/corpora)"),
    };
    let mut files = Vec::new();
    let mut stack = vec![root.join("manifests")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if name.starts_with("Dockerfile") || name.ends_with(".Dockerfile") || name.ends_with(".dockerfile") {
                    files.push(path);
                }
            }
        }
    }
    assert_eq!(files.len(), 61, "Dockerfiles under {}/manifests", root.display());
    files.sort();
    let mut failures = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let df = parse(&text);
        if df.instructions.is_empty() {
            failures.push(format!("{}: no instructions", f.display()));
        }
        for e in &df.errors {
            let rel = f.strip_prefix(&root).unwrap().display().to_string();
            errors.push(format!("{rel}:{}:{}: {}", e.pos.line, e.pos.col, e.message));
        }
        for ins in &df.instructions {
            assert!(ins.pos.offset < text.len());
            assert!(ins.end_line as usize <= text.lines().count().max(1));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Syntax errors that BuildKit reports too (junk lines in the peers' test fixtures).
    assert_eq!(errors, EXPECTED_CORPUS_ERRORS, "{}", errors.join("\n"));
}

const EXPECTED_CORPUS_ERRORS: &[&str] = &[
    "manifests/checkov/tests/dockerfile/checks/example_UpdateNotAlone/failure/Dockerfile:12:1: unknown instruction: ~",
];
