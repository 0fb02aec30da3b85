//! Maturity self-assessment, evidence-based maturity, gaps, the certification roadmap and the
//! budget estimate. Pure rules: the facts come in, dates are passed in.

#[path = "maturity_questions.rs"]
mod questions;

use crate::validate::Invalid;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use questions::QUESTIONS;

pub struct Question {
    /// Q1 to Q42: an id of its own, so it is never read as a clause number.
    pub id: &'static str,
    /// The ISO/IEC 42001 clauses or Annex A controls the question is about.
    pub clause: &'static str,
    /// The id it had before (a clause-like number), still understood on input and in stored answers.
    pub was: &'static str,
    pub domain: &'static str,
    pub text: &'static str,
    pub explanation: &'static str,
    /// Descriptors of levels 1 to 5.
    pub levels: [&'static str; 5],
    pub recommendation: &'static str,
    /// A document or a decision rather than a programme of work.
    pub quick_win: bool,
}

pub const DOMAINS: &[(&str, &str)] = &[
    ("4", "Context (4)"),
    ("5", "Leadership (5)"),
    ("6", "Planning (6)"),
    ("7", "Support (7)"),
    ("8", "Operation (8)"),
    ("9", "Performance evaluation (9)"),
    ("10", "Improvement (10)"),
    ("annex_a", "Annex A controls"),
];

pub const LEVELS: [&str; 5] = [
    "Initial",
    "Managed",
    "Defined",
    "Quantitatively managed",
    "Optimizing",
];

pub const SCORING_RULE: &str = "A domain's score is the average level of its answered questions (1 to 5, one decimal); the overall score is the average of the domain scores. Unanswered questions are left out. A domain below 3 (Defined) is a critical gap: certification auditors expect defined, documented practice.";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub question: String,
    pub level: i64,
    #[serde(default)]
    pub notes: String,
    /// References of records or evidence that support the answer (e.g. `EV-3`, `CTL-2`).
    #[serde(default)]
    pub links: Vec<String>,
}

/// The question an id names: its own id (`Q7`) or the id it had before (`5.2`).
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.id == id || q.was == id)
}

/// Rewrites answers given (or stored) with the old question ids to today's ids.
pub fn normalize_answers(answers: &mut [Answer]) {
    for a in answers {
        if let Some(q) = question(&a.question) {
            a.question = q.id.to_string();
        }
    }
}

pub fn check_answers(answers: &[Answer]) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    let mut seen = std::collections::HashSet::new();
    for (i, a) in answers.iter().enumerate() {
        if !QUESTIONS.iter().any(|q| q.id == a.question) {
            inv.push(
                &format!("answers[{i}].question"),
                format!("`{}` is not a question of the questionnaire", a.question),
            );
        } else if !seen.insert(a.question.as_str()) {
            inv.push(&format!("answers[{i}].question"), "is answered twice");
        }
        if !(1..=5).contains(&a.level) {
            inv.push(&format!("answers[{i}].level"), "must be between 1 and 5");
        }
        for l in &a.links {
            let ok = crate::register::REGISTERS
                .iter()
                .any(|r| r.parse_reference(l).is_some() && l.trim().starts_with(r.prefix));
            if !ok {
                inv.push(
                    &format!("answers[{i}].links"),
                    format!("`{l}` is not a record reference such as EV-3 or CTL-2"),
                );
            }
        }
        if a.notes.chars().count() > 5000 {
            inv.push(
                &format!("answers[{i}].notes"),
                "must be at most 5000 characters",
            );
        }
    }
    if answers.is_empty() {
        inv.push("answers", "answer at least one question");
    }
    inv.into_result()
}

/// Domain scores (None when no question of the domain is answered) and the overall score.
pub fn scores(answers: &[Answer]) -> (Vec<(&'static str, Option<f64>)>, Option<f64>) {
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let per: Vec<(&str, Option<f64>)> = DOMAINS
        .iter()
        .map(|(d, _)| {
            let levels: Vec<i64> = answers
                .iter()
                .filter(|a| {
                    QUESTIONS
                        .iter()
                        .any(|q| q.id == a.question && q.domain == *d)
                })
                .map(|a| a.level)
                .collect();
            (
                *d,
                (!levels.is_empty())
                    .then(|| round(levels.iter().sum::<i64>() as f64 / levels.len() as f64)),
            )
        })
        .collect();
    let answered: Vec<f64> = per.iter().filter_map(|(_, s)| *s).collect();
    let overall =
        (!answered.is_empty()).then(|| round(answered.iter().sum::<f64>() / answered.len() as f64));
    (per, overall)
}

/// Facts read from the organization's records, for evidence-based maturity.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub systems: i64,
    pub systems_with_owner: i64,
    pub members: i64,
    pub managers: i64,
    pub risks: i64,
    pub risks_identified_only: i64,
    pub risks_overdue: i64,
    pub modify_risks_untreated: i64,
    pub soa_decided: i64,
    pub soa_total: i64,
    pub soa_problems: i64,
    pub soa_versions: i64,
    pub approved_assessments: i64,
    pub operating_systems_without_assessment: i64,
    pub implemented_controls: i64,
    pub controls_checked_recently: i64,
    pub expired_evidence: i64,
    pub annex_a_coverage_percent: f64,
    /// ISO 42001 references with evidence, and whether it was collected within the last 12 months.
    pub evidence: Vec<(String, bool)>,
    pub context_issues: i64,
    pub context_issues_recent: i64,
    pub interested_parties: i64,
    /// None without a scope statement; else the AI systems on which it and the inventory disagree.
    pub scope_disagreements: Option<i64>,
    pub top_management: i64,
    pub aims_role_assignments: i64,
    pub documents_overdue: i64,
    pub objectives: i64,
    pub kpis: i64,
    /// KPIs whose latest measurement is not older than one interval.
    pub kpis_measured_in_time: i64,
    pub trainings: i64,
    pub trainings_expired: i64,
    pub literacy_people: i64,
    pub literacy_recorded: i64,
    pub incident_reports_missed: i64,
}

impl Facts {
    fn has(&self, prefix: &str) -> bool {
        self.evidence
            .iter()
            .any(|(r, _)| r == prefix || r.starts_with(&format!("{prefix}.")))
    }
    fn recent(&self, prefix: &str) -> bool {
        self.evidence
            .iter()
            .any(|(r, recent)| *recent && (r == prefix || r.starts_with(&format!("{prefix}."))))
    }
}

/// A domain's records-based level and the checks behind it (description, satisfied).
pub type DomainEvidence = (&'static str, i64, Vec<(String, bool)>);

/// What the records support per domain: from 1 (no check met) to 5 (every check met), in
/// proportion to the checks met (domains have four to six checks).
pub fn evidence_levels(f: &Facts) -> Vec<DomainEvidence> {
    let c = |t: &str, ok: bool| (t.to_string(), ok);
    let checks: Vec<(&str, Vec<(String, bool)>)> = vec![
        (
            "4",
            vec![
                c("at least one AI system is registered", f.systems > 0),
                c(
                    "every AI system has an owner",
                    f.systems > 0 && f.systems_with_owner == f.systems,
                ),
                c("evidence for the AIMS scope (4.3)", f.has("4.3")),
                c(
                    "the scope statement and the inventory agree on the AI systems in scope",
                    f.scope_disagreements == Some(0),
                ),
                c(
                    "context issues and interested parties are recorded (4.1, 4.2)",
                    (f.context_issues > 0 && f.interested_parties > 0)
                        || f.has("4.1")
                        || f.has("4.2"),
                ),
                c(
                    "the context analysis was reviewed in the last 12 months",
                    f.context_issues_recent > 0 || f.recent("4.1"),
                ),
            ],
        ),
        (
            "5",
            vec![
                c(
                    "evidence of an AI policy (5.2)",
                    f.has("5.2") || f.has("A.2.2"),
                ),
                c(
                    "the AI policy evidence is less than 12 months old",
                    f.recent("5.2") || f.recent("A.2.2"),
                ),
                c(
                    "AIMS roles are assigned (5.3)",
                    f.aims_role_assignments > 0 || f.has("5.3") || f.has("A.3.2"),
                ),
                c("top management is named", f.top_management > 0),
                c("at least one manager besides the admins", f.managers > 0),
            ],
        ),
        (
            "6",
            vec![
                c("risks are registered", f.risks > 0),
                c(
                    "every risk is assessed",
                    f.risks > 0 && f.risks_identified_only == 0,
                ),
                c(
                    "every Annex A control is decided in the SoA",
                    f.soa_total > 0 && f.soa_decided == f.soa_total,
                ),
                c(
                    "at least one approved impact assessment",
                    f.approved_assessments > 0,
                ),
                c(
                    "AI objectives are set and measured by KPIs (6.2)",
                    f.objectives > 0 && f.kpis > 0,
                ),
            ],
        ),
        (
            "7",
            vec![
                c(
                    "evidence of competence (7.2)",
                    f.has("7.2") || f.has("A.4.6"),
                ),
                c("evidence of document control (7.5)", f.has("7.5")),
                c("at least three people take part", f.members >= 3),
                c("no evidence is past its date", f.expired_evidence == 0),
                c(
                    "no document is past its review date",
                    f.documents_overdue == 0,
                ),
                c(
                    "trainings are recorded and in date (7.2)",
                    f.trainings > 0 && f.trainings_expired == 0,
                ),
                c(
                    "AI literacy is recorded for everyone working with an AI system (EU AI Act Art. 4)",
                    f.literacy_people > 0 && f.literacy_recorded == f.literacy_people,
                ),
            ],
        ),
        (
            "8",
            vec![
                c(
                    "no risk is past its review date",
                    f.risks > 0 && f.risks_overdue == 0,
                ),
                c(
                    "every system in deployment or operation has an approved impact assessment",
                    f.systems > 0 && f.operating_systems_without_assessment == 0,
                ),
                c(
                    "every \"modify\" risk is treated by a control",
                    f.risks > 0 && f.modify_risks_untreated == 0,
                ),
                c(
                    "at least one control is implemented",
                    f.implemented_controls > 0,
                ),
                c(
                    "no serious incident is past its reporting deadline (EU AI Act Art. 73)",
                    f.incident_reports_missed == 0,
                ),
            ],
        ),
        (
            "9",
            vec![
                c(
                    "every KPI is measured in time (9.1)",
                    f.kpis > 0 && f.kpis_measured_in_time == f.kpis,
                ),
                c(
                    "evidence of monitoring and measurement (9.1)",
                    f.has("9.1") || f.kpis_measured_in_time > 0,
                ),
                c(
                    "an internal audit in the last 12 months (9.2)",
                    f.recent("9.2"),
                ),
                c(
                    "a management review in the last 12 months (9.3)",
                    f.recent("9.3"),
                ),
                c("the SoA has been approved", f.soa_versions > 0),
            ],
        ),
        (
            "10",
            vec![
                c("evidence of corrective action (10.2)", f.has("10.2")),
                c("evidence of continual improvement (10.1)", f.has("10.1")),
                c(
                    "at least one control's effectiveness checked in the last 12 months",
                    f.controls_checked_recently > 0,
                ),
                c(
                    "every implemented control has had its effectiveness checked",
                    f.implemented_controls > 0
                        && f.controls_checked_recently >= f.implemented_controls,
                ),
            ],
        ),
        (
            "annex_a",
            vec![
                c(
                    "at least half of the SoA is decided",
                    f.soa_total > 0 && f.soa_decided * 2 >= f.soa_total,
                ),
                c(
                    "the whole SoA is decided",
                    f.soa_total > 0 && f.soa_decided == f.soa_total,
                ),
                c(
                    "the SoA is complete (no open problems)",
                    f.soa_total > 0 && f.soa_problems == 0,
                ),
                c(
                    "at least 80 % of Annex A is covered by implemented controls",
                    f.annex_a_coverage_percent >= 80.0,
                ),
            ],
        ),
    ];
    checks
        .into_iter()
        .map(|(d, list)| {
            let met = list.iter().filter(|(_, ok)| *ok).count() as i64;
            let total = (list.len() as i64).max(1);
            let level = 1 + (4 * met + total / 2) / total;
            (d, level.min(5), list)
        })
        .collect()
}

/// The plan: start date, phase durations in months, and the budget assumptions. All editable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Plan {
    pub start_date: String,
    pub gap_analysis_months: u32,
    pub implementation_months: u32,
    pub internal_audit_months: u32,
    pub certification_months: u32,
    /// People in the organization (drives the cost band).
    pub employees: i64,
    pub holds_iso27001: bool,
    /// Cost ranges in USD, as published estimates put them; edit to your own quotes.
    pub base_cost_low: i64,
    pub base_cost_high: i64,
    pub cost_per_system_low: i64,
    pub cost_per_system_high: i64,
    pub audit_fee_low: i64,
    pub audit_fee_high: i64,
    /// Saving when integrated with an existing ISO/IEC 27001 system, in percent: the low end
    /// of the range (a plan saved with the single figure of earlier versions reads as this).
    #[serde(alias = "iso27001_saving_percent")]
    pub iso27001_saving_low_percent: i64,
    pub iso27001_saving_high_percent: i64,
}

/// Where each default of the estimate comes from, shown beside its field.
pub const ESTIMATE_SOURCES: &[(&str, &str)] = &[
    ("total", "Published estimates for an ISO/IEC 42001 certification (consultancies and certification bodies, 2024 to 2026) range from about 30,000 to 200,000 USD in total and 6 to 18 months; the defaults are calibrated to that span, from a 10-person organization with one AI system to a 5,000-person one with 25."),
    ("phases", "Published timelines of 6 to 18 months: gap analysis 1 to 3 months, implementation 3 to 11, internal audit 1 to 2, certification audits 1 to 2."),
    ("base_cost", "Consulting, tooling and internal effort that do not depend on the number of systems; grows with the size of the organization (log scale, 10 to 5,000 people). Calibrated so the smallest case totals 30,000 USD."),
    ("cost_per_system", "Inventory, risk and impact assessment, controls and evidence for each AI system in scope. Calibrated so 25 systems at the largest size total 200,000 USD."),
    ("audit_fee", "Certification-body fees for stage 1 and stage 2, published at about 10,000 to 50,000 USD depending on size and scope."),
    ("iso27001_saving", "Published savings of 30 to 40 % when the AIMS is built on an existing ISO/IEC 27001 system (shared structure, processes and audits)."),
];

impl Default for Plan {
    fn default() -> Self {
        Plan {
            start_date: String::new(),
            gap_analysis_months: 2,
            implementation_months: 6,
            internal_audit_months: 2,
            certification_months: 2,
            employees: 200,
            holds_iso27001: false,
            base_cost_low: 19_000,
            base_cost_high: 100_000,
            cost_per_system_low: 1_000,
            cost_per_system_high: 2_400,
            audit_fee_low: 10_000,
            audit_fee_high: 40_000,
            iso27001_saving_low_percent: 30,
            iso27001_saving_high_percent: 40,
        }
    }
}

impl Plan {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        if !self.start_date.is_empty()
            && NaiveDate::parse_from_str(&self.start_date, "%Y-%m-%d").is_err()
        {
            inv.push("start_date", "must be a date written YYYY-MM-DD");
        }
        for (f, v, lo, hi) in [
            ("gap_analysis_months", self.gap_analysis_months, 1, 3),
            ("implementation_months", self.implementation_months, 3, 11),
            ("internal_audit_months", self.internal_audit_months, 1, 2),
            ("certification_months", self.certification_months, 1, 2),
        ] {
            if v < lo || v > hi {
                inv.push(f, format!("must be between {lo} and {hi} months"));
            }
        }
        for (f, v) in [
            ("employees", self.employees),
            ("base_cost_low", self.base_cost_low),
            ("base_cost_high", self.base_cost_high),
            ("cost_per_system_low", self.cost_per_system_low),
            ("cost_per_system_high", self.cost_per_system_high),
            ("audit_fee_low", self.audit_fee_low),
            ("audit_fee_high", self.audit_fee_high),
        ] {
            if v < 0 {
                inv.push(f, "must not be negative");
            }
        }
        if self.base_cost_low > self.base_cost_high {
            inv.push("base_cost_low", "must not exceed base_cost_high");
        }
        for (f, v) in [
            (
                "iso27001_saving_low_percent",
                self.iso27001_saving_low_percent,
            ),
            (
                "iso27001_saving_high_percent",
                self.iso27001_saving_high_percent,
            ),
        ] {
            if !(0..=90).contains(&v) {
                inv.push(f, "must be between 0 and 90");
            }
        }
        if self.iso27001_saving_low_percent > self.iso27001_saving_high_percent {
            inv.push(
                "iso27001_saving_low_percent",
                "must not exceed the high end of the saving",
            );
        }
        if self.cost_per_system_low > self.cost_per_system_high {
            inv.push(
                "cost_per_system_low",
                "must not exceed cost_per_system_high",
            );
        }
        if self.audit_fee_low > self.audit_fee_high {
            inv.push("audit_fee_low", "must not exceed audit_fee_high");
        }
        inv.into_result()
    }

    /// The four phases with their start and end dates, and the target certification date.
    pub fn timeline(&self, today: NaiveDate) -> Vec<(&'static str, NaiveDate, NaiveDate)> {
        let mut at = NaiveDate::parse_from_str(&self.start_date, "%Y-%m-%d").unwrap_or(today);
        let mut out = vec![];
        for (name, months) in [
            ("Gap analysis and planning", self.gap_analysis_months),
            ("Implementation", self.implementation_months),
            (
                "Internal audit and pre-certification",
                self.internal_audit_months,
            ),
            (
                "Certification audit (stage 1 and stage 2)",
                self.certification_months,
            ),
        ] {
            let end = at.checked_add_months(Months::new(months)).unwrap_or(at);
            out.push((name, at, end));
            at = end;
        }
        out
    }

    /// (low, high) total cost in USD, and the audit fee range included in it.
    pub fn budget(&self, systems_in_scope: i64) -> (i64, i64) {
        // Size scales the base: small organizations sit at the low end, large ones at the high end.
        let size = ((self.employees.clamp(10, 5000) as f64).ln() - 10f64.ln())
            / (5000f64.ln() - 10f64.ln());
        let base_low = self.base_cost_low as f64
            + (self.base_cost_high - self.base_cost_low) as f64 * size * 0.5;
        let base_high =
            self.base_cost_low as f64 + (self.base_cost_high - self.base_cost_low) as f64 * size;
        let systems = systems_in_scope.max(1) as f64;
        let mut low =
            base_low + systems * self.cost_per_system_low as f64 + self.audit_fee_low as f64;
        let mut high =
            base_high + systems * self.cost_per_system_high as f64 + self.audit_fee_high as f64;
        if self.holds_iso27001 {
            // The low estimate takes the larger saving, the high one the smaller.
            low *= 1.0 - self.iso27001_saving_high_percent as f64 / 100.0;
            high *= 1.0 - self.iso27001_saving_low_percent as f64 / 100.0;
        }
        (
            (low / 1000.0).round() as i64 * 1000,
            (high / 1000.0).round() as i64 * 1000,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(q: &str, level: i64) -> Answer {
        Answer {
            question: q.into(),
            level,
            notes: String::new(),
            links: vec![],
        }
    }

    #[test]
    fn questionnaire_is_complete() {
        assert_eq!(QUESTIONS.len(), 42);
        for (d, _) in DOMAINS {
            assert!(QUESTIONS.iter().any(|q| q.domain == *d), "{d}");
        }
        for q in QUESTIONS {
            assert!(
                q.levels.iter().all(|l| !l.is_empty()) && !q.recommendation.is_empty(),
                "{}",
                q.id
            );
        }
    }

    #[test]
    fn scores_average_answered_questions() {
        let (per, overall) = scores(&[a("Q1", 2), a("Q2", 3), a("Q7", 4)]);
        assert_eq!(per[0], ("4", Some(2.5)));
        assert_eq!(per[1], ("5", Some(4.0)));
        assert_eq!(per[2], ("6", None));
        assert_eq!(overall, Some(3.3));
        assert!(check_answers(&[a("Q1", 6), a("9.9", 1), a("Q1", 2)]).is_err());
        // The ids of earlier versions are read as today's.
        let mut old = vec![a("4.1", 2), a("6.2", 3)];
        normalize_answers(&mut old);
        assert_eq!(
            (old[0].question.as_str(), old[1].question.as_str()),
            ("Q1", "Q11")
        );
    }

    #[test]
    fn evidence_levels_count_checks() {
        let f = Facts {
            systems: 2,
            systems_with_owner: 2,
            evidence: vec![("4.3".into(), true)],
            ..Default::default()
        };
        let lv = evidence_levels(&f);
        // Three of the six checks of clause 4 (systems, owners, scope evidence): level 3.
        assert_eq!(lv[0].1, 3);
        assert_eq!(lv[8 - 1].1, 1);
        let all = Facts {
            scope_disagreements: Some(0),
            context_issues: 1,
            interested_parties: 1,
            context_issues_recent: 1,
            ..f
        };
        assert_eq!(evidence_levels(&all)[0].1, 5);
    }

    #[test]
    fn plan_timeline_and_budget() {
        let p = Plan {
            start_date: "2027-01-01".into(),
            ..Default::default()
        };
        let t = p.timeline(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        assert_eq!(t[3].2, NaiveDate::from_ymd_opt(2028, 1, 1).unwrap());
        let (lo, hi) = p.budget(5);
        assert!(lo >= 30_000 && hi <= 200_000 && lo < hi, "{lo} {hi}");
        let (lo27, _) = Plan {
            holds_iso27001: true,
            ..p.clone()
        }
        .budget(5);
        assert!(lo27 < lo);
        assert!(Plan {
            implementation_months: 20,
            ..p
        }
        .check()
        .is_err());
    }

    /// The defaults keep the estimate inside the published envelope: from a 10-person
    /// organization with one AI system to a 5,000-person one with 25, 30,000 to 200,000 USD
    /// in total, and every allowed timeline 6 to 18 months.
    #[test]
    fn default_estimate_spans_the_published_envelope() {
        let at = |employees: i64, systems: i64| {
            Plan {
                employees,
                ..Default::default()
            }
            .budget(systems)
        };
        assert_eq!(at(10, 1).0, 30_000, "the smallest case reaches the floor");
        assert_eq!(
            at(5000, 25).1,
            200_000,
            "the largest case reaches the ceiling"
        );
        for employees in [10, 50, 200, 1000, 5000] {
            for systems in [1, 3, 10, 25] {
                let (lo, hi) = at(employees, systems);
                assert!(
                    (30_000..=200_000).contains(&lo)
                        && (30_000..=200_000).contains(&hi)
                        && lo <= hi,
                    "{employees} people, {systems} systems: {lo}-{hi}"
                );
            }
        }
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let months = |p: &Plan| {
            p.gap_analysis_months
                + p.implementation_months
                + p.internal_audit_months
                + p.certification_months
        };
        let shortest = Plan {
            gap_analysis_months: 1,
            implementation_months: 3,
            internal_audit_months: 1,
            certification_months: 1,
            ..Default::default()
        };
        let longest = Plan {
            gap_analysis_months: 3,
            implementation_months: 11,
            internal_audit_months: 2,
            certification_months: 2,
            ..Default::default()
        };
        assert!(shortest.check().is_ok() && longest.check().is_ok());
        assert_eq!((months(&shortest), months(&longest)), (6, 18));
        assert_eq!(
            longest.timeline(today)[3].2,
            NaiveDate::from_ymd_opt(2028, 6, 1).unwrap()
        );
        assert!(
            Plan {
                implementation_months: 12,
                ..Default::default()
            }
            .check()
            .is_err(),
            "19 months is outside 6 to 18"
        );
        assert_eq!(months(&Plan::default()), 12);
        // The 27001 saving is a range: the low estimate saves 40 %, the high one 30 %.
        let plain = at(200, 3);
        let with = Plan {
            employees: 200,
            holds_iso27001: true,
            ..Default::default()
        }
        .budget(3);
        assert_eq!(
            with.0,
            ((plain.0 as f64 * 0.6) / 1000.0).round() as i64 * 1000
        );
        assert_eq!(
            with.1,
            ((plain.1 as f64 * 0.7) / 1000.0).round() as i64 * 1000
        );
        // A plan saved with the single saving figure of earlier versions still reads.
        let old: Plan = serde_json::from_str(r#"{"iso27001_saving_percent": 35}"#).unwrap();
        assert_eq!(
            (
                old.iso27001_saving_low_percent,
                old.iso27001_saving_high_percent
            ),
            (35, 40)
        );
    }
}
