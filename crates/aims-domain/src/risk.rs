//! Risk criteria (the organization's likelihood x impact matrix), scoring, impact assessment
//! entries, and the Statement of Applicability completeness rule.

use crate::validate::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub label: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lowest score in the band (inclusive).
    pub min: i64,
    /// Highest score in the band (inclusive).
    pub max: i64,
    pub level: String,
    /// `#rrggbb`
    pub colour: String,
}

/// Likelihood and impact scales, score bands, and the acceptance threshold: a residual score
/// above it needs top-management acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskCriteria {
    pub likelihood: Vec<Level>,
    pub impact: Vec<Level>,
    pub bands: Vec<Band>,
    pub acceptance_threshold: i64,
}

fn lv(label: &str, description: &str) -> Level {
    Level {
        label: label.into(),
        description: description.into(),
    }
}

impl Default for RiskCriteria {
    fn default() -> Self {
        RiskCriteria {
            likelihood: vec![
                lv("Rare", "Not expected in the life of the system"),
                lv("Unlikely", "Could happen, but has not here"),
                lv("Possible", "Has happened here or to peers"),
                lv("Likely", "Expected within a year"),
                lv(
                    "Almost certain",
                    "Expected within months or already happening",
                ),
            ],
            impact: vec![
                lv(
                    "Negligible",
                    "No lasting effect on people or the organization",
                ),
                lv("Minor", "Limited, reversible harm to few people"),
                lv("Moderate", "Noticeable harm, a complaint or a minor breach"),
                lv(
                    "Major",
                    "Serious harm to people or rights, regulatory action",
                ),
                lv(
                    "Severe",
                    "Irreversible harm, loss of life or of the licence to operate",
                ),
            ],
            bands: vec![
                Band {
                    min: 1,
                    max: 4,
                    level: "Low".into(),
                    colour: "#2e7d32".into(),
                },
                Band {
                    min: 5,
                    max: 9,
                    level: "Medium".into(),
                    colour: "#f9a825".into(),
                },
                Band {
                    min: 10,
                    max: 16,
                    level: "High".into(),
                    colour: "#ef6c00".into(),
                },
                Band {
                    min: 17,
                    max: 25,
                    level: "Critical".into(),
                    colour: "#c62828".into(),
                },
            ],
            acceptance_threshold: 9,
        }
    }
}

impl RiskCriteria {
    pub fn max_score(&self) -> i64 {
        (self.likelihood.len() * self.impact.len()) as i64
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        for (name, scale) in [("likelihood", &self.likelihood), ("impact", &self.impact)] {
            if !(2..=10).contains(&scale.len()) {
                inv.push(name, "must have 2 to 10 levels");
            }
            if scale.iter().any(|l| l.label.trim().is_empty()) {
                inv.push(name, "every level needs a label");
            }
        }
        let mut next = 1;
        for (i, b) in self.bands.iter().enumerate() {
            if b.min != next || b.max < b.min {
                inv.push(&format!("bands[{i}]"), format!("must start at {next} and not end before it starts: bands cover every score from 1 up without gaps"));
                break;
            }
            if b.level.trim().is_empty() {
                inv.push(&format!("bands[{i}].level"), "is required");
            }
            let c = b.colour.as_bytes();
            if c.len() != 7 || c[0] != b'#' || !b.colour[1..].chars().all(|x| x.is_ascii_hexdigit())
            {
                inv.push(
                    &format!("bands[{i}].colour"),
                    "must be a colour like #c62828",
                );
            }
            next = b.max + 1;
        }
        if inv.is_empty() && next != self.max_score() + 1 {
            inv.push(
                "bands",
                format!("must end at the highest score, {}", self.max_score()),
            );
        }
        if self.acceptance_threshold < 1 || self.acceptance_threshold > self.max_score() {
            inv.push(
                "acceptance_threshold",
                format!("must be between 1 and {}", self.max_score()),
            );
        }
        inv.into_result()
    }

    pub fn band(&self, score: i64) -> Option<&Band> {
        self.bands.iter().find(|b| b.min <= score && score <= b.max)
    }

    /// Checks a likelihood or impact value against its scale.
    pub fn check_level(
        &self,
        field: &str,
        value: Option<i64>,
        likelihood: bool,
    ) -> Result<(), String> {
        let n = if likelihood {
            self.likelihood.len()
        } else {
            self.impact.len()
        } as i64;
        match value {
            Some(v) if v < 1 || v > n => Err(format!(
                "{field} must be between 1 and {n} on the organization's scale"
            )),
            _ => Ok(()),
        }
    }
}

pub const PARTIES: &[(&str, &str)] = &[
    ("individuals", "Individuals"),
    ("groups", "Groups of individuals"),
    ("society", "Society"),
];

pub const DIMENSIONS: &[(&str, &str)] = &[
    ("fairness", "Fairness and non-discrimination"),
    ("privacy", "Privacy"),
    ("safety", "Safety"),
    ("security", "Security"),
    ("transparency", "Transparency and explainability"),
    ("accountability", "Accountability"),
    ("human_oversight", "Human oversight and autonomy"),
    ("environment", "Environmental impact"),
    ("fundamental_rights", "Other fundamental rights"),
];

/// One finding of an AI system impact assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactEntry {
    pub party: String,
    pub dimension: String,
    pub consequence: String,
    /// 1 (negligible) to 5 (severe).
    pub severity: i64,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: i64,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub residual: String,
}

impl ImpactEntry {
    pub fn check(&self, at: &str, inv: &mut Invalid) {
        if !PARTIES.iter().any(|(k, _)| *k == self.party) {
            inv.push(
                &format!("{at}.party"),
                "must be individuals, groups or society",
            );
        }
        if !DIMENSIONS.iter().any(|(k, _)| *k == self.dimension) {
            inv.push(
                &format!("{at}.dimension"),
                format!(
                    "must be one of {}",
                    DIMENSIONS
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if self.consequence.trim().is_empty() {
            inv.push(&format!("{at}.consequence"), "is required");
        }
        for (f, v) in [("severity", self.severity), ("likelihood", self.likelihood)] {
            if !(1..=5).contains(&v) {
                inv.push(&format!("{at}.{f}"), "must be between 1 and 5");
            }
        }
    }

    /// Severe and at least possible: worth a risk of its own.
    pub fn is_high(&self) -> bool {
        self.severity * self.likelihood >= 12 || self.severity == 5
    }
}

/// One SoA entry as the completeness check sees it.
pub struct SoaCheckEntry<'a> {
    pub reference: &'a str,
    pub applicable: Option<bool>,
    pub justification: &'a str,
    pub implemented_controls: usize,
}

/// The completeness problems of a Statement of Applicability: every control decided and
/// justified, every applicable one implemented by a control, every "modify" risk treated by a control.
pub fn soa_problems(entries: &[SoaCheckEntry], untreated_modify_risks: &[String]) -> Vec<String> {
    let mut out = vec![];
    for e in entries {
        match e.applicable {
            None => out.push(format!("{}: not decided", e.reference)),
            Some(_) if e.justification.trim().is_empty() => {
                out.push(format!("{}: no justification", e.reference))
            }
            Some(true) if e.implemented_controls == 0 => out.push(format!(
                "{}: applicable but no implemented control",
                e.reference
            )),
            _ => {}
        }
    }
    for r in untreated_modify_risks {
        out.push(format!(
            "{r}: treated by \"modify\" but linked to no control"
        ));
    }
    out
}

/// A risk's score for acceptance: the residual score once residual levels are set, else the inherent one.
pub fn current_score(
    inherent: (Option<i64>, Option<i64>),
    residual: (Option<i64>, Option<i64>),
) -> Option<i64> {
    match (residual, inherent) {
        ((Some(l), Some(i)), _) => Some(l * i),
        (_, (Some(l), Some(i))) => Some(l * i),
        _ => None,
    }
}

/// An acceptance holds while the risk's score stays at or below the score that was accepted.
pub fn acceptance_holds(accepted_score: i64, score: Option<i64>) -> bool {
    score.is_none_or(|s| s <= accepted_score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_criteria_are_valid_and_band_scores() {
        let c = RiskCriteria::default();
        c.check().unwrap();
        assert_eq!(current_score((Some(4), Some(5)), (None, None)), Some(20));
        assert_eq!(
            current_score((Some(4), Some(5)), (Some(2), Some(3))),
            Some(6)
        );
        assert!(acceptance_holds(6, Some(6)));
        assert!(acceptance_holds(6, Some(4)));
        assert!(!acceptance_holds(6, Some(9)));
        assert_eq!(c.band(12).unwrap().level, "High");
        assert_eq!(c.band(25).unwrap().level, "Critical");
        assert!(c.check_level("inherent_likelihood", Some(6), true).is_err());
        assert!(c.check_level("inherent_likelihood", Some(5), true).is_ok());
    }

    #[test]
    fn bad_criteria_are_named() {
        let mut c = RiskCriteria::default();
        c.bands[1].min = 6;
        c.acceptance_threshold = 30;
        let e = c.check().unwrap_err();
        assert!(e.message_for("bands[1]").is_some());
        assert!(e.message_for("acceptance_threshold").is_some());
    }

    #[test]
    fn soa_completeness() {
        let entries = [
            SoaCheckEntry {
                reference: "A.2.2",
                applicable: Some(true),
                justification: "needed",
                implemented_controls: 1,
            },
            SoaCheckEntry {
                reference: "A.2.3",
                applicable: None,
                justification: "",
                implemented_controls: 0,
            },
            SoaCheckEntry {
                reference: "A.2.4",
                applicable: Some(false),
                justification: "",
                implemented_controls: 0,
            },
            SoaCheckEntry {
                reference: "A.3.2",
                applicable: Some(true),
                justification: "x",
                implemented_controls: 0,
            },
        ];
        let p = soa_problems(&entries, &["RSK-3".into()]);
        assert_eq!(p.len(), 4, "{p:?}");
    }
}
