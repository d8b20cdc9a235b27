//! Writing the drawn study as the three raw CSV files, in a fixed order.

use std::fmt::Write as _;

use super::LEVELS;
use super::draw::{Orgs, WaveReports};
use super::excerpts::{Excerpt, Source, digits};
use super::resolve::Plan;

/// The pseudonymous id of organisation `i` (`ORG-001`, ...).
fn org_id(plan: &Plan, i: usize) -> String {
    let width = digits(plan.orgs.total).max(3);
    format!("{}{:0width$}", plan.orgs.id_prefix, i + 1)
}

/// `raw/organisations.csv`.
pub(crate) fn organisations(plan: &Plan, orgs: &Orgs) -> String {
    let n = plan.orgs.total;
    let mut out = String::with_capacity(n * 80);
    out.push_str(&plan.shape.org_columns.join(","));
    out.push('\n');
    for i in 0..n {
        out.push_str(&org_id(plan, i));
        out.push(',');
        out.push_str(&csv_field(&plan.countries.names[orgs.country[i]]));
        for (d, dim) in plan.shape.dimensions.iter().enumerate() {
            out.push(',');
            out.push_str(&csv_field(&dim.categories[orgs.cats[d][i]]));
        }
        let _ = writeln!(out, ",{},{}", orgs.surveyed[i], orgs.responded[i]);
    }
    out
}

/// `raw/ties.csv`: per wave, per respondent in id order, partners in id order.
pub(crate) fn ties(plan: &Plan, respondents: &[u32], waves: &[WaveReports]) -> String {
    let width = digits(plan.orgs.total).max(3);
    let prefix = &plan.orgs.id_prefix;
    let reports: usize = waves.iter().map(|w| w.placed).sum();
    let mut out = String::with_capacity(reports * (2 * (prefix.len() + width) + 12) + 32);
    out.push_str("wave,reporter,partner\n");
    for wave in waves {
        let id = csv_field(&wave.wave);
        for (k, partners) in wave.named.iter().enumerate() {
            let reporter = org_id(plan, respondents[k] as usize);
            for &p in partners {
                let _ = writeln!(out, "{id},{reporter},{prefix}{:0width$}", p as usize + 1);
            }
        }
    }
    out
}

/// `raw/excerpts.csv`.
pub(crate) fn excerpts(plan: &Plan, sources: &[Source], excerpts: &[Excerpt]) -> String {
    let width = digits(excerpts.len()).max(3);
    let primary = &plan.shape.dimensions[plan.shape.primary];
    let mut out = String::from(
        "excerpt_id,source_id,source_kind,level,country,population,codes,consent,text\n",
    );
    for (i, e) in excerpts.iter().enumerate() {
        let s = &sources[e.source];
        let codes: Vec<&str> = e
            .codes
            .iter()
            .map(|&c| plan.shape.codes[c].id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "EX-{:0width$},{},{},{},{},{},{},{},{}",
            i + 1,
            s.id,
            s.kind,
            LEVELS[s.level],
            csv_field(&s.country),
            csv_field(&primary.categories[s.population]),
            csv_field(&codes.join(";")),
            s.consent,
            csv_field(&e.text)
        );
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote, line break or edge whitespace.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = s.contains([',', '"', '\n', '\r'])
        || s.starts_with([' ', '\t'])
        || s.ends_with([' ', '\t']);
    if needs {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field(" edge"), "\" edge\"");
    }
}
