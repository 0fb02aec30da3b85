//! The framework library of aims: the library format and its checks, the built-in content
//! (embedded in the binary), import of CISO Assistant libraries, and OSCAL export.
//! No IO: the store persists what this crate parses.

pub mod ciso;
pub mod library;
pub mod oscal;
pub mod templates;

pub use library::{Library, LibraryError, Relation};

/// The built-in libraries, frameworks first, then the crosswalks between them.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "iso42001-2023.yaml",
        include_str!("../library/iso42001-2023.yaml"),
    ),
    (
        "eu-ai-act-2024.yaml",
        include_str!("../library/eu-ai-act-2024.yaml"),
    ),
    (
        "nist-ai-rmf-1.0.yaml",
        include_str!("../library/nist-ai-rmf-1.0.yaml"),
    ),
    (
        "iso27001-2022.yaml",
        include_str!("../library/iso27001-2022.yaml"),
    ),
    (
        "map-iso42001-nist-ai-rmf.yaml",
        include_str!("../library/map-iso42001-nist-ai-rmf.yaml"),
    ),
    (
        "map-iso42001-eu-ai-act.yaml",
        include_str!("../library/map-iso42001-eu-ai-act.yaml"),
    ),
    (
        "map-iso42001-iso27001.yaml",
        include_str!("../library/map-iso42001-iso27001.yaml"),
    ),
];

/// Parses every built-in library; a failure here is a bug in the shipped data (a test checks it).
pub fn builtin() -> Result<Vec<Library>, LibraryError> {
    BUILTIN
        .iter()
        .map(|(name, text)| library::parse(text).map_err(|e| LibraryError(format!("{name}: {e}"))))
        .collect()
}

/// The built-in crosswalks' explicit "no counterpart" rows: (source framework key, target
/// framework key, source ref, why).
pub fn no_counterparts() -> Vec<(String, String, String, String)> {
    builtin()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| match l {
            Library::MappingSet(m) => Some(m),
            Library::Framework(_) => None,
        })
        .flat_map(|m| {
            let (from, to) = (
                m.meta.source_framework.clone(),
                m.meta.target_framework.clone(),
            );
            m.no_counterpart
                .into_iter()
                .map(move |n| (from.clone(), to.clone(), n.reference, n.note))
        })
        .collect()
}

/// The EU AI Act classifier's rules from the built-in library's application dates.
pub fn ai_act_rules() -> Result<aims_domain::classify::Rules, LibraryError> {
    let (_, text) = BUILTIN
        .iter()
        .find(|(name, _)| *name == "eu-ai-act-2024.yaml")
        .ok_or_else(|| LibraryError("the EU AI Act library is not built in".into()))?;
    rules_from(text)
}

/// The classifier's rules from an EU AI Act library document (a corrected library, or a test's).
pub fn rules_from(text: &str) -> Result<aims_domain::classify::Rules, LibraryError> {
    match library::parse(text)? {
        Library::Framework(f) => aims_domain::classify::Rules::new(f.application_dates)
            .map_err(|e| LibraryError(format!("{}: {e}", f.meta.key))),
        Library::MappingSet(m) => Err(LibraryError(format!(
            "{} is a mapping set, not the EU AI Act",
            m.meta.key
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use library::{Library, ReqAddr};
    use std::collections::{HashMap, HashSet};

    fn frameworks() -> HashMap<String, library::FrameworkLibrary> {
        builtin()
            .unwrap()
            .into_iter()
            .filter_map(|l| match l {
                Library::Framework(f) => Some((f.meta.key.clone(), f)),
                _ => None,
            })
            .collect()
    }

    fn count(f: &library::FrameworkLibrary, kind: &str) -> usize {
        f.requirements.iter().filter(|r| r.kind == kind).count()
    }

    #[test]
    fn iso42001_counts_are_exact() {
        let fw = frameworks();
        let iso = &fw["iso42001-2023"];
        assert_eq!(count(iso, "clause"), 43);
        assert_eq!(count(iso, "control"), 38);
        // 9 objective groups A.2..A.10 plus the two A.6 sub-objectives.
        let top_objectives: Vec<_> = iso
            .requirements
            .iter()
            .filter(|r| r.kind == "control_objective" && r.parent.is_none())
            .map(|r| r.reference.as_str())
            .collect();
        assert_eq!(
            top_objectives,
            ["A.2", "A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9", "A.10"]
        );
        assert_eq!(count(iso, "control_objective"), 11);
        assert_eq!(count(iso, "annex_c_objective"), 11);
        assert_eq!(count(iso, "risk_source"), 7);
        // Every control sits under an objective and none is numbered A.x.1.
        for c in iso.requirements.iter().filter(|r| r.kind == "control") {
            assert!(c.parent.is_some());
            assert!(!c.reference.ends_with(".1"), "{}", c.reference);
            assert!(
                c.description.is_some() && !c.evidence.is_empty() && !c.questions.is_empty(),
                "{} lacks guidance",
                c.reference
            );
        }
        let documented: usize = iso.requirements.iter().map(|r| r.documents.len()).sum();
        assert_eq!(documented, 54);
    }

    #[test]
    fn nist_and_eu_counts() {
        let fw = frameworks();
        let nist = &fw["nist-ai-rmf-1.0"];
        assert_eq!(count(nist, "function"), 4);
        assert_eq!(count(nist, "category"), 19);
        assert_eq!(count(nist, "subcategory"), 72);
        let eu = &fw["eu-ai-act-2024"];
        assert_eq!(count(eu, "article"), 113);
        assert_eq!(count(eu, "prohibited_practice"), 8);
        assert_eq!(count(eu, "annex_iii_area"), 8);
        assert_eq!(count(eu, "annex_iii_use_case"), 25);
        let assessable: HashSet<&str> = eu
            .requirements
            .iter()
            .filter(|r| r.assessable)
            .map(|r| r.reference.as_str())
            .collect();
        for a in [
            "Art. 4", "Art. 5", "Art. 6", "Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13",
            "Art. 14", "Art. 15", "Art. 16", "Art. 17", "Art. 25", "Art. 26", "Art. 27", "Art. 43",
            "Art. 50", "Art. 53", "Art. 55", "Art. 72", "Art. 73",
        ] {
            assert!(assessable.contains(a), "{a} must be assessable");
        }
    }

    #[test]
    fn every_crosswalk_row_resolves() {
        let fw = frameworks();
        let mut rows = HashMap::new();
        for lib in builtin().unwrap() {
            if let Library::MappingSet(m) = lib {
                rows.insert(m.meta.key.clone(), m.mappings.len());
                for map in &m.mappings {
                    for end in [&map.from, &map.to] {
                        let ReqAddr::Ref {
                            framework,
                            reference,
                        } = end
                        else {
                            panic!("builtin uses refs")
                        };
                        assert!(
                            fw[framework]
                                .requirements
                                .iter()
                                .any(|r| &r.reference == reference),
                            "{framework}:{reference} does not exist"
                        );
                    }
                }
            }
        }
        assert_eq!(rows["iso42001-2023--nist-ai-rmf-1.0"], 280);
        assert_eq!(rows["iso42001-2023--eu-ai-act-2024"], 89);
        assert_eq!(rows["iso42001-2023--iso27001-2022"], 70);
    }

    #[test]
    fn iso27001_has_all_93_annex_a_controls_in_four_themes() {
        let fw = frameworks();
        let iso = &fw["iso27001-2022"];
        let controls: Vec<_> = iso
            .requirements
            .iter()
            .filter(|r| r.kind == "control")
            .collect();
        assert_eq!(controls.len(), 93);
        for (theme, n) in [("A.5", 37), ("A.6", 8), ("A.7", 14), ("A.8", 34)] {
            assert_eq!(
                controls
                    .iter()
                    .filter(|c| c.parent.as_deref() == Some(theme))
                    .count(),
                n,
                "{theme}"
            );
        }
        assert!(controls.iter().all(|c| c.description.is_some()));
    }

    /// The shared-structure rows no longer claim equivalence (42001 asks AI-specific things),
    /// and 6.1.4 and 8.4 are said to have no counterpart.
    #[test]
    fn the_27001_crosswalk_does_not_over_credit() {
        for lib in builtin().unwrap() {
            let Library::MappingSet(m) = lib else {
                continue;
            };
            if m.meta.key != "iso42001-2023--iso27001-2022" {
                continue;
            }
            let rel = |r: &str| {
                m.mappings
                    .iter()
                    .find(|x| matches!(&x.from, ReqAddr::Ref { reference, .. } if reference == r))
                    .map(|x| x.relation)
            };
            for r in ["4.1", "9.2.2", "9.3", "6.1.2", "7.5.1", "10.2"] {
                assert_eq!(rel(r), Some(Relation::Intersects), "{r}");
            }
            assert!(m.mappings.iter().all(|x| !x.relation.fully_covers()));
            let none: Vec<&str> = m
                .no_counterpart
                .iter()
                .map(|n| n.reference.as_str())
                .collect();
            assert_eq!(none, ["6.1.4", "8.4"]);
            return;
        }
        panic!("no 42001-27001 crosswalk");
    }

    /// The built-in EU AI Act dates are those of the 2026 amendment, each with its source.
    #[test]
    fn ai_act_rules_carry_the_amended_dates() {
        let rules = ai_act_rules().unwrap();
        let d = |k: &str| rules.dates.iter().find(|d| d.key == k).unwrap();
        assert_eq!(d("annex_iii_high_risk").applies_from, "2027-12-02");
        assert_eq!(
            d("annex_iii_high_risk").original.as_deref(),
            Some("2026-08-02")
        );
        assert_eq!(d("annex_i_high_risk").applies_from, "2028-08-02");
        assert_eq!(
            d("annex_i_high_risk").original.as_deref(),
            Some("2027-08-02")
        );
        assert_eq!(d("intimate_imagery_prohibition").applies_from, "2026-12-02");
        assert_eq!(
            d("transparency_grace_for_generative").applies_from,
            "2026-12-02"
        );
        assert_eq!(
            d("gpai_models_already_on_market").source,
            "Art. 111(3) of Regulation (EU) 2024/1689"
        );
        for date in &rules.dates {
            assert!(date.source.contains("2024/1689"), "{}", date.key);
            // A moved date names the act that moved it.
            assert!(
                date.original.is_none() || date.amended_by.is_some(),
                "{}",
                date.key
            );
            assert_eq!(
                date.amended_by.is_some(),
                date.amendment_status.is_some(),
                "{}",
                date.key
            );
        }
    }

    /// Every maturity question names clauses or controls that exist in ISO/IEC 42001.
    #[test]
    fn maturity_questions_cite_real_clauses() {
        let fw = frameworks();
        let refs: HashSet<&str> = fw["iso42001-2023"]
            .requirements
            .iter()
            .map(|r| r.reference.as_str())
            .collect();
        for (i, q) in aims_domain::maturity::QUESTIONS.iter().enumerate() {
            assert_eq!(q.id, format!("Q{}", i + 1));
            for part in q.clause.split(", ").flat_map(|p| p.split(" to ")) {
                assert!(
                    refs.contains(part),
                    "{}: `{part}` is not a 42001 clause",
                    q.id
                );
            }
        }
    }

    /// Every 42001 clause and Annex A control (81 items) has at least three evidence examples
    /// and three auditor questions; every assessable one has implementation guidance; every
    /// heading node says what its part is for; every NIST subcategory has evidence examples.
    #[test]
    fn guidance_is_complete() {
        let fw = frameworks();
        let iso = &fw["iso42001-2023"];
        let items: Vec<_> = iso
            .requirements
            .iter()
            .filter(|r| r.kind == "clause" || r.kind == "control")
            .collect();
        assert_eq!(items.len(), 81);
        for r in &items {
            assert!(
                r.evidence.len() >= 3,
                "{}: {} evidence examples",
                r.reference,
                r.evidence.len()
            );
            assert!(
                r.questions.len() >= 3,
                "{}: {} questions",
                r.reference,
                r.questions.len()
            );
            if r.assessable {
                let g = r.guidance.as_deref().unwrap_or("");
                assert!(
                    g.len() > 200 && g.contains("Pitfall"),
                    "{}: guidance",
                    r.reference
                );
            } else {
                assert!(
                    r.description.is_some(),
                    "{}: what this part is for",
                    r.reference
                );
            }
        }
        let headings = iso
            .requirements
            .iter()
            .filter(|r| !r.assessable && (r.kind == "clause" || r.kind == "control_objective"))
            .count();
        assert_eq!(headings, 22, "11 clause headings and 11 Annex A objectives");
        let nist = &fw["nist-ai-rmf-1.0"];
        let subs: Vec<_> = nist
            .requirements
            .iter()
            .filter(|r| r.kind == "subcategory")
            .collect();
        assert_eq!(subs.len(), 72);
        assert!(subs.iter().all(|r| !r.evidence.is_empty()));
    }
}
