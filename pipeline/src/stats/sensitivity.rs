//! How much the headline numbers depend on how ties were observed: reciprocity among
//! respondents, and the headline numbers under both tie rules on the whole network
//! and on the network of respondents only.
//!
//! Under `union` a tie to a non-respondent rests on one report; under `reciprocated`
//! every tie needs two, so only ties between respondents remain. The respondent-only
//! network drops the non-respondents and their ties altogether. When the three views
//! agree, the headline numbers do not hinge on the tie rule or on non-response.

use serde::{Deserialize, Serialize};

use crate::model::Study;
use crate::stats::design::{self, Reciprocity, Strata};
use crate::stats::graph::ratio_i128;
use crate::stats::homophily;
use crate::stats::inference::{Role, headline_dimensions};
use crate::study::TieRule;

/// The sensitivity analysis of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// The study's own tie rule (the one every other section uses).
    pub rule: TieRule,
    /// Per wave, in the order of `study.toml`.
    pub waves: Vec<WaveSensitivity>,
}

/// One wave's sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveSensitivity {
    /// Wave id.
    pub id: String,
    /// Agreement of respondent pairs.
    pub reciprocity: Reciprocity,
    /// The headline numbers of each view, in the order union/all,
    /// reciprocated/all, union/respondents, reciprocated/respondents.
    pub networks: Vec<View>,
}

/// Which organisations a view keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every organisation listed.
    All,
    /// Respondents only, and the ties between them.
    Respondents,
}

/// The headline numbers of one view of a wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// The tie rule of this view.
    pub rule: TieRule,
    /// The organisations kept.
    pub scope: Scope,
    /// Organisations kept.
    pub organisations: usize,
    /// Ties.
    pub ties: usize,
    /// `2 ties / organisations`; `None` without organisations.
    pub mean_degree: Option<f64>,
    /// The headline dimensions: primary, then vertical.
    pub dimensions: Vec<ViewDimension>,
}

/// One headline dimension in one view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewDimension {
    /// The dimension's column.
    pub column: String,
    /// Its role.
    pub role: Role,
    /// Share of the ties that cross categories; `None` without ties.
    pub cross_share: Option<f64>,
    /// That share expected under labels permuted within response strata.
    pub expected_cross_share: Option<f64>,
    /// The E-I index.
    pub ei_index: Option<f64>,
}

/// The sensitivity analysis of `study` (`labels[k]`: dimension `k`'s category of each
/// organisation).
pub fn sensitivity(study: &Study, labels: &[Vec<u32>]) -> Sensitivity {
    let config = &study.config;
    let heads = headline_dimensions(config);
    let waves = config
        .waves
        .iter()
        .enumerate()
        .map(|(w, wave)| {
            let responded = design::respondents(study, w);
            let strata = Strata::by_response(&responded);
            // One pass over the reports for both rules and the reciprocity.
            let union = design::reported_ties(&design::reports(study, w), TieRule::Union);
            let respondents = responded.iter().filter(|&&r| r).count();
            let mut networks = Vec::new();
            for scope in [Scope::All, Scope::Respondents] {
                for rule in [TieRule::Union, TieRule::Reciprocated] {
                    let mut ties = design::ties_under(&union, rule);
                    let organisations = match scope {
                        Scope::All => study.orgs.len(),
                        Scope::Respondents => {
                            ties.retain(|&(a, b)| responded[a as usize] && responded[b as usize]);
                            respondents
                        }
                    };
                    let dimensions = heads
                        .iter()
                        .map(|&(k, role)| {
                            let lab = &labels[k];
                            let mixing = homophily::mixing_matrix(
                                &ties,
                                lab,
                                config.dimensions[k].categories.len(),
                            );
                            let (i, e) =
                                (homophily::internal(&mixing), homophily::external(&mixing));
                            ViewDimension {
                                column: config.dimensions[k].column.clone(),
                                role,
                                cross_share: cross_share(e, i),
                                expected_cross_share: design::expected_cross_share(
                                    &ties, lab, &strata,
                                ),
                                ei_index: homophily::ei_index(e, i),
                            }
                        })
                        .collect();
                    networks.push(View {
                        rule,
                        scope,
                        organisations,
                        ties: ties.len(),
                        mean_degree: (organisations > 0)
                            .then(|| ratio_i128(2 * ties.len() as i128, organisations as i128)),
                        dimensions,
                    });
                }
            }
            WaveSensitivity {
                id: wave.id.clone(),
                reciprocity: design::reciprocity(&union, &responded),
                networks,
            }
        })
        .collect();
    Sensitivity {
        rule: config.tie_rule,
        waves,
    }
}

/// `external / (external + internal)`; `None` without ties.
pub fn cross_share(external: u64, internal: u64) -> Option<f64> {
    let m = i128::from(external) + i128::from(internal);
    (m > 0).then(|| ratio_i128(i128::from(external), m))
}
