//! The Dockerfile rules and their registry.

mod last_user_root;
mod maintainer_deprecated;
mod sudo;
mod untagged_base;

use vigil_core::{Finding, RuleMeta};

use crate::rule::{Ctx, Rule};
use crate::shell::{self, Command};
use crate::{Dockerfile, Instruction, Keyword, Options, Text};

/// Every rule, sorted by ID.
static RULES: &[&dyn Rule] = &[
    &last_user_root::LastUserRoot,
    &maintainer_deprecated::MaintainerDeprecated,
    &sudo::Sudo,
    &untagged_base::UntaggedBase,
];

/// Runs the enabled rules over a parsed Dockerfile, then marks pragma-suppressed findings.
pub(crate) fn run(df: &Dockerfile, file: &str, options: &Options) -> Vec<Finding> {
    let ctx = Ctx { file, options };
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| (options.enabled)(r.meta())) {
        rule.check(df, &ctx, &mut out);
    }
    crate::pragma::apply(df, &mut out, &|id| RULES.iter().map(|r| r.meta()).find(|m| m.id == id));
    out.sort_by(|a, b| {
        (a.location.line, a.location.column, &a.rule).cmp(&(b.location.line, b.location.column, &b.rule))
    });
    out
}

/// Every rule's metadata.
pub(crate) fn rules() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta()).collect()
}

/// The RUN instructions, `ONBUILD RUN` included.
pub(crate) fn runs(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.instructions.iter().filter_map(|i| match i.keyword {
        Keyword::Run => Some(i),
        Keyword::Onbuild => i.onbuild.as_deref().filter(|o| o.keyword == Keyword::Run),
        _ => None,
    })
}

/// The shell scripts of a RUN: its shell-form text and each heredoc body, with their commands.
pub(crate) fn scripts(ins: &Instruction) -> Vec<(&Text, Vec<Command>)> {
    let mut v = Vec::new();
    if let Some(t) = ins.args.shell() {
        v.push((t, shell::parse(&t.value).commands));
    }
    for h in &ins.heredocs {
        v.push((&h.body, shell::parse(&h.body.value).commands));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_sorted_and_unique() {
        let ids: Vec<_> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert!(RULES.iter().all(|r| !r.meta().help.is_empty() && r.meta().id.starts_with("dockerfile/")));
    }
}
