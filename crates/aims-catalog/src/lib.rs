//! The framework library of aims: the library format and its checks, the built-in content
//! (embedded in the binary), import of CISO Assistant libraries, and OSCAL export.
//! No IO: the store persists what this crate parses.

pub mod ciso;
pub mod library;
pub mod oscal;

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
}
