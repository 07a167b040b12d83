//! The RUN-script word splitter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_dockerfile::shell::{self, Command};

fn words(c: &Command) -> Vec<&str> {
    c.words.iter().map(|w| w.value.as_str()).collect()
}

fn programs(s: &str) -> Vec<String> {
    shell::parse(s).commands.iter().map(|c| c.program().unwrap_or("").to_string()).collect()
}

#[test]
fn operators_split_commands() {
    assert_eq!(programs("a && b || c ; d | e & f\ng"), ["a", "b", "c", "d", "e", "f", "g"]);
    assert_eq!(programs("(cd /x && make) && { echo a; echo b; }"), ["cd", "make", "echo", "echo"]);
    assert_eq!(programs("/usr/bin/apt-get update"), ["apt-get"]);
    assert!(shell::parse("").commands.is_empty());
    assert!(shell::parse("  ;; && ").commands.is_empty());
}

#[test]
fn quotes_and_escapes() {
    let s = shell::parse(r#"echo 'a b' "c \"d\" $HOME" e\ f g"h"i"#);
    let c = &s.commands[0];
    assert_eq!(words(c), ["echo", "a b", "c \"d\" $HOME", "e f", "ghi"]);
    assert!(c.words[1].quoted && !c.words[0].quoted);
    assert_eq!((c.words[1].start, c.words[1].end), (5, 10));
}

#[test]
fn substitutions_stay_in_the_word() {
    let s = shell::parse("export V=$(uname -r | cut -d- -f1) && echo `date; true` \"x$(a \"b\")\"");
    assert_eq!(s.commands.len(), 2);
    assert_eq!(words(&s.commands[0]), ["export", "V=$(uname -r | cut -d- -f1)"]);
    assert_eq!(words(&s.commands[1]), ["echo", "`date; true`", "x$(a \"b\")"]);
}

#[test]
fn redirections_removed() {
    let s = shell::parse("make >build.log 2>&1 && cat < in.txt >> out 2> /dev/null && cat <<EOF");
    assert_eq!(words(&s.commands[0]), ["make"]);
    assert_eq!(words(&s.commands[1]), ["cat"]);
    assert_eq!(words(&s.commands[2]), ["cat"]);
    let s = shell::parse("curl -fsSL https://x &>/dev/null");
    assert_eq!(words(&s.commands[0]), ["curl", "-fsSL", "https://x"]);
}

#[test]
fn assignments_and_pipelines() {
    let s = shell::parse("A=1 B=\"x y\" cmd arg=1 | grep x | wc -l; next");
    let c = &s.commands[0];
    assert_eq!(c.assignments.iter().map(|w| w.value.as_str()).collect::<Vec<_>>(), ["A=1", "B=x y"]);
    assert_eq!(words(c), ["cmd", "arg=1"]);
    assert!(c.pipe_to_next && c.in_pipeline);
    assert!(s.commands[1].pipe_to_next && s.commands[1].in_pipeline);
    assert!(!s.commands[2].pipe_to_next && s.commands[2].in_pipeline);
    assert!(!s.commands[3].pipe_to_next && !s.commands[3].in_pipeline);
}

#[test]
fn comments() {
    let s = shell::parse("echo a # not here && rm -rf /\necho b#c");
    assert_eq!(s.commands.len(), 2);
    assert_eq!(words(&s.commands[0]), ["echo", "a"]);
    assert_eq!(words(&s.commands[1]), ["echo", "b#c"]);
}

#[test]
fn unwrapped_and_flags() {
    let s = shell::parse(
        "sudo -u root env DEBIAN_FRONTEND=noninteractive apt-get install -qy --no-install-recommends curl",
    );
    let c = &s.commands[0];
    assert_eq!(c.program(), Some("sudo"));
    let u = c.unwrapped();
    assert_eq!(u.program(), Some("apt-get"));
    assert_eq!(u.assignments[0].value, "DEBIAN_FRONTEND=noninteractive");
    assert!(u.has_flag(Some('y'), "yes"));
    assert!(u.has_flag(None, "no-install-recommends"));
    assert!(!u.has_flag(Some('x'), "assume-yes"));
    assert_eq!(u.positional().map(|w| w.value.as_str()).collect::<Vec<_>>(), ["install", "curl"]);
    assert_eq!(shell::parse("nohup time exec ./run.sh").commands[0].unwrapped().program(), Some("run.sh"));
}

#[test]
fn unterminated_quote_is_rest_of_input() {
    let s = shell::parse("echo 'abc && rm x");
    assert_eq!(s.commands.len(), 1);
    assert_eq!(words(&s.commands[0]), ["echo", "abc && rm x"]);
}

#[test]
fn positions_are_byte_ranges_of_the_script() {
    let script = "apt-get  install -y  'vim'";
    let s = shell::parse(script);
    for w in &s.commands[0].words {
        assert!(w.start < w.end && w.end <= script.len());
    }
    let vim = &s.commands[0].words[3];
    assert_eq!(&script[vim.start..vim.end], "'vim'");
}
