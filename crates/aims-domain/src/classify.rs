//! EU AI Act classification of an AI system from a questionnaire: the tier, the reasons,
//! the obligations for the organization's roles (with their articles) and the dates that
//! apply. Dates are those of the Act as published (Art. 113); later amendments are not applied.

use crate::validate::Invalid;
use serde::{Deserialize, Serialize};

/// Art. 5(1) points, with our short labels.
pub const PROHIBITED: &[(&str, &str)] = &[
    ("a", "Subliminal, manipulative or deceptive techniques that distort behaviour and cause significant harm"),
    ("b", "Exploiting vulnerabilities of age, disability or social or economic situation"),
    ("c", "Social scoring that leads to detrimental or disproportionate treatment"),
    ("d", "Predicting that a person will commit a crime based solely on profiling or personality traits"),
    ("e", "Building facial recognition databases by untargeted scraping of images"),
    ("f", "Inferring emotions in the workplace or in education (except for medical or safety reasons)"),
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
    ("Annex III point 5(b)", "Essential services: creditworthiness and credit scores (not fraud detection)"),
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

/// The yes/no questions of the questionnaire: (field of `Answers`, the question).
pub const YES_NO: &[(&str, &str)] = &[
    ("annex_i_safety_component", "Is the system a product, or a safety component of a product, under the Union harmonisation legislation of Annex I that needs a third-party conformity assessment? (Art. 6(1))"),
    ("profiles_natural_persons", "Does the system profile natural persons? (then the Art. 6(3) exception cannot apply)"),
    ("interacts_with_people", "Does the system interact directly with natural persons? (Art. 50(1))"),
    ("generates_synthetic_content", "Does the system generate synthetic audio, images, video or text? (Art. 50(2))"),
    ("emotion_or_biometric_categorisation", "Does the system recognise emotions or categorise people biometrically, where this is not prohibited? (Art. 50(3))"),
    ("deep_fakes_or_public_text", "Does the system produce deep fakes, or text published to inform the public? (Art. 50(4))"),
    ("general_purpose_model", "Does the organization provide a general-purpose AI model with this system? (Art. 53)"),
    ("systemic_risk", "Does that model have systemic risk? (Art. 51)"),
    ("public_authority", "As deployer, is the organization a public authority or a body governed by public law? (Art. 27(1), Art. 49(3))"),
    ("provides_public_services", "As deployer, is the organization a private entity providing public services? (Art. 27(1))"),
];

/// The questionnaire. Every field has a safe default (false / empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Answers {
    /// Art. 5(1) points (`a`–`h`) that describe the system.
    pub prohibited_practices: Vec<String>,
    /// Art. 6(1): the system is a product, or a safety component of a product, covered by the
    /// Union harmonisation legislation of Annex I and needs third-party conformity assessment.
    pub annex_i_safety_component: bool,
    /// Art. 6(2): the Annex III use cases the system is intended for (catalog refs).
    pub annex_iii_use_cases: Vec<String>,
    /// Art. 6(3): the condition (`a`–`d`) under which an Annex III system is not high-risk.
    pub annex_iii_exception: Option<String>,
    /// The system profiles natural persons (then Art. 6(3) never applies).
    pub profiles_natural_persons: bool,
    /// Art. 50(1): the system interacts directly with natural persons.
    pub interacts_with_people: bool,
    /// Art. 50(2): the system generates synthetic audio, image, video or text.
    pub generates_synthetic_content: bool,
    /// Art. 50(3): emotion recognition or biometric categorisation (where not prohibited).
    pub emotion_or_biometric_categorisation: bool,
    /// Art. 50(4): the system generates or manipulates deep fakes, or text published to inform the public.
    pub deep_fakes_or_public_text: bool,
    /// The organization provides a general-purpose AI model with this system.
    pub general_purpose_model: bool,
    /// That model has systemic risk (Art. 51).
    pub systemic_risk: bool,
    /// As deployer, the organization is a public authority or a body governed by public law
    /// (Art. 27(1), Art. 49(3)).
    pub public_authority: bool,
    /// As deployer, the organization is a private entity providing public services (Art. 27(1)).
    pub provides_public_services: bool,
    /// The organization's reasoning, in its own words.
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Obligation {
    /// Catalog reference of the article, e.g. `Art. 9`.
    pub article: String,
    pub summary: String,
    /// The role the obligation falls on: provider, deployer, importer, distributor, authorised_representative, anyone.
    pub role: String,
    /// When it applies (YYYY-MM-DD).
    pub applies_from: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Classification {
    /// `prohibited`, `high_risk`, `transparency` or `minimal`.
    pub tier: String,
    /// `gpai` or `gpai_systemic_risk` when the organization provides a general-purpose model.
    pub gpai: Option<String>,
    /// Art. 50 obligations apply in addition to the tier's.
    pub transparency_obligations: bool,
    pub reasons: Vec<String>,
    pub obligations: Vec<Obligation>,
}

const PROHIBITIONS_APPLY: &str = "2025-02-02";
const GPAI_APPLY: &str = "2025-08-02";
const GENERAL_APPLY: &str = "2026-08-02";
const ANNEX_I_APPLY: &str = "2027-08-02";

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
        for u in &self.annex_iii_use_cases {
            if !ANNEX_III.iter().any(|(k, _)| k == u) {
                inv.push(
                    "annex_iii_use_cases",
                    format!("`{u}` is not an Annex III use case"),
                );
            }
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
        if self.systemic_risk && !self.general_purpose_model {
            inv.push(
                "systemic_risk",
                "applies only to a general-purpose AI model",
            );
        }
        if self.rationale.chars().count() > 20_000 {
            inv.push("rationale", "must be at most 20000 characters");
        }
        inv.into_result()
    }
}

fn ob(article: &str, summary: &str, role: &str, from: &str) -> Obligation {
    Obligation {
        article: article.into(),
        summary: summary.into(),
        role: role.into(),
        applies_from: from.into(),
    }
}

/// Classifies a system. `roles` are the organization's EU AI Act roles for it
/// (provider, deployer, importer, distributor, product_manufacturer, authorised_representative).
pub fn classify(a: &Answers, roles: &[&str]) -> Classification {
    let has = |r: &str| roles.contains(&r);
    let provider = has("provider") || has("product_manufacturer");
    let mut reasons = vec![];
    let mut obligations = vec![ob(
        "Art. 4",
        "Ensure sufficient AI literacy of the staff who deal with the system",
        "anyone",
        PROHIBITIONS_APPLY,
    )];

    let transparency = a.interacts_with_people
        || a.generates_synthetic_content
        || a.emotion_or_biometric_categorisation
        || a.deep_fakes_or_public_text;
    let annex_iii = !a.annex_iii_use_cases.is_empty();
    let exception = a.annex_iii_exception.is_some() && !a.profiles_natural_persons;

    let tier = if !a.prohibited_practices.is_empty() {
        let points: Vec<String> = a
            .prohibited_practices
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
            PROHIBITIONS_APPLY,
        ));
        "prohibited"
    } else if a.annex_i_safety_component || (annex_iii && !exception) {
        let from = if a.annex_i_safety_component {
            reasons.push("It is a product or safety component under Annex I legislation that needs third-party conformity assessment (Art. 6(1)).".into());
            if annex_iii && !exception {
                GENERAL_APPLY
            } else {
                ANNEX_I_APPLY
            }
        } else {
            GENERAL_APPLY
        };
        if annex_iii && !exception {
            reasons.push(format!(
                "It is intended for an Annex III use case ({}) (Art. 6(2)).",
                a.annex_iii_use_cases.join(", ")
            ));
            if a.annex_iii_exception.is_some() && a.profiles_natural_persons {
                reasons.push("The Art. 6(3) exception cannot apply because the system profiles natural persons.".into());
            }
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
            let stand_alone = annex_iii && !exception;
            let uses = |p: &str| a.annex_iii_use_cases.iter().any(|u| u == p);
            let beyond_point_2 = a
                .annex_iii_use_cases
                .iter()
                .any(|u| !u.starts_with("Annex III point 2"));
            let public = a.public_authority || a.provides_public_services;
            let credit_or_insurance = uses("Annex III point 5(b)") || uses("Annex III point 5(c)");
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
                obligations.push(ob("Art. 6", "Document the assessment that the system is not high-risk before placing it on the market (Art. 6(4))", "provider", GENERAL_APPLY));
                obligations.push(ob(
                    "Art. 49",
                    "Register the system (Art. 49(2))",
                    "provider",
                    GENERAL_APPLY,
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
                    GENERAL_APPLY,
                ));
            }
        }
        if a.generates_synthetic_content {
            reasons.push("It generates synthetic content (Art. 50(2)).".into());
            if provider {
                obligations.push(ob(
                    "Art. 50",
                    "Mark generated content as artificial in a machine-readable way",
                    "provider",
                    GENERAL_APPLY,
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
                    GENERAL_APPLY,
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
                    GENERAL_APPLY,
                ));
            }
        }
    }
    if tier == "minimal" {
        reasons.push("Voluntary codes of conduct may be followed (Art. 95).".into());
    }

    let gpai = if a.general_purpose_model {
        obligations.push(ob("Art. 53", "Keep model documentation, inform downstream providers, have a copyright policy, publish a training content summary", "provider", GPAI_APPLY));
        if a.systemic_risk {
            obligations.push(ob("Art. 55", "Evaluate and mitigate systemic risks, report serious incidents, ensure cybersecurity", "provider", GPAI_APPLY));
            reasons.push(
                "It includes a general-purpose AI model with systemic risk (Arts. 51, 55).".into(),
            );
            Some("gpai_systemic_risk".to_string())
        } else {
            reasons.push("It includes a general-purpose AI model (Art. 53).".into());
            Some("gpai".to_string())
        }
    } else {
        None
    };

    Classification {
        tier: tier.into(),
        gpai,
        transparency_obligations: transparency && tier != "prohibited",
        reasons,
        obligations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let c = classify(&a, &["provider"]);
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
        let c = classify(&a, &["provider", "deployer"]);
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
            .all(|o| o.applies_from == "2026-08-02"));
        // A deployer alone gets deployer duties only.
        let d = classify(&a, &["deployer"]);
        assert!(!articles(&d).contains(&"Art. 9") && articles(&d).contains(&"Art. 26"));
    }

    fn deployer_articles(a: &Answers) -> Vec<String> {
        classify(a, &["deployer"])
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
        let c = classify(&a, &["provider"]);
        assert_eq!(c.tier, "minimal");
        assert!(articles(&c).contains(&"Art. 6") && articles(&c).contains(&"Art. 49"));
        let profiling = Answers {
            profiles_natural_persons: true,
            ..a
        };
        let c = classify(&profiling, &["provider"]);
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
        let c = classify(&a, &["product_manufacturer"]);
        assert_eq!(c.tier, "high_risk");
        assert!(c
            .obligations
            .iter()
            .any(|o| o.article == "Art. 43" && o.applies_from == "2027-08-02"));
    }

    #[test]
    fn transparency_and_minimal_and_gpai() {
        let chat = Answers {
            interacts_with_people: true,
            generates_synthetic_content: true,
            ..Default::default()
        };
        let c = classify(&chat, &["provider"]);
        assert_eq!(c.tier, "transparency");
        assert_eq!(
            c.obligations
                .iter()
                .filter(|o| o.article == "Art. 50")
                .count(),
            2
        );
        let plain = classify(&Answers::default(), &["deployer"]);
        assert_eq!(plain.tier, "minimal");
        assert_eq!(articles(&plain), ["Art. 4"]);
        let gpai = classify(
            &Answers {
                general_purpose_model: true,
                systemic_risk: true,
                ..Default::default()
            },
            &["provider"],
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
        );
        assert_eq!(both.tier, "high_risk");
        assert!(both.transparency_obligations && articles(&both).contains(&"Art. 50"));
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
