//! Drawing the coded excerpts and composing their texts.
//!
//! Sources (interviews, then focus groups) get a level, a country, a population and
//! a consent flag (an exact share of the sources consents); each gives between
//! `min_per_source` and `max_per_source` excerpts (`total` of them over all sources
//! when that is set). The excerpts' first codes are
//! exact shares of all excerpts (largest remainder over the code weights) in a
//! shuffled order, so the ranking of the themes does not depend on luck and the
//! text pools can be checked before any text is drawn; a second code is added by
//! chance.
//!
//! A text is composed as `[lead-in] core [detail]`: each excerpt takes the next core
//! statement of its first code's pool (in a shuffled order, each used once), then the
//! first of the code's remaining details (also shuffled, each used once) with which it
//! stays within `max_chars`, and, by chance, a lead-in for the code's kind where one
//! still fits (the lead-ins go round in a shuffled cycle). No core statement is
//! written twice in `synth.toml` (resolving checks that) and none is drawn twice, so
//! every text is distinct and can be traced to one excerpt, and a test can tell
//! quoted from unquoted words.

use super::SynthError;
use super::draw::{largest_remainder, stream};
use super::params::TextPools;
use super::resolve::{Plan, located};
use crate::stats::rng;

/// An interview or focus group.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// `INT-01`, `FG-01`, ...
    pub id: String,
    /// `interview` or `focus_group`.
    pub kind: &'static str,
    /// Index into [`super::LEVELS`].
    pub level: usize,
    /// The participant's country.
    pub country: String,
    /// Category of the primary dimension.
    pub population: usize,
    /// Whether its participants agreed to be quoted.
    pub consent: bool,
    /// How many excerpts it gives.
    pub excerpts: usize,
}

/// One coded excerpt.
#[derive(Debug, Clone)]
pub(crate) struct Excerpt {
    /// Index of its source.
    pub source: usize,
    /// Its codes (indices into the codebook), ascending.
    pub codes: Vec<usize>,
    /// Its words.
    pub text: String,
}

/// Draws the sources and their excerpts.
pub(crate) fn draw(plan: &Plan) -> Result<(Vec<Source>, Vec<Excerpt>), SynthError> {
    let sources = sources(plan);
    let owners: Vec<usize> = sources
        .iter()
        .enumerate()
        .flat_map(|(s, src)| std::iter::repeat_n(s, src.excerpts))
        .collect();
    if owners.is_empty() {
        return Ok((sources, Vec::new()));
    }
    let codes = codes(plan, owners.len());
    let texts = texts(plan, &codes)?;
    let excerpts = owners
        .into_iter()
        .zip(codes)
        .zip(texts)
        .map(|((source, mut codes), text)| {
            codes.sort_unstable();
            Excerpt {
                source,
                codes,
                text,
            }
        })
        .collect();
    Ok((sources, excerpts))
}

fn sources(plan: &Plan) -> Vec<Source> {
    let e = &plan.excerpts;
    let mut draws = stream(plan, "synth-sources", "");
    let n = e.interviews + e.focus_groups;
    // An exact share of the sources consented, chosen at random.
    let mut order: Vec<usize> = (0..n).collect();
    rng::shuffle(&mut draws, &mut order);
    let mut consent = vec![false; n];
    for &s in &order[..((n as f64 * e.consent).round() as usize).min(n)] {
        consent[s] = true;
    }
    let mut sources: Vec<Source> = (0..n)
        .map(|s| {
            let (id, kind) = if s < e.interviews {
                (
                    format!("INT-{:0w$}", s + 1, w = digits(e.interviews).max(2)),
                    "interview",
                )
            } else {
                let k = s - e.interviews + 1;
                (
                    format!("FG-{k:0w$}", w = digits(e.focus_groups).max(2)),
                    "focus_group",
                )
            };
            let level = rng::weighted(&mut draws, &e.levels);
            let countries = &e.countries[level];
            let country = countries.names[rng::weighted(&mut draws, &countries.weights)].clone();
            let population = rng::weighted(&mut draws, &e.populations);
            Source {
                id,
                kind,
                level,
                country,
                population,
                consent: consent[s],
                excerpts: e.min_per_source,
            }
        })
        .collect();
    let spare = e.max_per_source.saturating_sub(e.min_per_source);
    match e.total {
        // The excerpts beyond the minimum take distinct spare places, drawn
        // uniformly; place `j` belongs to source `j / spare`.
        Some(total) => {
            let extra = total.saturating_sub(n * e.min_per_source);
            for place in rng::sample(&mut draws, n * spare, extra) {
                sources[place as usize / spare].excerpts += 1;
            }
        }
        None => {
            for s in &mut sources {
                s.excerpts += rng::index(&mut draws, spare + 1);
            }
        }
    }
    sources
}

/// Each excerpt's codes, the leading one first: leading codes are exact shares of
/// the excerpts in a shuffled order, and a second code follows with chance
/// `second_code`, weighted among the others.
fn codes(plan: &Plan, total: usize) -> Vec<Vec<usize>> {
    let e = &plan.excerpts;
    let mut draws = stream(plan, "synth-codes", "");
    let mut first: Vec<usize> = largest_remainder(&e.codes, total)
        .iter()
        .enumerate()
        .flat_map(|(c, &k)| std::iter::repeat_n(c, k))
        .collect();
    rng::shuffle(&mut draws, &mut first);
    first
        .into_iter()
        .map(|lead| {
            let mut codes = vec![lead];
            if e.codes.len() > 1 && rng::bernoulli(&mut draws, e.second_code) {
                let mut w = e.codes.clone();
                w[lead] = 0.0;
                if w.iter().any(|x| *x > 0.0) {
                    codes.push(rng::weighted(&mut draws, &w));
                }
            }
            codes
        })
        .collect()
}

/// Composes the text of every excerpt from its leading code's pools, after checking
/// that every code has enough core statements (all codes at once).
fn texts(plan: &Plan, codes: &[Vec<usize>]) -> Result<Vec<String>, SynthError> {
    let e = &plan.excerpts;
    check_pools(plan, codes)?;
    let limit = e.max_chars.unwrap_or(usize::MAX);
    let mut decks: Vec<Option<Deck<'_>>> = e
        .texts
        .iter()
        .zip(&plan.shape.codes)
        .map(|(pools, code)| pools.as_ref().map(|p| Deck::new(plan, &code.id, p)))
        .collect();
    let mut leads = Leads::new(plan);
    let mut placeholders = vec![0usize; decks.len()];
    let texts = codes
        .iter()
        .map(|c| {
            let code = &plan.shape.codes[c[0]];
            let body = match &mut decks[c[0]] {
                Some(deck) => deck.body(limit),
                None => {
                    placeholders[c[0]] += 1;
                    format!(
                        "Synthetic excerpt {} on the theme \u{201c}{}\u{201d}.",
                        placeholders[c[0]], code.label
                    )
                }
            };
            let room = limit.saturating_sub(body.chars().count() + 1);
            match leads.next(code.kind, room) {
                Some(opening) => format!("{opening} {body}"),
                None => body,
            }
        })
        .collect();
    Ok(texts)
}

/// Every code with pools needs a core statement for each excerpt it leads.
fn check_pools(plan: &Plan, codes: &[Vec<usize>]) -> Result<(), SynthError> {
    let mut need = vec![0usize; plan.shape.codes.len()];
    for c in codes {
        need[c[0]] += 1;
    }
    let mut problems = Vec::new();
    for (c, pools) in plan.excerpts.texts.iter().enumerate() {
        let Some(pools) = pools else { continue };
        let code = &plan.shape.codes[c].id;
        let have = pools.cores.len();
        if have < need[c] {
            let at = format!("excerpts.texts.{code}.cores");
            problems.push(located(
                &plan.positions,
                &at,
                format!(
                    "{at}: {} excerpts have {code:?} as their first code but only {have} core statements are written for it; expected at least {} (write more, or ask for fewer excerpts)",
                    need[c], need[c]
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SynthError::new(problems))
    }
}

/// One code's pieces, each list in its own shuffled order.
struct Deck<'a> {
    cores: std::vec::IntoIter<&'a str>,
    details: Vec<&'a str>,
}

impl<'a> Deck<'a> {
    fn new(plan: &Plan, code: &str, pools: &'a TextPools) -> Deck<'a> {
        let mut draws = stream(plan, "synth-texts", code);
        let mut cores: Vec<&str> = pools.cores.iter().map(|s| s.trim()).collect();
        let mut details: Vec<&str> = pools.details.iter().map(|s| s.trim()).collect();
        rng::shuffle(&mut draws, &mut cores);
        rng::shuffle(&mut draws, &mut details);
        Deck {
            cores: cores.into_iter(),
            details,
        }
    }

    /// The next core statement, followed by the first remaining detail with which
    /// it fits in `limit` characters (that detail is used up); the core alone when
    /// none fits or none is left. [`check_pools`] made sure a core is left.
    fn body(&mut self, limit: usize) -> String {
        let core = self.cores.next().unwrap_or_default();
        let room = limit.saturating_sub(core.chars().count() + 1);
        match self.details.iter().position(|d| d.chars().count() <= room) {
            Some(i) => format!("{core} {}", self.details.remove(i)),
            None => core.to_owned(),
        }
    }
}

/// The lead-ins per kind of code, each kind's in a shuffled cycle.
struct Leads<'a> {
    chance: f64,
    kinds: Vec<(&'static str, Vec<&'a str>, usize)>,
    draws: rand_chacha::ChaCha8Rng,
}

impl<'a> Leads<'a> {
    fn new(plan: &'a Plan) -> Leads<'a> {
        let mut draws = stream(plan, "synth-openings", "");
        let kinds = super::shape::CODE_KINDS
            .iter()
            .zip(&plan.excerpts.openings)
            .map(|(kind, list)| {
                let mut pool: Vec<&str> = list.iter().map(|s| s.trim()).collect();
                rng::shuffle(&mut draws, &mut pool);
                (*kind, pool, 0)
            })
            .collect();
        Leads {
            chance: plan.excerpts.opening,
            kinds,
            draws,
        }
    }

    /// A lead-in of at most `room` characters for an excerpt of `kind`, or none (by
    /// chance, because none is written, or because the next one is too long; it then
    /// stays next in line).
    fn next(&mut self, kind: &str, room: usize) -> Option<&'a str> {
        let (_, pool, used) = self.kinds.iter_mut().find(|(k, _, _)| *k == kind)?;
        if pool.is_empty() || !rng::bernoulli(&mut self.draws, self.chance) {
            return None;
        }
        let lead = pool[*used % pool.len()];
        if lead.chars().count() > room {
            return None;
        }
        *used += 1;
        Some(lead)
    }
}

/// Decimal digits of `n` (at least 1).
pub(crate) fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}
