//! zizmor's inline ignore comments: `# zizmor: ignore[audit-a, audit-b]` on a line that a
//! finding's location spans.

/// Whether `line` (one source line) carries a comment that ignores `audit`.
///
/// The comment is the text from the first `#` that starts a YAML comment (at the start of the
/// line or after whitespace, outside quotes); it must read `# zizmor: ignore[<ids>]`, optionally
/// followed by whitespace and anything else, with the ids separated by commas.
pub fn line_ignores(line: &str, audit: &str) -> bool {
    let Some(comment) = comment_of(line) else { return false };
    // zizmor searches the comment with `# zizmor: ignore\[(.+)\](?:\s+.*)?$`.
    let mut rest = comment;
    while let Some(pos) = rest.find("# zizmor: ignore[") {
        let after = &rest[pos + "# zizmor: ignore[".len()..];
        if ignores_tail(after, audit) {
            return true;
        }
        rest = &rest[pos + 1..];
    }
    false
}

/// `after` is what follows `ignore[`: the greedy `(.+)\]` followed by nothing or whitespace + anything.
fn ignores_tail(after: &str, audit: &str) -> bool {
    // Candidate closing brackets, greedy first (the regex backtracks from the last `]`).
    let closes: Vec<usize> = after.match_indices(']').map(|(i, _)| i).collect();
    for &close in closes.iter().rev() {
        if close == 0 {
            continue;
        }
        let tail = &after[close + 1..];
        if !(tail.is_empty() || tail.starts_with(char::is_whitespace)) {
            continue;
        }
        return after[..close].split(',').any(|r| r.trim() == audit);
    }
    false
}

/// The comment part of a YAML line (from its `#`), if any.
pub fn comment_of(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => {
                if c == '#' && prev_ws {
                    return line.get(i..);
                }
                if (c == '"' || c == '\'') && prev_ws {
                    quote = Some(c);
                }
            }
        }
        prev_ws = c.is_whitespace() || (quote.is_none() && matches!(c, '-' | ':' | '[' | '{' | ','));
        if c == '#' {
            prev_ws = false;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zizmor_comment_forms() {
        let cases = [
            ("# zizmor: ignore[foo]", "foo", true),
            ("# zizmor: ignore[foo,bar]", "foo", true),
            ("# zizmor: ignore[foo, bar,   foo-bar]", "foo-bar", true),
            ("# zizmor: ignore[foo,foo,,foo,,,,foo,]", "foo", true),
            ("# zizmor: ignore[foo] some other stuff", "foo", true),
            ("# zizmor: ignore[foo]   ", "foo", true),
            ("# zizmor: ignore[foo]some other stuff", "foo", false),
            ("# zizmor: ignore[foo,bar]", "baz", false),
            ("# zizmor: ignore[]", "foo", false),
            ("# zizmor: ignore[foo bar]", "foo", false),
            ("# zizmor: ignore[foo", "foo", false),
            ("# zizmor:ignore[foo]", "foo", false),
            ("#zizmor: ignore[foo]", "foo", false),
            ("  run: echo ${{ x }} # zizmor: ignore[template-injection]", "template-injection", true),
            ("  run: 'echo # zizmor: ignore[x]'", "x", false),
        ];
        for (line, rule, want) in cases {
            assert_eq!(line_ignores(line, rule), want, "{line} / {rule}");
        }
    }
}
