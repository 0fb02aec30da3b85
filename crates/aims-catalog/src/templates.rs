//! Starting templates for the mandatory documented information of ISO/IEC 42001, written in our
//! own words. `{{key}}` marks what the records fill in (systems in scope, risk criteria, roles,
//! the SoA version); `[To complete: ...]` marks what a person writes.

pub struct DocumentTemplate {
    pub key: &'static str,
    pub title: &'static str,
    /// A document kind of the documents register.
    pub kind: &'static str,
    /// The ISO/IEC 42001 references the document addresses.
    pub clauses: &'static [&'static str],
    pub content: &'static str,
}

macro_rules! template {
    ($key:literal, $title:literal, $kind:literal, [$($c:literal),*]) => {
        DocumentTemplate {
            key: $key,
            title: $title,
            kind: $kind,
            clauses: &[$($c),*],
            content: include_str!(concat!("../document-templates/", $key, ".md")),
        }
    };
}

pub const TEMPLATES: &[DocumentTemplate] = &[
    template!(
        "scope",
        "Scope of the AI management system",
        "statement",
        ["4.3"]
    ),
    template!("ai-policy", "AI policy", "policy", ["5.2", "A.2.2"]),
    template!(
        "roles",
        "AIMS roles and responsibilities",
        "statement",
        ["5.3", "A.3.2"]
    ),
    template!(
        "risk-process",
        "AI risk assessment and treatment process",
        "procedure",
        ["6.1.2", "6.1.3"]
    ),
    template!(
        "impact-process",
        "AI system impact assessment process",
        "procedure",
        ["6.1.4", "A.5.2"]
    ),
    template!("objectives", "AI objectives", "plan", ["6.2"]),
    template!(
        "competence",
        "Competence and awareness",
        "procedure",
        ["7.2", "7.3"]
    ),
    template!(
        "document-control",
        "Control of documented information",
        "procedure",
        ["7.5"]
    ),
    template!(
        "internal-audit",
        "Internal audit procedure",
        "procedure",
        ["9.2"]
    ),
    template!(
        "management-review",
        "Management review procedure",
        "procedure",
        ["9.3"]
    ),
    template!(
        "nonconformity",
        "Nonconformity and corrective action procedure",
        "procedure",
        ["10.2"]
    ),
    template!(
        "concern-reporting",
        "Process for reporting concerns",
        "procedure",
        ["A.3.3"]
    ),
];

pub fn template(key: &str) -> Option<&'static DocumentTemplate> {
    TEMPLATES.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_one_the_service_fills() {
        let known = [
            "organization",
            "today",
            "systems_in_scope",
            "aims_roles",
            "risk_criteria",
            "soa_version",
        ];
        for t in TEMPLATES {
            let mut rest = t.content;
            while let Some(i) = rest.find("{{") {
                let end = rest[i..].find("}}").map(|e| i + e).unwrap_or(rest.len());
                let key = &rest[i + 2..end];
                assert!(known.contains(&key), "{}: unknown placeholder {key}", t.key);
                rest = &rest[end..];
            }
            assert!(
                t.content.starts_with("# "),
                "{} starts with its title",
                t.key
            );
        }
    }
}
