//! zizmor's configuration file (`zizmor.yml`): `rules: <audit id>: {disable, ignore, config, remap}`.

use std::collections::BTreeMap;

use vigil_core::{InputError, Severity};
use vigil_k8s::{Limits, Node, Source, parse_documents};

/// One `ignore:` entry: `file.yml`, `file.yml:line` or `file.yml:line:col`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// The file name (compared with the file name of a finding's location).
    pub filename: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
}

impl IgnoreRule {
    /// Parses `file.yml[:line[:col]]` as zizmor does.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts: Vec<&str> = s.rsplitn(3, ':').collect();
        parts.reverse();
        let mut it = parts.into_iter();
        let filename = it.next().ok_or("rule is missing a filename component")?;
        if !filename.ends_with(".yml") && !filename.ends_with(".yaml") {
            return Err(format!("invalid workflow filename: {filename}"));
        }
        let num = |p: Option<&str>, what: &str| -> Result<Option<usize>, String> {
            match p {
                None => Ok(None),
                Some(p) => match p.parse::<usize>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(format!("invalid {what} number component (must be 1-based)")),
                },
            }
        };
        let line = num(it.next(), "line")?;
        let column = num(it.next(), "column")?;
        Ok(IgnoreRule { filename: filename.to_string(), line, column })
    }

    /// Whether the rule matches a location in `file` (its final path component) at `line`:`column`.
    pub fn matches(&self, file: &str, line: usize, column: usize) -> bool {
        let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
        if name != self.filename {
            return false;
        }
        match self.line {
            Some(l) => l == line && self.column.is_none_or(|c| c == column),
            None => true,
        }
    }
}

/// Configuration of one audit.
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    /// `disable: true`.
    pub disable: bool,
    /// `ignore:` entries.
    pub ignore: Vec<IgnoreRule>,
    /// `config:` mapping, as written.
    pub config: Option<Node>,
    /// `remap.severity`.
    pub remap_severity: Option<Severity>,
}

/// A parsed `zizmor.yml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Per-audit configuration, by zizmor audit id (`template-injection`).
    pub rules: BTreeMap<String, RuleConfig>,
}

impl Config {
    /// Parses a zizmor configuration file. Errors carry the position of the offending node.
    pub fn from_yaml(name: &str, text: &str) -> Result<Config, InputError> {
        let docs = parse_documents(text, &Limits::default());
        if let Some(e) = docs.error {
            return Err(InputError::at(name, e.line, e.column, e.message));
        }
        let source = Source::new(name, text.to_string());
        let err = |node: &Node, msg: String| {
            let loc = source.location(node.span);
            InputError::at(name, loc.line, loc.column, msg)
        };
        let mut config = Config::default();
        let Some(root) = docs.documents.into_iter().next() else { return Ok(config) };
        if root.is_null() {
            return Ok(config);
        }
        let Some(entries) = root.as_map() else { return Err(err(&root, "configuration must be a mapping".into())) };
        for (key, value) in entries {
            match key.as_str() {
                Some("rules") => {}
                Some(other) => return Err(err(key, format!("unknown field `{other}`, expected `rules`"))),
                None => return Err(err(key, "configuration keys must be strings".into())),
            }
            if value.is_null() {
                continue;
            }
            let Some(rules) = value.as_map() else { return Err(err(value, "`rules` must be a mapping".into())) };
            for (id, body) in rules {
                let Some(id_str) = id.as_str() else { return Err(err(id, "audit ids must be strings".into())) };
                let mut rc = RuleConfig::default();
                if !body.is_null() {
                    let Some(fields) = body.as_map() else {
                        return Err(err(body, format!("`rules.{id_str}` must be a mapping")));
                    };
                    for (fk, fv) in fields {
                        match fk.as_str() {
                            Some("disable") => {
                                rc.disable = match fv.as_str() {
                                    Some("true") => true,
                                    Some("false") => false,
                                    _ => return Err(err(fv, "`disable` must be a boolean".into())),
                                }
                            }
                            Some("ignore") => {
                                if fv.is_null() {
                                    continue;
                                }
                                let Some(items) = fv.as_seq() else {
                                    return Err(err(fv, "`ignore` must be a list".into()));
                                };
                                for item in items {
                                    let Some(s) = item.as_str() else {
                                        return Err(err(item, "`ignore` entries must be strings".into()));
                                    };
                                    rc.ignore.push(IgnoreRule::parse(s).map_err(|m| err(item, m))?);
                                }
                            }
                            Some("config") => {
                                if !fv.is_null() && fv.as_map().is_none() {
                                    return Err(err(fv, "`config` must be a mapping".into()));
                                }
                                rc.config = (!fv.is_null()).then(|| fv.clone());
                            }
                            Some("remap") => {
                                let sev = fv.get("severity").and_then(Node::as_str);
                                rc.remap_severity = match sev {
                                    None => None,
                                    Some("informational") => Some(Severity::Info),
                                    Some("low") => Some(Severity::Low),
                                    Some("medium") => Some(Severity::Medium),
                                    Some("high") => Some(Severity::High),
                                    Some(other) => return Err(err(fv, format!("unknown severity `{other}`"))),
                                };
                            }
                            Some(other) => {
                                return Err(err(
                                    fk,
                                    format!(
                                        "unknown field `{other}`, expected one of `disable`, `ignore`, `config`, `remap`"
                                    ),
                                ));
                            }
                            None => return Err(err(fk, "keys must be strings".into())),
                        }
                    }
                }
                config.rules.insert(id_str.to_string(), rc);
            }
        }
        Ok(config)
    }

    /// The configuration of audit `id` (zizmor's id, without `gha/`).
    pub fn rule(&self, id: &str) -> Option<&RuleConfig> {
        self.rules.get(id)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_rules_and_reports_positions() {
        let c = Config::from_yaml(
            "zizmor.yml",
            "rules:\n  template-injection:\n    ignore:\n      - ci.yml:12:3\n      - other.yml\n",
        )
        .unwrap();
        let r = c.rule("template-injection").unwrap();
        assert_eq!(r.ignore[0], IgnoreRule { filename: "ci.yml".into(), line: Some(12), column: Some(3) });
        assert!(r.ignore[1].matches(".github/workflows/other.yml", 1, 1));
        let e = Config::from_yaml("z.yml", "rules:\n  x:\n    ignore:\n      - nope.txt\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(9)));
        assert!(Config::from_yaml("z.yml", "rulez: {}\n").is_err());
    }
}
