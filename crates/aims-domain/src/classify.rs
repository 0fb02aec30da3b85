//! EU AI Act classification of an AI system from a questionnaire: the tier, the reasons,
//! the obligations for the organization's roles (with their articles) and the dates that
//! apply. The dates are data (`Rules`, read from the framework library with their legal
//! sources), so a corrected or amended date is a library update; the logic is code, and
//! `CLASSIFIER_REVISION` changes when it does.

use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped whenever the classification logic below changes the result for some answers.
pub const CLASSIFIER_REVISION: u32 = 2;

/// Art. 5(1) points, with our short labels.
pub const PROHIBITED: &[(&str, &str)] = &[
    ("a", "Subliminal, manipulative or deceptive techniques that distort behaviour and cause significant harm"),
    ("b", "Exploiting vulnerabilities of age, disability or social or economic situation"),
    ("c", "Social scoring that leads to detrimental or disproportionate treatment"),
    ("d", "Predicting that a person will commit a crime based solely on profiling or personality traits"),
    ("e", "Building facial recognition databases by untargeted scraping of images"),
    ("f", "Inferring emotions of people in the workplace or in education"),
    ("g", "Biometric categorisation to infer race, political opinions, union membership, religion, sex life or orientation"),
    ("h", "Real-time remote biometric identification in public spaces for law enforcement (outside the narrow exceptions)"),
];

/// Annex III use cases, keyed by their reference in the catalog, with our short labels.
pub const ANNEX_III: &[(&str, &str)] = &[
    ("Annex III point 1(a)", "Biometrics: remote biometric identification (not mere identity verification)"),
    ("Annex III point 1(b)", "Biometrics: categorisation by sensitive or protected attributes"),
    ("Annex III point 1(c)", "Biometrics: emotion recognition"),
    ("Annex III point 2 use case", "Critical infrastructure: safety component of digital infrastructure, road traffic or utilities"),
    ("Annex III point 3(a)", "Education: access, admission or assignment"),
    ("Annex III point 3(b)", "Education: evaluating learning outcomes"),
    ("Annex III point 3(c)", "Education: assessing the appropriate level of education"),
    ("Annex III point 3(d)", "Education: monitoring students for prohibited behaviour in tests"),
    ("Annex III point 4(a)", "Employment: recruitment and selection"),
    ("Annex III point 4(b)", "Employment: decisions on terms, promotion, termination, task allocation, monitoring"),
    ("Annex III point 5(a)", "Essential services: eligibility for public assistance benefits and services"),
    ("Annex III point 5(b)", "Essential services: creditworthiness and credit scores of natural persons"),
    ("Annex III point 5(c)", "Essential services: risk assessment and pricing in life and health insurance"),
    ("Annex III point 5(d)", "Essential services: emergency calls, dispatch and patient triage"),
    ("Annex III point 6(a)", "Law enforcement: risk of a person becoming a victim"),
    ("Annex III point 6(b)", "Law enforcement: polygraphs and similar tools"),
    ("Annex III point 6(c)", "Law enforcement: reliability of evidence"),
    ("Annex III point 6(d)", "Law enforcement: risk of offending or re-offending"),
    ("Annex III point 6(e)", "Law enforcement: profiling in detection, investigation or prosecution"),
    ("Annex III point 7(a)", "Migration and borders: polygraphs and similar tools"),
    ("Annex III point 7(b)", "Migration and borders: security, irregular migration or health risk assessment"),
    ("Annex III point 7(c)", "Migration and borders: examining asylum, visa and residence applications"),
    ("Annex III point 7(d)", "Migration and borders: detecting, recognising or identifying persons"),
    ("Annex III point 8(a)", "Justice: assisting judicial authorities or alternative dispute resolution"),
    ("Annex III point 8(b)", "Democracy: influencing elections, referenda or voting behaviour"),
];

/// Art. 6(3) conditions under which an Annex III system is not high-risk.
pub const EXCEPTIONS: &[(&str, &str)] = &[
    ("a", "It performs a narrow procedural task"),
    ("b", "It improves the result of a human activity already completed"),
    ("c", "It detects decision patterns or deviations without replacing or influencing a human assessment without proper review"),
    ("d", "It performs a preparatory task to an assessment relevant to an Annex III use case"),
];

/// Art. 51(2): above this cumulative training compute a model is presumed to have high-impact capabilities.
pub const SYSTEMIC_RISK_FLOP: f64 = 1e25;

/// The yes/no questions of the questionnaire: (field of `Answers`, the question).
pub const YES_NO: &[(&str, &str)] = &[
    ("generates_intimate_imagery", "Can the system generate non-consensual intimate images or child sexual abuse material? (the Art. 5 prohibition added in 2026)"),
    ("emotion_for_medical_or_safety", "Is the emotion inference in the workplace or in education done only for medical or safety reasons? (the Art. 5(1)(f) exception)"),
    ("annex_i_safety_component", "Is the system a product, or a safety component of a product, under the Union harmonisation legislation of Annex I that needs a third-party conformity assessment? (Art. 6(1))"),
    ("fraud_detection_only", "Is the credit-related system used only to detect financial fraud? (excluded from Annex III point 5(b))"),
    ("profiles_natural_persons", "Does the system profile natural persons? (then the Art. 6(3) exception cannot apply)"),
    ("interacts_with_people", "Does the system interact directly with natural persons? (Art. 50(1))"),
    ("generates_synthetic_content", "Does the system generate synthetic audio, images, video or text? (Art. 50(2))"),
    ("on_market_before_2026_08", "Was this generative system already on the market before 2 August 2026? (the amended Art. 50 grace period)"),
    ("emotion_or_biometric_categorisation", "Does the system recognise emotions or categorise people biometrically, where this is not prohibited? (Art. 50(3))"),
    ("deep_fakes_or_public_text", "Does the system produce deep fakes, or text published to inform the public? (Art. 50(4))"),
    ("public_authority", "As deployer, is the organization a public authority or a body governed by public law? (Art. 27(1), Art. 49(3))"),
    ("provides_public_services", "As deployer, is the organization a private entity providing public services? (Art. 27(1))"),
    ("general_purpose_model", "Does the organization provide (develop and place on the market) a general-purpose AI model with this system? (Art. 53)"),
    ("model_on_market_before_2025_08", "Was that model placed on the market before 2 August 2025? (Art. 111(3))"),
    ("systemic_risk", "Has the model high-impact capabilities, or has the Commission designated it as having systemic risk? (Art. 51(1))"),
];

/// The number questions: (field of `Answers`, the question).
pub const NUMBERS: &[(&str, &str)] = &[(
    "training_compute_flop",
    "Cumulative compute used to train the model, in floating-point operations (for example 3e24). Above 10^25 the model is presumed to have systemic risk (Art. 51(2)).",
)];

/// The questionnaire. Every field has a safe default (false / empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Answers {
    /// Art. 5(1) points (`a`–`h`) that describe the system.
    pub prohibited_practices: Vec<String>,
    /// The Art. 5 prohibition added by the 2026 amendment: generating non-consensual intimate
    /// imagery or child sexual abuse material.
    pub generates_intimate_imagery: bool,
    /// Art. 5(1)(f) exception: the emotion inference is for medical or safety reasons.
    pub emotion_for_medical_or_safety: bool,
    /// Art. 6(1): the system is a product, or a safety component of a product, covered by the
    /// Union harmonisation legislation of Annex I and needs third-party conformity assessment.
    pub annex_i_safety_component: bool,
    /// Art. 6(2): the Annex III use cases the system is intended for (catalog refs).
    pub annex_iii_use_cases: Vec<String>,
    /// Annex III point 5(b) excludes systems used to detect financial fraud.
    pub fraud_detection_only: bool,
    /// Art. 6(3): the condition (`a`–`d`) under which an Annex III system is not high-risk.
    pub annex_iii_exception: Option<String>,
    /// The system profiles natural persons (then Art. 6(3) never applies).
    pub profiles_natural_persons: bool,
    /// Art. 50(1): the system interacts directly with natural persons.
    pub interacts_with_people: bool,
    /// Art. 50(2): the system generates synthetic audio, image, video or text.
    pub generates_synthetic_content: bool,
    /// The generative system was on the market before 2 August 2026 (amended Art. 50 grace period).
    pub on_market_before_2026_08: bool,
    /// Art. 50(3): emotion recognition or biometric categorisation (where not prohibited).
    pub emotion_or_biometric_categorisation: bool,
    /// Art. 50(4): the system generates or manipulates deep fakes, or text published to inform the public.
    pub deep_fakes_or_public_text: bool,
    /// As deployer, the organization is a public authority or a body governed by public law
    /// (Art. 27(1), Art. 49(3)).
    pub public_authority: bool,
    /// As deployer, the organization is a private entity providing public services (Art. 27(1)).
    pub provides_public_services: bool,
    /// The organization provides a general-purpose AI model with this system.
    pub general_purpose_model: bool,
    /// The model was placed on the market before 2 August 2025 (Art. 111(3)).
    pub model_on_market_before_2025_08: bool,
    /// High-impact capabilities or a Commission designation (Art. 51(1)).
    pub systemic_risk: bool,
    /// Cumulative training compute in FLOP; above 10^25 systemic risk is presumed (Art. 51(2)).
    pub training_compute_flop: Option<f64>,
    /// The organization's reasoning, in its own words.
    pub rationale: String,
}

/// One application date of the Act, with its legal source; part of the framework library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDate {
    /// Stable key the classifier uses, e.g. `annex_iii_high_risk`.
    pub key: String,
    /// What starts to apply, in our words.
    pub label: String,
    /// The date that applies today (YYYY-MM-DD).
    pub applies_from: String,
    /// The date of the original text, where an amendment moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// The article of Regulation (EU) 2024/1689 that sets the date.
    pub source: String,
    /// The amending act, where amended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_by: Option<String>,
    /// Where the amending act stands (adopted, in force, how verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amendment_status: Option<String>,
}

/// The date keys the classifier needs; a library without one of them is refused.
pub const DATE_KEYS: &[&str] = &[
    "prohibitions",
    "intimate_imagery_prohibition",
    "gpai",
    "gpai_models_already_on_market",
    "transparency",
    "transparency_grace_for_generative",
    "annex_iii_high_risk",
    "annex_i_high_risk",
];

/// The data the classifier runs on, and the version that names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Changes when the logic (`CLASSIFIER_REVISION`) or any date or source changes.
    pub version: String,
    pub dates: Vec<ApplicationDate>,
}

impl Rules {
    /// Checks that every date the classifier needs is there and well formed.
    pub fn new(dates: Vec<ApplicationDate>) -> Result<Rules, String> {
        for key in DATE_KEYS {
            if !dates.iter().any(|d| d.key == *key) {
                return Err(format!("application_dates: `{key}` is missing"));
            }
        }
        for d in &dates {
            for (what, v) in [
                ("applies_from", Some(&d.applies_from)),
                ("original", d.original.as_ref()),
            ] {
                if let Some(v) = v {
                    if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
                        return Err(format!(
                            "application_dates `{}`: {what} `{v}` is not a date (YYYY-MM-DD)",
                            d.key
                        ));
                    }
                }
            }
            if d.source.trim().is_empty() {
                return Err(format!("application_dates `{}`: source is required", d.key));
            }
        }
        let canonical = serde_json::to_vec(&dates).map_err(|e| e.to_string())?;
        let hash = hex::encode(Sha256::digest(&canonical));
        Ok(Rules {
            version: format!("r{CLASSIFIER_REVISION}-{}", &hash[..12]),
            dates,
        })
    }

    fn date(&self, key: &str) -> ApplicationDate {
        self.dates
            .iter()
            .find(|d| d.key == key)
            .cloned()
            // `new` guarantees every key; this only keeps the classifier total.
            .unwrap_or_else(|| ApplicationDate {
                key: key.into(),
                label: key.into(),
                applies_from: "unknown".into(),
                original: None,
                source: "missing from the library".into(),
                amended_by: None,
                amendment_status: None,
            })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Obligation {
    /// Catalog reference of the article, e.g. `Art. 9`.
    pub article: String,
    pub summary: String,
    /// The role the obligation falls on: provider, deployer, importer, distributor, authorised_representative, anyone.
    pub role: String,
    /// When it applies (YYYY-MM-DD), as the law stands.
    pub applies_from: String,
    /// The date of the original text, where an amendment moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
    /// Where the date comes from (article, and the amending act where amended).
    #[serde(default)]
    pub date_source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Classification {
    /// `prohibited`, `high_risk`, `transparency` or `minimal`.
    pub tier: String,
    /// `gpai` or `gpai_systemic_risk` when the organization provides a general-purpose model.
    pub gpai: Option<String>,
    /// Art. 50 obligations apply in addition to the tier's.
    pub transparency_obligations: bool,
    pub reasons: Vec<String>,
    pub obligations: Vec<Obligation>,
    /// The version of the rules that produced this result (empty for results stored before versions).
    #[serde(default)]
    pub rules_version: String,
}

impl Answers {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        for p in &self.prohibited_practices {
            if !PROHIBITED.iter().any(|(k, _)| k == p) {
                inv.push(
                    "prohibited_practices",
                    format!("`{p}` is not an Art. 5(1) point (a to h)"),
                );
            }
        }
        if self.emotion_for_medical_or_safety && !self.prohibited_practices.iter().any(|p| p == "f")
        {
            inv.push(
                "emotion_for_medical_or_safety",
                "applies only when Art. 5(1)(f), emotion inference in the workplace or in education, is ticked",
            );
        }
        for u in &self.annex_iii_use_cases {
            if !ANNEX_III.iter().any(|(k, _)| k == u) {
                inv.push(
                    "annex_iii_use_cases",
                    format!("`{u}` is not an Annex III use case"),
                );
            }
        }
        if self.fraud_detection_only && !self.uses("Annex III point 5(b)") {
            inv.push(
                "fraud_detection_only",
                "applies only to a system with the Annex III point 5(b) use case (creditworthiness)",
            );
        }
        if let Some(e) = &self.annex_iii_exception {
            if !EXCEPTIONS.iter().any(|(k, _)| k == e) {
                inv.push("annex_iii_exception", "must be one of a, b, c, d");
            } else if self.annex_iii_use_cases.is_empty() {
                inv.push(
                    "annex_iii_exception",
                    "applies only to a system with an Annex III use case",
                );
            }
        }
        if self.on_market_before_2026_08 && !self.generates_synthetic_content {
            inv.push(
                "on_market_before_2026_08",
                "applies only to a system that generates synthetic content",
            );
        }
        for (field, set) in [
            ("systemic_risk", self.systemic_risk),
            (
                "model_on_market_before_2025_08",
                self.model_on_market_before_2025_08,
            ),
            (
                "training_compute_flop",
                self.training_compute_flop.is_some(),
            ),
        ] {
            if set && !self.general_purpose_model {
                inv.push(
                    field,
                    "applies only to a general-purpose AI model the organization provides",
                );
            }
        }
        if let Some(f) = self.training_compute_flop {
            if !f.is_finite() || f < 0.0 {
                inv.push(
                    "training_compute_flop",
                    "must be a number of floating-point operations, 0 or more (for example 3e24)",
                );
            }
        }
        if self.rationale.chars().count() > 20_000 {
            inv.push("rationale", "must be at most 20000 characters");
        }
        inv.into_result()
    }

    /// Checks the answers against the organization's roles for the system: the Chapter V
    /// duties fall on the model's provider (Art. 53), so a deployer-only system cannot provide one.
    pub fn check_with_roles(&self, roles: &[&str]) -> Result<(), Invalid> {
        let mut inv = match self.check() {
            Ok(()) => Invalid::default(),
            Err(inv) => inv,
        };
        if self.general_purpose_model && !is_provider(roles) {
            inv.push(
                "general_purpose_model",
                "the duties of a general-purpose model fall on its provider (Art. 53), and this system's roles do not include provider; add the provider role on the system, or untick this if you only use someone else's model",
            );
        }
        inv.into_result()
    }

    fn uses(&self, point: &str) -> bool {
        self.annex_iii_use_cases.iter().any(|u| u == point)
    }

    /// The Annex III use cases that count, after the point 5(b) fraud-detection exclusion.
    fn effective_use_cases(&self) -> Vec<&str> {
        self.annex_iii_use_cases
            .iter()
            .map(String::as_str)
            .filter(|u| !(self.fraud_detection_only && *u == "Annex III point 5(b)"))
            .collect()
    }

    /// Systemic risk: designated or high-impact (Art. 51(1)), or presumed from compute (Art. 51(2)).
    fn systemic(&self) -> bool {
        self.systemic_risk || self.presumed_systemic()
    }

    fn presumed_systemic(&self) -> bool {
        self.training_compute_flop
            .is_some_and(|f| f > SYSTEMIC_RISK_FLOP)
    }
}

fn is_provider(roles: &[&str]) -> bool {
    roles.contains(&"provider") || roles.contains(&"product_manufacturer")
}

fn ob(article: &str, summary: &str, role: &str, date: &ApplicationDate) -> Obligation {
    let date_source = match &date.amended_by {
        Some(act) => format!("{}, as amended by {act}", date.source),
        None => date.source.clone(),
    };
    Obligation {
        article: article.into(),
        summary: summary.into(),
        role: role.into(),
        applies_from: date.applies_from.clone(),
        was: date.original.clone(),
        date_source,
    }
}

/// Classifies a system. `roles` are the organization's EU AI Act roles for it
/// (provider, deployer, importer, distributor, product_manufacturer, authorised_representative).
pub fn classify(a: &Answers, roles: &[&str], rules: &Rules) -> Classification {
    let has = |r: &str| roles.contains(&r);
    let provider = is_provider(roles);
    let prohibitions = rules.date("prohibitions");
    let annex_iii_date = rules.date("annex_iii_high_risk");
    let annex_i_date = rules.date("annex_i_high_risk");
    let transparency_date = rules.date("transparency");
    let mut reasons = vec![];
    let mut obligations = vec![ob(
        "Art. 4",
        "Ensure sufficient AI literacy of the staff who deal with the system",
        "anyone",
        &prohibitions,
    )];

    let transparency = a.interacts_with_people
        || a.generates_synthetic_content
        || a.emotion_or_biometric_categorisation
        || a.deep_fakes_or_public_text;
    let use_cases = a.effective_use_cases();
    let annex_iii = !use_cases.is_empty();
    let exception = a.annex_iii_exception.is_some() && !a.profiles_natural_persons;
    if a.fraud_detection_only {
        reasons.push("Annex III point 5(b) does not cover systems used to detect financial fraud, so that use case does not count.".into());
    }
    // Art. 5(1)(f) does not prohibit emotion inference for medical or safety reasons.
    let prohibited_points: Vec<&String> = a
        .prohibited_practices
        .iter()
        .filter(|p| !(a.emotion_for_medical_or_safety && p.as_str() == "f"))
        .collect();
    if a.emotion_for_medical_or_safety {
        reasons.push("The Art. 5(1)(f) exception applies: the emotion inference is for medical or safety reasons, so it is not prohibited (check Annex III point 1(c) and Art. 50(3)).".into());
    }

    let tier = if !prohibited_points.is_empty() || a.generates_intimate_imagery {
        if !prohibited_points.is_empty() {
            let points: Vec<String> = prohibited_points
                .iter()
                .map(|p| format!("Art. 5(1)({p})"))
                .collect();
            reasons.push(format!(
                "It falls under a prohibited practice: {}.",
                points.join(", ")
            ));
            obligations.push(ob(
                "Art. 5",
                "Do not place on the market, put into service or use the system",
                "anyone",
                &prohibitions,
            ));
        }
        if a.generates_intimate_imagery {
            let d = rules.date("intimate_imagery_prohibition");
            reasons.push(format!("It can generate non-consensual intimate images or child sexual abuse material, a practice prohibited by the 2026 amendment of Art. 5 from {}.", d.applies_from));
            obligations.push(ob(
                "Art. 5",
                "Do not place on the market, put into service or use a system that generates non-consensual intimate images or child sexual abuse material",
                "anyone",
                &d,
            ));
        }
        "prohibited"
    } else if a.annex_i_safety_component || (annex_iii && !exception) {
        let stand_alone = annex_iii && !exception;
        // A system on both routes is bound from the earlier (Annex III) date.
        let from = if stand_alone {
            &annex_iii_date
        } else {
            &annex_i_date
        };
        if a.annex_i_safety_component {
            reasons.push("It is a product or safety component under Annex I legislation that needs third-party conformity assessment (Art. 6(1)).".into());
        }
        if stand_alone {
            reasons.push(format!(
                "It is intended for an Annex III use case ({}) (Art. 6(2)).",
                use_cases.join(", ")
            ));
            if a.annex_iii_exception.is_some() && a.profiles_natural_persons {
                reasons.push("The Art. 6(3) exception cannot apply because the system profiles natural persons.".into());
            }
        }
        if let Some(was) = &from.original {
            reasons.push(format!(
                "Its high-risk obligations apply from {} ({}); the original text said {was}.",
                from.applies_from,
                from.amended_by.as_deref().unwrap_or("amended")
            ));
        }
        if provider {
            for (art, what) in [
                ("Art. 9", "Run a risk management system over the life cycle"),
                ("Art. 10", "Govern training, validation and test data"),
                (
                    "Art. 11",
                    "Draw up and keep technical documentation (Annex IV)",
                ),
                ("Art. 12", "Enable automatic event logging"),
                ("Art. 13", "Give deployers instructions for use"),
                ("Art. 14", "Design for effective human oversight"),
                ("Art. 15", "Achieve accuracy, robustness and cybersecurity"),
                ("Art. 16", "Meet the provider obligations"),
                ("Art. 17", "Operate a quality management system"),
                ("Art. 43", "Complete the conformity assessment"),
                ("Art. 47", "Draw up the EU declaration of conformity"),
                ("Art. 48", "Affix the CE marking"),
                ("Art. 49", "Register the system in the EU database"),
                ("Art. 72", "Run post-market monitoring"),
                ("Art. 73", "Report serious incidents"),
            ] {
                obligations.push(ob(art, what, "provider", from));
            }
        }
        if has("deployer") {
            obligations.push(ob("Art. 26", "Use as instructed, assign human oversight, monitor, keep logs, inform affected people", "deployer", from));
            // Art. 27(1): only for Art. 6(2) systems, never for Annex III point 2; for public
            // bodies and private providers of public services, and for every deployer of
            // Annex III points 5(b) and 5(c).
            let beyond_point_2 = use_cases
                .iter()
                .any(|u| !u.starts_with("Annex III point 2"));
            let public = a.public_authority || a.provides_public_services;
            let credit_or_insurance = use_cases
                .iter()
                .any(|u| *u == "Annex III point 5(b)" || *u == "Annex III point 5(c)");
            if stand_alone && ((public && beyond_point_2) || credit_or_insurance) {
                obligations.push(ob(
                    "Art. 27",
                    "Assess the impact on fundamental rights before first use",
                    "deployer",
                    from,
                ));
            }
            // Art. 49(3): public authorities register their use of an Annex III system
            // (Annex III point 2 systems are registered nationally, not by deployers).
            if stand_alone && a.public_authority && beyond_point_2 {
                obligations.push(ob("Art. 49", "Register the use of the system in the EU database before putting it into use (public authorities)", "deployer", from));
            }
        }
        if has("importer") {
            obligations.push(ob(
                "Art. 23",
                "Verify conformity before placing on the market",
                "importer",
                from,
            ));
        }
        if has("distributor") {
            obligations.push(ob(
                "Art. 24",
                "Verify CE marking and documentation before making available",
                "distributor",
                from,
            ));
        }
        if has("authorised_representative") {
            obligations.push(ob(
                "Art. 22",
                "Carry out the tasks of the provider's mandate",
                "authorised_representative",
                from,
            ));
        }
        "high_risk"
    } else {
        if annex_iii {
            let e = a.annex_iii_exception.clone().unwrap_or_default();
            reasons.push(format!("It has an Annex III use case, but the Art. 6(3)({e}) exception applies and it does not profile natural persons."));
            if provider {
                obligations.push(ob("Art. 6", "Document the assessment that the system is not high-risk before placing it on the market (Art. 6(4))", "provider", &annex_iii_date));
                obligations.push(ob(
                    "Art. 49",
                    "Register the system (Art. 49(2))",
                    "provider",
                    &annex_iii_date,
                ));
            }
        }
        if transparency {
            "transparency"
        } else {
            reasons.push(
                "No prohibited practice, no high-risk route and no transparency case applies."
                    .into(),
            );
            "minimal"
        }
    };

    if transparency && tier != "prohibited" {
        if a.interacts_with_people {
            reasons.push("It interacts directly with people (Art. 50(1)).".into());
            if provider {
                obligations.push(ob(
                    "Art. 50",
                    "Tell people they are interacting with an AI system",
                    "provider",
                    &transparency_date,
                ));
            }
        }
        if a.generates_synthetic_content {
            reasons.push("It generates synthetic content (Art. 50(2)).".into());
            let date = if a.on_market_before_2026_08 {
                let d = rules.date("transparency_grace_for_generative");
                reasons.push(format!("It was on the market before 2 August 2026, so marking its output is due from {} (the amended grace period).", d.applies_from));
                d
            } else {
                transparency_date.clone()
            };
            if provider {
                obligations.push(ob(
                    "Art. 50",
                    "Mark generated content as artificial in a machine-readable way",
                    "provider",
                    &date,
                ));
            }
        }
        if a.emotion_or_biometric_categorisation {
            reasons.push(
                "It recognises emotions or categorises people biometrically (Art. 50(3)).".into(),
            );
            if has("deployer") {
                obligations.push(ob(
                    "Art. 50",
                    "Inform the people exposed to the system",
                    "deployer",
                    &transparency_date,
                ));
            }
        }
        if a.deep_fakes_or_public_text {
            reasons.push(
                "It produces deep fakes or text published to inform the public (Art. 50(4))."
                    .into(),
            );
            if has("deployer") {
                obligations.push(ob(
                    "Art. 50",
                    "Disclose that the content is artificially generated or manipulated",
                    "deployer",
                    &transparency_date,
                ));
            }
        }
    }
    if tier == "minimal" {
        reasons.push("Voluntary codes of conduct may be followed (Art. 95).".into());
    }

    let gpai = if a.general_purpose_model && provider {
        let gpai_date = if a.model_on_market_before_2025_08 {
            rules.date("gpai_models_already_on_market")
        } else {
            rules.date("gpai")
        };
        if a.model_on_market_before_2025_08 {
            reasons.push(format!("The model was on the market before 2 August 2025, so it must comply by {} (Art. 111(3)).", gpai_date.applies_from));
        }
        obligations.push(ob("Art. 53", "Keep model documentation, inform downstream providers, have a copyright policy, publish a training content summary", "provider", &gpai_date));
        if a.systemic() {
            if a.presumed_systemic() {
                reasons.push("Its training compute is above 10^25 floating-point operations, so the model is presumed to have high-impact capabilities and systemic risk (Art. 51(2)).".into());
                obligations.push(ob("Art. 52", "Notify the Commission within two weeks of reaching (or foreseeing) the 10^25 FLOP threshold; you may argue that the model nonetheless has no systemic risk", "provider", &rules.date("gpai")));
            } else {
                reasons.push(
                    "It includes a general-purpose AI model with systemic risk (Art. 51(1))."
                        .into(),
                );
            }
            obligations.push(ob("Art. 55", "Evaluate and mitigate systemic risks, report serious incidents, ensure cybersecurity", "provider", &gpai_date));
            Some("gpai_systemic_risk".to_string())
        } else {
            reasons.push("It includes a general-purpose AI model (Art. 53).".into());
            Some("gpai".to_string())
        }
    } else {
        if a.general_purpose_model {
            reasons.push("The duties of a general-purpose AI model fall on its provider (Art. 53); the recorded roles do not include provider, so none are listed.".into());
        }
        None
    };

    Classification {
        tier: tier.into(),
        gpai,
        transparency_obligations: transparency && tier != "prohibited",
        reasons,
        obligations,
        rules_version: rules.version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dates as amended in 2026 (the library carries the same; a catalog test checks it).
    pub(crate) fn rules() -> Rules {
        let d = |key: &str, from: &str, was: Option<&str>| ApplicationDate {
            key: key.into(),
            label: key.into(),
            applies_from: from.into(),
            original: was.map(Into::into),
            source: "Art. 113".into(),
            amended_by: was.map(|_| "the 2026 amendment".into()),
            amendment_status: None,
        };
        Rules::new(vec![
            d("prohibitions", "2025-02-02", None),
            d("intimate_imagery_prohibition", "2026-12-02", None),
            d("gpai", "2025-08-02", None),
            d("gpai_models_already_on_market", "2027-08-02", None),
            d("transparency", "2026-08-02", None),
            d(
                "transparency_grace_for_generative",
                "2026-12-02",
                Some("2026-08-02"),
            ),
            d("annex_iii_high_risk", "2027-12-02", Some("2026-08-02")),
            d("annex_i_high_risk", "2028-08-02", Some("2027-08-02")),
        ])
        .unwrap()
    }

    fn articles(c: &Classification) -> Vec<&str> {
        c.obligations.iter().map(|o| o.article.as_str()).collect()
    }

    #[test]
    fn prohibited_wins() {
        let a = Answers {
            prohibited_practices: vec!["c".into()],
            annex_iii_use_cases: vec!["Annex III point 4(a)".into()],
            ..Default::default()
        };
        let c = classify(&a, &["provider"], &rules());
        assert_eq!(c.tier, "prohibited");
        assert!(articles(&c).contains(&"Art. 5"));
        assert!(!articles(&c).contains(&"Art. 9"));
    }

    #[test]
    fn annex_iii_is_high_risk_with_provider_and_deployer_duties() {
        let a = Answers {
            annex_iii_use_cases: vec!["Annex III point 4(a)".into()],
            ..Default::default()
        };
        let c = classify(&a, &["provider", "deployer"], &rules());
        assert_eq!(c.tier, "high_risk");
        for art in [
            "Art. 9", "Art. 10", "Art. 14", "Art. 17", "Art. 43", "Art. 72", "Art. 26",
        ] {
            assert!(articles(&c).contains(&art), "{art}");
        }
        assert!(
            !articles(&c).contains(&"Art. 27"),
            "a private employer does no fundamental-rights impact assessment"
        );
        assert!(c
            .obligations
            .iter()
            .filter(|o| o.article == "Art. 9")
            .all(|o| o.applies_from == "2027-12-02" && o.was.as_deref() == Some("2026-08-02")));
        // A deployer alone gets deployer duties only.
        let d = classify(&a, &["deployer"], &rules());
        assert!(!articles(&d).contains(&"Art. 9") && articles(&d).contains(&"Art. 26"));
    }

    fn deployer_articles(a: &Answers) -> Vec<String> {
        classify(a, &["deployer"], &rules())
            .obligations
            .iter()
            .filter(|o| o.role == "deployer")
            .map(|o| o.article.clone())
            .collect()
    }

    #[test]
    fn fundamental_rights_assessment_and_registration_fall_on_the_right_deployers() {
        let annex = |uses: &[&str]| Answers {
            annex_iii_use_cases: uses.iter().map(|u| u.to_string()).collect(),
            ..Default::default()
        };
        // A public body deploying a recruitment system: Art. 27 and Art. 49(3).
        let public = Answers {
            public_authority: true,
            ..annex(&["Annex III point 4(a)"])
        };
        let d = deployer_articles(&public);
        assert!(
            d.contains(&"Art. 27".to_string()) && d.contains(&"Art. 49".to_string()),
            "{d:?}"
        );
        // A private provider of public services: Art. 27, no registration.
        let private_public = Answers {
            provides_public_services: true,
            ..annex(&["Annex III point 5(a)"])
        };
        let d = deployer_articles(&private_public);
        assert!(d.contains(&"Art. 27".to_string()) && !d.contains(&"Art. 49".to_string()));
        // Any deployer of credit scoring or life and health insurance pricing: Art. 27.
        for point in ["Annex III point 5(b)", "Annex III point 5(c)"] {
            assert!(
                deployer_articles(&annex(&[point])).contains(&"Art. 27".to_string()),
                "{point}"
            );
        }
        // Never for critical infrastructure, even for a public operator.
        let grid = Answers {
            public_authority: true,
            ..annex(&["Annex III point 2 use case"])
        };
        let d = deployer_articles(&grid);
        assert!(
            !d.contains(&"Art. 27".to_string()) && !d.contains(&"Art. 49".to_string()),
            "{d:?}"
        );
        // Nor for an Annex I product alone (Art. 6(1)).
        let product = Answers {
            annex_i_safety_component: true,
            public_authority: true,
            ..Default::default()
        };
        assert!(!deployer_articles(&product).contains(&"Art. 27".to_string()));
        // Nor for a private employer.
        assert!(
            !deployer_articles(&annex(&["Annex III point 4(a)"])).contains(&"Art. 27".to_string())
        );
    }

    #[test]
    fn every_yes_no_question_is_a_field_of_the_answers() {
        let fields = serde_json::to_value(Answers::default()).unwrap();
        let booleans: Vec<&str> = fields
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v.is_boolean())
            .map(|(k, _)| k.as_str())
            .collect();
        let mut asked: Vec<&str> = YES_NO.iter().map(|(k, _)| *k).collect();
        let mut all = booleans.clone();
        asked.sort();
        all.sort();
        assert_eq!(asked, all);
    }

    #[test]
    fn exception_applies_unless_profiling() {
        let a = Answers {
            annex_iii_use_cases: vec!["Annex III point 4(a)".into()],
            annex_iii_exception: Some("a".into()),
            ..Default::default()
        };
        let c = classify(&a, &["provider"], &rules());
        assert_eq!(c.tier, "minimal");
        assert!(articles(&c).contains(&"Art. 6") && articles(&c).contains(&"Art. 49"));
        let profiling = Answers {
            profiles_natural_persons: true,
            ..a
        };
        let c = classify(&profiling, &["provider"], &rules());
        assert_eq!(c.tier, "high_risk");
        assert!(c
            .reasons
            .iter()
            .any(|r| r.contains("profiles natural persons")));
    }

    #[test]
    fn annex_i_route_applies_later() {
        let a = Answers {
            annex_i_safety_component: true,
            ..Default::default()
        };
        let c = classify(&a, &["product_manufacturer"], &rules());
        assert_eq!(c.tier, "high_risk");
        assert!(c
            .obligations
            .iter()
            .any(|o| o.article == "Art. 43" && o.applies_from == "2028-08-02"));
    }

    #[test]
    fn transparency_and_minimal_and_gpai() {
        let chat = Answers {
            interacts_with_people: true,
            generates_synthetic_content: true,
            ..Default::default()
        };
        let c = classify(&chat, &["provider"], &rules());
        assert_eq!(c.tier, "transparency");
        assert_eq!(
            c.obligations
                .iter()
                .filter(|o| o.article == "Art. 50")
                .count(),
            2
        );
        let plain = classify(&Answers::default(), &["deployer"], &rules());
        assert_eq!(plain.tier, "minimal");
        assert_eq!(articles(&plain), ["Art. 4"]);
        let gpai = classify(
            &Answers {
                general_purpose_model: true,
                systemic_risk: true,
                ..Default::default()
            },
            &["provider"],
            &rules(),
        );
        assert_eq!(gpai.gpai.as_deref(), Some("gpai_systemic_risk"));
        assert!(articles(&gpai).contains(&"Art. 55"));
        // High-risk systems that also chat carry Art. 50 duties too.
        let both = classify(
            &Answers {
                annex_iii_use_cases: vec!["Annex III point 5(b)".into()],
                interacts_with_people: true,
                ..Default::default()
            },
            &["provider"],
            &rules(),
        );
        assert_eq!(both.tier, "high_risk");
        assert!(both.transparency_obligations && articles(&both).contains(&"Art. 50"));
    }

    fn dates_of<'a>(c: &'a Classification, article: &str) -> Vec<&'a str> {
        c.obligations
            .iter()
            .filter(|o| o.article == article)
            .map(|o| o.applies_from.as_str())
            .collect()
    }

    /// Art. 113 as amended by the 2026 Digital Omnibus: Annex III from 2 December 2027, Annex I
    /// from 2 August 2028, each with the original date beside it and its source.
    #[test]
    fn amended_dates_apply_with_the_original_beside_them() {
        let hr = classify(
            &Answers {
                annex_iii_use_cases: vec!["Annex III point 4(a)".into()],
                ..Default::default()
            },
            &["provider"],
            &rules(),
        );
        let art9 = hr
            .obligations
            .iter()
            .find(|o| o.article == "Art. 9")
            .unwrap();
        assert_eq!(
            (art9.applies_from.as_str(), art9.was.as_deref()),
            ("2027-12-02", Some("2026-08-02"))
        );
        assert!(art9.date_source.contains("Art. 113") && art9.date_source.contains("amended by"));
        assert!(hr
            .reasons
            .iter()
            .any(|r| r.contains("the original text said 2026-08-02")));
        let product = classify(
            &Answers {
                annex_i_safety_component: true,
                ..Default::default()
            },
            &["provider"],
            &rules(),
        );
        assert_eq!(dates_of(&product, "Art. 43"), ["2028-08-02"]);
        // Both routes: bound from the earlier Annex III date.
        let both = classify(
            &Answers {
                annex_i_safety_component: true,
                annex_iii_use_cases: vec!["Annex III point 5(d)".into()],
                ..Default::default()
            },
            &["provider"],
            &rules(),
        );
        assert_eq!(dates_of(&both, "Art. 43"), ["2027-12-02"]);
        assert_eq!(hr.rules_version, rules().version);
    }

    /// Art. 50(2) as amended: generative systems on the market before 2 August 2026 mark their
    /// output from 2 December 2026; others from 2 August 2026.
    #[test]
    fn generative_systems_already_on_the_market_get_the_grace_period() {
        let gen = Answers {
            generates_synthetic_content: true,
            ..Default::default()
        };
        assert_eq!(
            dates_of(&classify(&gen, &["provider"], &rules()), "Art. 50"),
            ["2026-08-02"]
        );
        let old = Answers {
            on_market_before_2026_08: true,
            ..gen
        };
        assert_eq!(
            dates_of(&classify(&old, &["provider"], &rules()), "Art. 50"),
            ["2026-12-02"]
        );
        assert!(Answers {
            on_market_before_2026_08: true,
            ..Default::default()
        }
        .check()
        .is_err());
    }

    /// The Art. 5 prohibition added in 2026 (non-consensual intimate imagery, CSAM), from 2 December 2026.
    #[test]
    fn the_new_intimate_imagery_prohibition_is_asked() {
        let c = classify(
            &Answers {
                generates_intimate_imagery: true,
                generates_synthetic_content: true,
                ..Default::default()
            },
            &["provider"],
            &rules(),
        );
        assert_eq!(c.tier, "prohibited");
        assert_eq!(dates_of(&c, "Art. 5"), ["2026-12-02"]);
        assert!(YES_NO
            .iter()
            .any(|(k, _)| *k == "generates_intimate_imagery"));
    }

    /// Art. 5(1)(f) exempts emotion inference for medical or safety reasons; Annex III 5(b)
    /// excludes fraud detection.
    #[test]
    fn the_emotion_and_fraud_exclusions_are_questions() {
        let emotion = Answers {
            prohibited_practices: vec!["f".into()],
            ..Default::default()
        };
        assert_eq!(
            classify(&emotion, &["deployer"], &rules()).tier,
            "prohibited"
        );
        let medical = Answers {
            emotion_for_medical_or_safety: true,
            annex_iii_use_cases: vec!["Annex III point 1(c)".into()],
            ..emotion
        };
        assert_eq!(
            classify(&medical, &["deployer"], &rules()).tier,
            "high_risk"
        );
        let e = Answers {
            emotion_for_medical_or_safety: true,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(e.message_for("emotion_for_medical_or_safety").is_some());
        let credit = Answers {
            annex_iii_use_cases: vec!["Annex III point 5(b)".into()],
            ..Default::default()
        };
        assert_eq!(classify(&credit, &["deployer"], &rules()).tier, "high_risk");
        let fraud = Answers {
            fraud_detection_only: true,
            ..credit
        };
        let c = classify(&fraud, &["deployer"], &rules());
        assert_eq!(c.tier, "minimal");
        assert!(!articles(&c).contains(&"Art. 27"));
        assert!(Answers {
            fraud_detection_only: true,
            ..Default::default()
        }
        .check()
        .is_err());
    }

    /// Art. 51(2): above 10^25 FLOP systemic risk is presumed, with the Art. 52 notification;
    /// Art. 111(3): models on the market before 2 August 2025 comply by 2 August 2027.
    #[test]
    fn training_compute_above_1e25_presumes_systemic_risk() {
        let model = |flop: f64| Answers {
            general_purpose_model: true,
            training_compute_flop: Some(flop),
            ..Default::default()
        };
        let small = classify(&model(3e24), &["provider"], &rules());
        assert_eq!(small.gpai.as_deref(), Some("gpai"));
        assert!(!articles(&small).contains(&"Art. 52"));
        let big = classify(&model(2e25), &["provider"], &rules());
        assert_eq!(big.gpai.as_deref(), Some("gpai_systemic_risk"));
        assert!(articles(&big).contains(&"Art. 52") && articles(&big).contains(&"Art. 55"));
        assert!(big.reasons.iter().any(|r| r.contains("10^25")));
        let legacy = Answers {
            model_on_market_before_2025_08: true,
            ..model(3e24)
        };
        assert_eq!(
            dates_of(&classify(&legacy, &["provider"], &rules()), "Art. 53"),
            ["2027-08-02"]
        );
        assert_eq!(dates_of(&small, "Art. 53"), ["2025-08-02"]);
        assert!(model(-1.0).check().is_err() && model(f64::NAN).check().is_err());
        assert!(Answers {
            training_compute_flop: Some(1e26),
            ..Default::default()
        }
        .check()
        .is_err());
    }

    /// The Chapter V duties fall on the model's provider: a deployer gets none, and the
    /// answers are refused with a message naming the field.
    #[test]
    fn gpai_duties_fall_on_the_model_provider_only() {
        let a = Answers {
            general_purpose_model: true,
            ..Default::default()
        };
        let c = classify(&a, &["deployer"], &rules());
        assert!(c.gpai.is_none() && !articles(&c).contains(&"Art. 53"));
        let e = a.check_with_roles(&["deployer"]).unwrap_err();
        assert!(e
            .message_for("general_purpose_model")
            .unwrap()
            .contains("provider"));
        assert!(a.check_with_roles(&["provider"]).is_ok());
    }

    #[test]
    fn rules_need_every_date_and_name_their_version() {
        let mut dates = rules().dates;
        dates.retain(|d| d.key != "annex_i_high_risk");
        assert!(Rules::new(dates).unwrap_err().contains("annex_i_high_risk"));
        let mut moved = rules().dates;
        moved[6].applies_from = "2028-01-01".into();
        assert_ne!(Rules::new(moved).unwrap().version, rules().version);
    }

    #[test]
    fn answers_are_checked() {
        let bad = Answers {
            prohibited_practices: vec!["z".into()],
            annex_iii_exception: Some("e".into()),
            systemic_risk: true,
            ..Default::default()
        };
        let e = bad.check().unwrap_err();
        for f in [
            "prohibited_practices",
            "annex_iii_exception",
            "systemic_risk",
        ] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
        assert!(Answers {
            annex_iii_exception: Some("a".into()),
            ..Default::default()
        }
        .check()
        .is_err());
    }
}
