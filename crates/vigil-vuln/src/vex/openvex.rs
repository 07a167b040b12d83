//! OpenVEX documents (<https://github.com/openvex/spec>, `OPENVEX-SPEC.md`), version 0.2.0 and the
//! 0.0.1 shapes go-vex still reads (a `vulnerability` given as a string, `products` as strings,
//! statement-level `subcomponents`).

use serde::Deserialize;

use super::json::{Many, Text, Val};
use super::{Ctx, MAX_STATEMENTS, ProductMatcher, VexDocument, VexError, VexStatement, VexStatus};

/// OpenVEX 0.2.0 "Status Labels".
const STATUSES: [&str; 4] = ["not_affected", "affected", "fixed", "under_investigation"];

/// OpenVEX 0.2.0 "Status Justifications".
const JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

#[derive(Deserialize)]
pub(crate) struct RawStatement {
    vulnerability: Option<Val<RawVulnerability>>,
    status: Option<Text>,
    justification: Option<Text>,
    impact_statement: Option<Text>,
    timestamp: Option<Text>,
    products: Option<Many<Val<RawProduct>>>,
    /// OpenVEX 0.0.1 only; 0.2.0 nests subcomponents in each product.
    subcomponents: Option<Many<Val<RawComponent>>>,
}

#[derive(Deserialize)]
pub(crate) struct RawVulnerability {
    name: Option<Text>,
    aliases: Option<Many<Text>>,
}

#[derive(Deserialize)]
pub(crate) struct RawProduct {
    #[serde(rename = "@id")]
    id: Option<Text>,
    identifiers: Option<Val<RawIdentifiers>>,
    subcomponents: Option<Many<Val<RawComponent>>>,
}

#[derive(Deserialize)]
pub(crate) struct RawComponent {
    #[serde(rename = "@id")]
    id: Option<Text>,
    identifiers: Option<Val<RawIdentifiers>>,
}

#[derive(Deserialize)]
pub(crate) struct RawIdentifiers {
    purl: Option<Text>,
    cpe22: Option<Text>,
    cpe23: Option<Text>,
}

/// Converts the document's `statements`; `timestamp` is the document's, inherited by statements
/// without their own (OpenVEX 0.2.0, "Statement": "If the statement does not have a timestamp,
/// it inherits the document's").
pub(super) fn read(
    ctx: &Ctx<'_>,
    timestamp: Option<Text>,
    statements: Option<Many<Val<RawStatement>>>,
) -> Result<VexDocument, VexError> {
    let document_time = ctx.timestamp("the document", "`timestamp`", timestamp)?;
    let raw = match statements {
        None => return Err(ctx.invalid("the document has no `statements`, expected an array of statements".into())),
        Some(Many::Items(_, len)) if len > MAX_STATEMENTS => return Err(ctx.too_many(len)),
        Some(Many::Items(items, _)) => items,
        Some(Many::Other(kind)) => return Err(ctx.invalid(format!("`statements` is {kind}, expected an array"))),
    };
    let mut out = Vec::with_capacity(raw.len());
    for (i, statement) in raw.into_iter().enumerate() {
        let at = format!("statement {}", i + 1);
        let statement =
            statement.into_object().map_err(|kind| ctx.invalid(format!("{at} is {kind}, expected an object")))?;
        out.push(convert(ctx, &at, statement, document_time.as_deref())?);
    }
    Ok(VexDocument { statements: out })
}

fn convert(ctx: &Ctx<'_>, at: &str, raw: RawStatement, document_time: Option<&str>) -> Result<VexStatement, VexError> {
    let (vulnerability, aliases) = match raw.vulnerability {
        None => return Err(ctx.invalid(format!("{at} has no `vulnerability`, expected an object with a `name`"))),
        Some(Val::Str(name)) if name.is_empty() => {
            return Err(ctx.invalid(format!("{at}: `vulnerability` is empty, expected a vulnerability identifier")));
        }
        Some(Val::Str(name)) => (name, Vec::new()),
        Some(Val::Obj(v)) => {
            let name = ctx.required(at, "`vulnerability.name`", v.name, "a vulnerability identifier")?;
            let mut aliases = Vec::new();
            for (j, alias) in ctx.items(at, "`vulnerability.aliases`", v.aliases)?.into_iter().enumerate() {
                let alias = alias.into_string().map_err(|kind| {
                    ctx.invalid(format!("{at}: `vulnerability.aliases` entry {} is {kind}, expected a string", j + 1))
                })?;
                aliases.push(alias);
            }
            (name, aliases)
        }
        Some(other) => {
            return Err(
                ctx.invalid(format!("{at}: `vulnerability` is {}, expected an object with a `name`", other.kind()))
            );
        }
    };
    let status = match ctx.one_of(at, "`status`", raw.status, &STATUSES)?.as_deref() {
        Some("not_affected") => VexStatus::NotAffected,
        Some("affected") => VexStatus::Affected,
        Some("fixed") => VexStatus::Fixed,
        Some(_) => VexStatus::UnderInvestigation,
        None => return Err(ctx.invalid(format!("{at} has no `status`, expected {}", super::list(&STATUSES)))),
    };
    let justification = ctx.one_of(at, "`justification`", raw.justification, &JUSTIFICATIONS)?;
    let impact_statement = ctx.string(at, "`impact_statement`", raw.impact_statement)?.filter(|s| !s.is_empty());
    // OpenVEX 0.2.0, "Status Justifications": a not_affected statement must say why. Without
    // either field the document is invalid, and vigil does not drop findings on an unexplained claim.
    if status == VexStatus::NotAffected && justification.is_none() && impact_statement.is_none() {
        return Err(ctx.invalid(format!(
            "{at} is `not_affected` without a reason, expected a `justification` ({}) or an `impact_statement`",
            super::list(&JUSTIFICATIONS)
        )));
    }
    let timestamp = ctx.timestamp(at, "`timestamp`", raw.timestamp)?.or_else(|| document_time.map(str::to_string));

    let mut products = Vec::new();
    for (j, product) in ctx.items(at, "`products`", raw.products)?.into_iter().enumerate() {
        let here = format!("{at}: product {}", j + 1);
        match product {
            Val::Str(id) => products.push(ctx.matcher(&here, "`products` entry", id)?),
            Val::Obj(p) => {
                component(ctx, &here, p.id, p.identifiers, &mut products)?;
                for (k, sub) in ctx.items(&here, "`subcomponents`", p.subcomponents)?.into_iter().enumerate() {
                    subcomponent(ctx, &format!("{here}: subcomponent {}", k + 1), sub, &mut products)?;
                }
            }
            Val::Other(kind) => return Err(ctx.invalid(format!("{here} is {kind}, expected an object"))),
        }
    }
    for (k, sub) in ctx.items(at, "`subcomponents`", raw.subcomponents)?.into_iter().enumerate() {
        subcomponent(ctx, &format!("{at}: subcomponent {}", k + 1), sub, &mut products)?;
    }
    Ok(VexStatement { vulnerability, aliases, products, status, justification, impact_statement, timestamp })
}

fn subcomponent(
    ctx: &Ctx<'_>,
    at: &str,
    sub: Val<RawComponent>,
    products: &mut Vec<ProductMatcher>,
) -> Result<(), VexError> {
    match sub {
        Val::Str(id) => products.push(ctx.matcher(at, "`@id`", id)?),
        Val::Obj(c) => component(ctx, at, c.id, c.identifiers, products)?,
        Val::Other(kind) => return Err(ctx.invalid(format!("{at} is {kind}, expected an object"))),
    }
    Ok(())
}

/// The matchers of one product or subcomponent: its `@id` and its `identifiers`.
fn component(
    ctx: &Ctx<'_>,
    at: &str,
    id: Option<Text>,
    identifiers: Option<Val<RawIdentifiers>>,
    products: &mut Vec<ProductMatcher>,
) -> Result<(), VexError> {
    let before = products.len();
    if let Some(id) = ctx.string(at, "`@id`", id)?.filter(|id| !id.is_empty()) {
        products.push(ctx.matcher(at, "`@id`", id)?);
    }
    if let Some(identifiers) = identifiers {
        let identifiers = identifiers
            .into_object()
            .map_err(|kind| ctx.invalid(format!("{at}: `identifiers` is {kind}, expected an object")))?;
        if let Some(purl) = ctx.string(at, "`identifiers.purl`", identifiers.purl)?.filter(|p| !p.is_empty()) {
            // A purl identifier that does not start with `pkg:` is still a purl the author meant.
            let matcher = ctx.matcher(at, "`identifiers.purl`", purl)?;
            if let ProductMatcher::Other(text) = &matcher {
                return Err(ctx.invalid(format!(
                    "{at}: `identifiers.purl` `{}` is not a valid package URL, expected `pkg:type/namespace/name@version`",
                    super::shorten(text)
                )));
            }
            products.push(matcher);
        }
        for (field, cpe) in [("`identifiers.cpe22`", identifiers.cpe22), ("`identifiers.cpe23`", identifiers.cpe23)] {
            if let Some(cpe) = ctx.string(at, field, cpe)?.filter(|c| !c.is_empty()) {
                products.push(ProductMatcher::Other(cpe));
            }
        }
    }
    if products.len() == before {
        return Err(ctx.invalid(format!("{at} has no `@id` or `identifiers`, expected at least one")));
    }
    Ok(())
}
