//! Variable expansion with BuildKit's (shell-like) rules.

/// Deepest nesting of `${A:-${B:-…}}` that is expanded; deeper text is kept as written.
const MAX_DEPTH: usize = 16;

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
/// `${VAR:?msg}`/`${VAR?msg}` (to the value or empty), `${VAR#prefix}`, `${VAR##prefix}`,
/// `${VAR%suffix}`, `${VAR%%suffix}` (literal patterns, `*` as any text) in `word`, the way
/// BuildKit does for instruction arguments. `\$` is a literal `$`; other escapes and quotes are
/// left as written; unknown variables expand to the empty string.
///
/// ```
/// use vigil_dockerfile::expand;
/// let vars = |n: &str| (n == "TAG").then(|| "3.20".to_string());
/// assert_eq!(expand("alpine:${TAG}", &vars), "alpine:3.20");
/// assert_eq!(expand("${MISSING:-latest} $MISSING.", &vars), "latest .");
/// assert_eq!(expand("\\$TAG", &vars), "$TAG");
/// ```
pub fn expand(word: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    expand_until(&chars, &mut i, None, lookup, 0)
}

/// Expands from `*i` up to `stop` (consumed, not included) or the end.
fn expand_until(
    chars: &[char],
    i: &mut usize,
    stop: Option<char>,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
) -> String {
    let mut out = String::new();
    while let Some(&c) = chars.get(*i) {
        if Some(c) == stop {
            *i += 1;
            return out;
        }
        match c {
            '\\' if chars.get(*i + 1) == Some(&'$') => {
                out.push('$');
                *i += 2;
            }
            '\\' if stop.is_some() && chars.get(*i + 1) == Some(&'}') => {
                out.push('}');
                *i += 2;
            }
            '$' => dollar(chars, i, lookup, depth, &mut out),
            _ => {
                out.push(c);
                *i += 1;
            }
        }
    }
    out
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads a variable name at `*i` (BuildKit's processName).
fn name_at(chars: &[char], i: &mut usize) -> String {
    let mut name = String::new();
    if let Some(&c) = chars.get(*i) {
        if c.is_ascii_digit() {
            while let Some(&d) = chars.get(*i).filter(|d| d.is_ascii_digit()) {
                name.push(d);
                *i += 1;
            }
            return name;
        }
        if matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
            *i += 1;
            name.push(c);
            return name;
        }
    }
    while let Some(&c) = chars.get(*i).filter(|c| is_name_char(**c)) {
        name.push(c);
        *i += 1;
    }
    name
}

/// Expands the `$…` at `*i` into `out`.
fn dollar(chars: &[char], i: &mut usize, lookup: &dyn Fn(&str) -> Option<String>, depth: usize, out: &mut String) {
    let start = *i;
    *i += 1;
    if chars.get(*i) != Some(&'{') {
        let name = name_at(chars, i);
        if name.is_empty() {
            out.push('$');
        } else {
            out.push_str(&lookup(&name).unwrap_or_default());
        }
        return;
    }
    *i += 1;
    let literal_rest = |i: &mut usize, out: &mut String| {
        out.extend(chars.get(start..).unwrap_or(&[]).iter());
        *i = chars.len();
    };
    if depth >= MAX_DEPTH || matches!(chars.get(*i), None | Some('{' | '}' | ':')) {
        // Bad substitution (`${}`, `${:x}`, missing `}`): keep the text as written.
        literal_rest(i, out);
        return;
    }
    let name = name_at(chars, i);
    let Some(&op) = chars.get(*i) else {
        literal_rest(i, out);
        return;
    };
    *i += 1;
    let value = lookup(&name);
    match op {
        '}' => out.push_str(&value.unwrap_or_default()),
        ':' | '+' | '-' | '?' | '#' | '%' => {
            let null_is_unset = op == ':';
            let op = if null_is_unset {
                let Some(&next) = chars.get(*i) else {
                    literal_rest(i, out);
                    return;
                };
                *i += 1;
                next
            } else {
                op
            };
            if !chars.get(*i..).unwrap_or(&[]).contains(&'}') {
                literal_rest(i, out);
                return;
            }
            let word = expand_until(chars, i, Some('}'), lookup, depth + 1);
            let unset = value.is_none() || (null_is_unset && value.as_deref() == Some(""));
            match op {
                '-' => out.push_str(&if unset { word } else { value.unwrap_or_default() }),
                '+' if !unset => out.push_str(&word),
                '?' => out.push_str(&value.unwrap_or_default()),
                '#' | '%' if !null_is_unset => {
                    let value = value.unwrap_or_default();
                    let (greedy, pattern) = match word.strip_prefix(op) {
                        Some(p) => (true, p.to_string()),
                        None => (false, word),
                    };
                    out.push_str(&trim_pattern(&value, &pattern, op == '#', greedy));
                }
                _ => {}
            }
        }
        '/' => {
            // ${VAR/pattern/replacement}: literal first-match replacement.
            let all = chars.get(*i) == Some(&'/');
            if all {
                *i += 1;
            }
            let pattern = expand_until(chars, i, Some('/'), lookup, depth + 1);
            let replacement = expand_until(chars, i, Some('}'), lookup, depth + 1);
            let value = value.unwrap_or_default();
            if pattern.is_empty() {
                out.push_str(&value);
            } else if all {
                out.push_str(&value.replace(&pattern, &replacement));
            } else {
                out.push_str(&value.replacen(&pattern, &replacement, 1));
            }
        }
        _ => literal_rest(i, out),
    }
}

/// Removes the shortest/longest prefix (`from_start`) or suffix matching a shell pattern where
/// `*` matches any text and `?` one character.
fn trim_pattern(value: &str, pattern: &str, from_start: bool, greedy: bool) -> String {
    let bounds: Vec<usize> = value.char_indices().map(|(b, _)| b).chain(std::iter::once(value.len())).collect();
    let pat: Vec<char> = pattern.chars().collect();
    let candidates: Box<dyn Iterator<Item = &usize>> = match (from_start, greedy) {
        (true, false) | (false, true) => Box::new(bounds.iter()),
        (true, true) | (false, false) => Box::new(bounds.iter().rev()),
    };
    for &b in candidates {
        let (part, rest) = if from_start {
            (value.get(..b).unwrap_or(""), value.get(b..).unwrap_or(""))
        } else {
            (value.get(b..).unwrap_or(""), value.get(..b).unwrap_or(""))
        };
        let text: Vec<char> = part.chars().collect();
        if glob_match(&pat, &text) {
            return rest.to_string();
        }
    }
    value.to_string()
}

/// Iterative `*`/`?` matcher (linear backtracking, no recursion).
fn glob_match(pat: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || Some(&c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat.get(p..).unwrap_or(&[]).iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "E" => Some(String::new()),
            "P" => Some("/usr/local/bin".into()),
            _ => None,
        }
    }

    #[test]
    fn forms() {
        let cases = [
            ("$A", "alpha"),
            ("${A}", "alpha"),
            ("x${A}y", "xalphay"),
            ("$A-$B.", "alpha-."),
            ("${B:-def}", "def"),
            ("${E:-def}", "def"),
            ("${E-def}", ""),
            ("${B-def}", "def"),
            ("${A:+alt}", "alt"),
            ("${E:+alt}", ""),
            ("${E+alt}", "alt"),
            ("${B+alt}", ""),
            ("${B:-${A}}", "alpha"),
            ("\\$A", "$A"),
            ("$", "$"),
            ("a$ b", "a$ b"),
            ("${A", "${A"),
            ("${}", "${}"),
            ("${P#*/}", "usr/local/bin"),
            ("${P##*/}", "bin"),
            ("${P%/*}", "/usr/local"),
            ("${P%%/b*}", "/usr/local"),
            ("${A/ph/PH}", "alPHa"),
            ("${A:?x}", "alpha"),
            ("$1", ""),
        ];
        for (input, want) in cases {
            assert_eq!(expand(input, &vars), want, "{input}");
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = "${B:-".repeat(10_000) + &"}".repeat(10_000);
        let out = expand(&s, &vars);
        assert!(out.len() <= s.len());
    }
}
