//! Hostile input: the parser and the shell splitter never panic, positions stay inside the
//! input, and they finish quickly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vigil_dockerfile::{Dockerfile, parse, shell};

const REAL: &str = "# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM ${BASE}:3.20 AS build\nRUN --mount=type=cache,target=/var/cache/apk apk add \\\n    curl \\\n    # comment\n    git\nCOPY --from=build --chown=1:1 <<EOF /etc/x\nhello\nEOF\nRUN <<-A <<'B'\n\tone\n\tA\ntwo\nB\nCMD [\"sh\", \"-c\", \"echo \\u00e9\"]\nHEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\nONBUILD RUN echo \"$X\"\nENV A=1 B=\"2 3\"\nLABEL a=b\nUSER 1000:1000\n";

fn check(text: &str, df: &Dockerfile) {
    let len = text.len();
    let in_range = |p: vigil_dockerfile::Pos| p.offset <= len && p.line >= 1 && p.col >= 1;
    for e in &df.errors {
        assert!(in_range(e.pos), "{e:?}");
    }
    for (p, _) in &df.comments {
        assert!(in_range(*p));
    }
    for (i, ins) in df.instructions.iter().enumerate() {
        assert!(in_range(ins.pos));
        assert!(ins.end_line >= ins.pos.line);
        // Shell-form text and heredoc bodies are verbatim copies: every character maps back to
        // the same character of the source.
        let mut verbatim: Vec<&vigil_dockerfile::Text> = ins.heredocs.iter().map(|h| &h.body).collect();
        if let vigil_dockerfile::Args::Shell(t) = &ins.args {
            verbatim.push(t);
        }
        for t in verbatim {
            for (b, ch) in t.value.char_indices() {
                let p = t.pos(b);
                assert_eq!(text.get(p.offset..).and_then(|r| r.chars().next()), Some(ch), "byte {b} of {:?}", t.value);
                let line_start = text.get(..p.offset).map_or(0, |r| r.rfind('\n').map_or(0, |i| i + 1));
                // A byte-order mark at the start of the file is not a column.
                let line_start = if line_start == 0 && text.starts_with('\u{feff}') { 3 } else { line_start };
                let col = text.get(line_start..p.offset).map_or(0, |r| r.chars().count()) + 1;
                assert_eq!(p.col as usize, col, "column of byte {b} of {:?}", t.value);
                assert_eq!(p.line as usize, text.get(..p.offset).map_or(0, |r| r.matches('\n').count()) + 1);
            }
        }
        let mut texts: Vec<&vigil_dockerfile::Text> = ins.heredocs.iter().map(|h| &h.body).collect();
        match &ins.args {
            vigil_dockerfile::Args::Shell(t) => texts.push(t),
            vigil_dockerfile::Args::Exec(v) => texts.extend(v.iter()),
        }
        for t in texts {
            for b in 0..=t.value.len() {
                assert!(in_range(t.pos(b)));
            }
            for w in shell::parse(&t.value).commands.iter().flat_map(|c| c.words.iter()) {
                assert!(w.start <= w.end && w.end <= t.value.len());
                assert!(in_range(t.pos(w.start)));
            }
        }
        let vars = df.vars_at(i);
        let _ = vigil_dockerfile::expand("${A:-$B}", &vars);
        let _ = ins.key_values();
        let _ = ins.words();
    }
}

fn mutate(base: &str, edits: &[(usize, u8, String)]) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for (at, op, piece) in edits {
        if s.is_empty() {
            s.extend(piece.chars());
            continue;
        }
        let at = at % s.len();
        match op % 3 {
            0 => {
                s.splice(at..at, piece.chars());
            }
            1 => {
                let end = (at + piece.chars().count()).min(s.len());
                s.drain(at..end);
            }
            _ => {
                let end = (at + piece.chars().count()).min(s.len());
                s.splice(at..end, piece.chars());
            }
        }
    }
    s.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_strings(text in "(?s).{0,400}") {
        let df = parse(&text);
        check(&text, &df);
    }

    #[test]
    fn random_dockerfile_alphabet(text in proptest::collection::vec(
        prop_oneof![
            Just("FROM ".to_string()), Just("RUN ".to_string()), Just("\\\n".to_string()), Just("`\n".to_string()),
            Just("<<EOF".to_string()), Just("<<-\"E\"".to_string()), Just("EOF\n".to_string()), Just("\n".to_string()),
            Just("# escape=`\n".to_string()), Just("[\"a\\u12\",".to_string()), Just("\"".to_string()), Just("'".to_string()),
            Just("--mount=x ".to_string()), Just("ONBUILD ".to_string()), Just("${A:-${B".to_string()), Just("}".to_string()),
            Just("\t".to_string()), Just("é".to_string()), Just("\r\n".to_string()), Just("$(".to_string()),
            "[a-z =]{0,6}",
        ], 0..60).prop_map(|v| v.concat())) {
        let df = parse(&text);
        check(&text, &df);
    }

    #[test]
    fn mutations_of_a_real_dockerfile(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), "(?s).{0,8}"), 0..12)) {
        let text = mutate(REAL, &edits);
        let df = parse(&text);
        check(&text, &df);
    }

    #[test]
    fn shell_random(script in "(?s).{0,300}") {
        let s = shell::parse(&script);
        for c in &s.commands {
            for w in c.words.iter().chain(c.assignments.iter()) {
                prop_assert!(w.start <= w.end && w.end <= script.len());
            }
            let _ = c.unwrapped();
        }
    }
}

#[test]
fn real_dockerfile_is_clean() {
    let df = parse(REAL);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions.len(), 11);
    check(REAL, &df);
}

#[test]
fn pathological_inputs_finish_fast() {
    let start = std::time::Instant::now();
    let cases = [
        format!("FROM a\nRUN {}", "x \\\n".repeat(200_000)),
        format!("FROM a\nRUN {}\n", "<<A ".repeat(20_000)),
        format!("FROM a\n{}", "# c\n".repeat(500_000)),
        format!("FROM a\nCMD [{}\"x\"]\n", "\"a\",".repeat(200_000)),
        format!("FROM a\nENV {}\n", "${A:-".repeat(100_000)),
        "\\\n".repeat(1_000_000),
    ];
    for (n, text) in cases.iter().enumerate() {
        let t0 = std::time::Instant::now();
        let df = parse(text);
        for i in 0..df.instructions.len().min(5) {
            let _ = df.vars_at(i);
            let _ = df.instructions[i].key_values();
        }
        if let Some(t) = df.instructions.get(1).and_then(|i| i.args.shell()) {
            let _ = shell::parse(&t.value);
            let _ = t.pos(t.value.len() / 2);
        }
        assert!(t0.elapsed().as_secs() < 5, "case {n} took {:?}", t0.elapsed());
    }
    let ms = start.elapsed().as_millis();
    assert!(ms < 20_000, "took {ms} ms");
}
