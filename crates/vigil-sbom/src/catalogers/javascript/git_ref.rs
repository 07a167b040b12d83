//! The commit a git or GitHub-tarball reference pins, as npm, Yarn and pnpm record them.
//!
//! The forms recognised are osv-scanner's (`pkg/lockfile/parse-yarn-lock.go`,
//! `tryExtractCommit`), so packages carry the same commits as there:
//!
//! - `git://`, `git+ssh://`, `git+https://` and `ssh://` URLs ending in `#<commit>`;
//! - `https://….git#<commit>`;
//! - `https://codeload.github.com/<owner>/<repo>/tar.gz/<commit>`;
//! - anything ending in `#commit:<commit>` or `#commit=<commit>` (Yarn Berry);
//! - `github:`, `gitlab:` and `bitbucket:` shorthands ending in `#<commit>`;
//! - any other URL on github.com, gitlab.com or bitbucket.org: its `ref` query parameter, else
//!   its fragment.
//!
//! The URL forms may follow `<name>@` (Yarn prefixes resolutions with the package name). A
//! `<commit>` is one or more ASCII letters, digits or `_`.

/// URL schemes of git remotes.
const GIT_SCHEMES: [&str; 4] = ["git://", "git+ssh://", "git+https://", "ssh://"];

/// Hosts whose plain URLs carry a commit in the `ref` parameter or the fragment.
const GIT_HOSTS: [&str; 3] = ["bitbucket.org", "github.com", "gitlab.com"];

/// The commit `reference` pins, if it is one of the recognised forms.
pub(crate) fn commit(reference: &str) -> Option<String> {
    // None of the forms spans lines (osv-scanner's `.` does not match a line break).
    if reference.contains(['\n', '\r']) {
        return None;
    }
    let found = git_url_commit(reference)
        .or_else(|| https_git_commit(reference))
        .or_else(|| codeload_commit(reference))
        .or_else(|| berry_commit(reference))
        .or_else(|| shorthand_commit(reference))
        .map(str::to_string)
        .or_else(|| hosted_url_commit(reference));
    found.filter(|c| !c.is_empty())
}

/// The commit of a `https://codeload.github.com/<owner>/<repo>/tar.gz/<commit>` tarball URL
/// (pnpm records GitHub dependencies this way).
pub(crate) fn codeload_commit(reference: &str) -> Option<&str> {
    const CODELOAD: &str = "https://codeload.github.com/";
    reference.match_indices(CODELOAD).find_map(|(at, _)| {
        let rest = reference.get(at + CODELOAD.len()..)?;
        let mut parts = rest.split('/');
        let (owner, repo, kind, commit) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let valid = parts.next().is_none()
            && is_path_segment(owner)
            && is_path_segment(repo)
            && kind == "tar.gz"
            && is_word(commit);
        valid.then_some(commit)
    })
}

/// `[<name>@]<git scheme>…#<commit>`.
fn git_url_commit(reference: &str) -> Option<&str> {
    let (before, commit) = fragment(reference)?;
    let starts = url_starts(before);
    starts
        .into_iter()
        .any(|at| {
            GIT_SCHEMES.iter().any(|scheme| remote_after(before, at, scheme).is_some_and(|rest| !rest.is_empty()))
        })
        .then_some(commit)
}

/// `[<name>@]https://….git#<commit>`.
fn https_git_commit(reference: &str) -> Option<&str> {
    let (before, commit) = fragment(reference)?;
    let starts = url_starts(before);
    starts
        .into_iter()
        .any(|at| {
            remote_after(before, at, "https://")
                .and_then(|rest| rest.strip_suffix(".git"))
                .is_some_and(|repo| !repo.is_empty())
        })
        .then_some(commit)
}

/// `…#commit:<commit>` or `…#commit=<commit>`.
fn berry_commit(reference: &str) -> Option<&str> {
    let (before, fragment) = reference.rsplit_once('#')?;
    let commit = fragment.strip_prefix("commit:").or_else(|| fragment.strip_prefix("commit="))?;
    (!before.is_empty() && is_word(commit)).then_some(commit)
}

/// `github:…#<commit>`, `gitlab:…#<commit>`, `bitbucket:…#<commit>`.
fn shorthand_commit(reference: &str) -> Option<&str> {
    let (before, commit) = fragment(reference)?;
    let repo = ["github:", "gitlab:", "bitbucket:"].iter().find_map(|p| before.strip_prefix(p))?;
    (!repo.is_empty()).then_some(commit)
}

/// A URL on one of [`GIT_HOSTS`]: its `ref` query parameter, else its fragment.
fn hosted_url_commit(reference: &str) -> Option<String> {
    let (_, rest) = reference.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end)?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if !GIT_HOSTS.contains(&host) {
        return None;
    }
    let after = rest.get(authority_end..)?;
    let (before_fragment, fragment) = after.split_once('#').unwrap_or((after, ""));
    if let Some((_, query)) = before_fragment.split_once('?') {
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if percent_decode(key).as_deref() == Some("ref") {
                return percent_decode(value);
            }
        }
    }
    percent_decode(fragment)
}

/// Splits at the last `#` when what follows is a commit-like word.
fn fragment(reference: &str) -> Option<(&str, &str)> {
    let (before, after) = reference.rsplit_once('#')?;
    is_word(after).then_some((before, after))
}

/// Where a URL may start in `s`: at the beginning, or right after an `@` that follows at least
/// one character (`<name>@<url>`).
fn url_starts(s: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(s.match_indices('@').map(|(at, _)| at + 1).filter(|&at| at >= 2));
    starts
}

/// What follows `scheme` when `s` has it at byte `at`.
fn remote_after<'a>(s: &'a str, at: usize, scheme: &str) -> Option<&'a str> {
    s.get(at..)?.strip_prefix(scheme)
}

/// One or more ASCII letters, digits or `_`.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// One or more ASCII letters, digits, `_`, `-` or `.`.
fn is_path_segment(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<String> {
        commit(s)
    }

    #[test]
    fn git_remotes() {
        let sha = "0a2d2506c1fe299691fc5db53a2097db3bd615bc";
        assert_eq!(c(&format!("git+ssh://git@github.com:G-Rath/npm-git-repo-2#{sha}")).as_deref(), Some(sha));
        assert_eq!(c(&format!("git://github.com/a/b.git#{sha}")).as_deref(), Some(sha));
        assert_eq!(c(&format!("ssh://github.com/substack/minimist.git#{sha}")).as_deref(), Some(sha));
        assert_eq!(c(&format!("git+https://dummy-token@github.com/a/b.git#{sha}")).as_deref(), Some(sha));
        assert_eq!(c(&format!("name@git+ssh://host/x#{sha}")).as_deref(), Some(sha));
        // Nothing between the scheme and the fragment.
        assert_eq!(c("git://#abc"), None);
        // No fragment, or one that is not a commit-like word.
        assert_eq!(c("git+ssh://git@github.com/angular/domino.git"), None);
        assert_eq!(c("git+ssh://git@example.com/a/b.git#semver:^1.0"), None);
    }

    #[test]
    fn https_git_urls() {
        assert_eq!(c("https://github.com/vuejs/vue.git#bb253db").as_deref(), Some("bb253db"));
        assert_eq!(c("https://example.com/vuejs/vue.git#bb253db").as_deref(), Some("bb253db"));
        assert_eq!(c("is-number@https://example.com/a/b.git#af885e2").as_deref(), Some("af885e2"));
        assert_eq!(c("https://example.com/vuejs/vue#bb253db"), None);
        assert_eq!(c("https://.git#bb253db"), None);
    }

    #[test]
    fn codeload_tarballs() {
        let url = "https://codeload.github.com/G-Rath/npm-git-repo-1/tar.gz/094e581aaf927d010e4b61d706ba584551dac502";
        assert_eq!(c(url).as_deref(), Some("094e581aaf927d010e4b61d706ba584551dac502"));
        assert_eq!(codeload_commit(url), Some("094e581aaf927d010e4b61d706ba584551dac502"));
        assert_eq!(codeload_commit("https://codeload.github.com/a/b/zip/abc"), None);
        assert_eq!(codeload_commit("https://codeload.github.com/a/b/c/tar.gz/abc"), None);
        assert_eq!(codeload_commit("https://codeload.github.com/a/b/tar.gz/"), None);
        assert_eq!(codeload_commit("https://registry.npmjs.org/a/-/a-1.0.0.tgz"), None);
    }

    #[test]
    fn berry_commits() {
        let r = "@my-scope/pkg@https://github.com/my-org/pkg.git#commit=0b824c650d3a03444dbcf2b27a5f3566f6e41358";
        assert_eq!(c(r).as_deref(), Some("0b824c650d3a03444dbcf2b27a5f3566f6e41358"));
        assert_eq!(c("x@https://github.com/t/t.git#commit:3ed06e5").as_deref(), Some("3ed06e5"));
        assert_eq!(
            c("is-really-great@ssh://git@github.com:my-org/is-really-great.git#commit=191eeef").as_deref(),
            Some("191eeef")
        );
        assert_eq!(c("#commit=abc"), None);
    }

    #[test]
    fn shorthands() {
        assert_eq!(c("gitlab:kornelski/babel-preset-php#c5a7ba5").as_deref(), Some("c5a7ba5"));
        assert_eq!(c("github:jonschlinkert/is-number#d5ac058").as_deref(), Some("d5ac058"));
        assert_eq!(c("bitbucket:a/b#d5ac058").as_deref(), Some("d5ac058"));
        assert_eq!(c("github:#d5ac058"), None);
        assert_eq!(c("gitea:a/b#d5ac058"), None);
    }

    #[test]
    fn hosted_urls() {
        assert_eq!(
            c("https://gitlab.com/kornelski/babel-preset-php/repository/archive.tar.gz?ref=c5a7ba5e0ad98b8db")
                .as_deref(),
            Some("c5a7ba5e0ad98b8db")
        );
        assert_eq!(c("https://github.com/bats-core/bats-assert#4bdd58d3").as_deref(), Some("4bdd58d3"));
        assert_eq!(c("https://token@github.com/a/b#v1.0.0").as_deref(), Some("v1.0.0"));
        assert_eq!(c("https://github.com/a/b?x=1&ref=abc#def").as_deref(), Some("abc"));
        assert_eq!(c("https://github.com/a/b"), None);
        assert_eq!(c("https://github.com:443/a/b#abc"), None);
        assert_eq!(c("https://registry.npmjs.org/a/-/a-1.0.0.tgz#abc"), None);
        assert_eq!(c("https://github.com/a/b#%zz"), None);
        assert_eq!(c("https://github.com/a/b#%41"), Some("A".to_string()));
    }

    #[test]
    fn plain_versions_and_odd_input() {
        for s in ["1.0.2", "", "#", "@", "@@", "npm:x@1.0.0", "file:../x", "a\n#b", "https://", "://", "%", "é#é"] {
            assert_eq!(c(s), None, "{s:?}");
        }
    }
}
