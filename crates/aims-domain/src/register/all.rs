//! The registers of aims, described as data: each register's fields, options and links.
//! Adding a field is a line here and a migration column.

use super::{field, FieldKind, LinkSpec, RegisterSpec};

pub const LIFECYCLE_STAGES: &[(&str, &str)] = &[
    ("inception", "Inception"),
    ("design_development", "Design and development"),
    ("verification_validation", "Verification and validation"),
    ("deployment", "Deployment"),
    ("operation_monitoring", "Operation and monitoring"),
    ("re_evaluation", "Re-evaluation"),
    ("retirement", "Retirement"),
];

pub const ROLES: &[(&str, &str)] = &[
    ("ai_provider", "AI provider (ISO/IEC 22989)"),
    ("ai_producer", "AI producer (ISO/IEC 22989)"),
    ("ai_customer", "AI customer (ISO/IEC 22989)"),
    ("ai_partner", "AI partner (ISO/IEC 22989)"),
    ("ai_subject", "AI subject (ISO/IEC 22989)"),
    ("relevant_authority", "Relevant authority (ISO/IEC 22989)"),
    ("provider", "Provider (EU AI Act)"),
    ("deployer", "Deployer (EU AI Act)"),
    ("importer", "Importer (EU AI Act)"),
    ("distributor", "Distributor (EU AI Act)"),
    ("product_manufacturer", "Product manufacturer (EU AI Act)"),
    (
        "authorised_representative",
        "Authorised representative (EU AI Act)",
    ),
];

pub const AUTOMATION: &[(&str, &str)] = &[
    ("assistive", "Assistive: a person decides"),
    (
        "partial",
        "Partial automation: a person approves each output",
    ),
    (
        "conditional",
        "Conditional automation: a person can intervene",
    ),
    ("high", "High automation: a person monitors"),
    ("full", "Full automation: no person involved"),
];

pub const OVERSIGHT: &[(&str, &str)] = &[
    ("human_in_the_loop", "Human in the loop"),
    ("human_on_the_loop", "Human on the loop"),
    ("human_in_command", "Human in command"),
    ("none", "No human oversight"),
];

pub const TIERS: &[(&str, &str)] = &[
    ("unclassified", "Not classified"),
    ("prohibited", "Prohibited (Art. 5)"),
    ("high_risk", "High risk (Art. 6)"),
    ("transparency", "Transparency obligations (Art. 50)"),
    ("minimal", "Minimal risk"),
];

pub const AI_SYSTEMS: RegisterSpec = RegisterSpec {
    table: "ai_systems",
    path: "ai-systems",
    prefix: "AIS",
    singular: "AI system",
    plural: "AI systems",
    intro: "Every AI system the organization develops, provides or uses: what it is for, who owns it, where it is in its life cycle, and whether it is in the scope of the AIMS.",
    fields: &[
        field("name", "Name", FieldKind::Text { max: 200 }).required().list().sort(),
        field("description", "Description", FieldKind::LongText),
        field("purpose", "Purpose", FieldKind::LongText).help("What the system is for, in one or two sentences."),
        field("intended_use", "Intended use", FieldKind::LongText),
        field("foreseeable_misuse", "Reasonably foreseeable misuse", FieldKind::LongText),
        field("owner_id", "Owner", FieldKind::Member).list().filter().help("The member accountable for this system."),
        field("business_unit", "Business unit", FieldKind::Text { max: 200 }).list().filter().sort(),
        field("roles", "Our roles", FieldKind::Multi(ROLES)).help("Our roles towards this system (ISO/IEC 22989 and EU AI Act)."),
        field("lifecycle_stage", "Life cycle stage", FieldKind::Enum(LIFECYCLE_STAGES)).required().list().filter().sort(),
        field("automation_level", "Level of automation", FieldKind::Enum(AUTOMATION)),
        field("human_oversight", "Human oversight", FieldKind::Enum(OVERSIGHT)),
        field("affected_groups", "Affected people and groups", FieldKind::LongText),
        field("personal_data", "Processes personal data", FieldKind::Bool).filter(),
        field("special_category_data", "Processes special categories of personal data", FieldKind::Bool).filter(),
        field("deployment_context", "Deployment context", FieldKind::LongText),
        field("in_scope", "In AIMS scope", FieldKind::Bool).list().filter(),
        field("scope_reason", "Scope reason", FieldKind::LongText).help("Why the system is in or out of scope."),
        field("next_review", "Next review", FieldKind::Date).list().sort(),
        field("risk_tier", "EU AI Act tier", FieldKind::Enum(TIERS)).list().filter().sort().computed(),
    ],
    links: &[
        LinkSpec { field: "model_ids", label: "Models", other: "ai_models" },
        LinkSpec { field: "dataset_ids", label: "Datasets", other: "datasets" },
        LinkSpec { field: "supplier_ids", label: "Suppliers", other: "suppliers" },
    ],
};

pub const MODEL_SOURCES: &[(&str, &str)] = &[
    ("in_house", "Built in-house"),
    ("third_party_service", "Third-party service"),
    ("open_weights", "Open weights"),
    ("other", "Other"),
];

pub const AI_MODELS: RegisterSpec = RegisterSpec {
    table: "ai_models",
    path: "models",
    prefix: "MDL",
    singular: "model",
    plural: "Models",
    intro: "The models inside your AI systems: built in-house, used as a service, or taken as open weights.",
    fields: &[
        field("name", "Name", FieldKind::Text { max: 200 }).required().list().sort(),
        field("model_version", "Version", FieldKind::Text { max: 100 }).list(),
        field("task", "Type or task", FieldKind::Text { max: 200 }).list().help("For example: classification, text generation, ranking."),
        field("source", "Source", FieldKind::Enum(MODEL_SOURCES)).list().filter().sort(),
        field("supplier_id", "Supplier", FieldKind::Ref("suppliers")).list().filter(),
        field("licence", "Licence", FieldKind::Text { max: 200 }),
        field("description", "Description", FieldKind::LongText),
        field("external_ref", "External reference", FieldKind::Text { max: 500 }).help("An identifier from another system, such as a CycloneDX bom-ref or a package URL."),
    ],
    links: &[
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
        LinkSpec { field: "dataset_ids", label: "Datasets", other: "datasets" },
    ],
};

pub const DATASET_PURPOSES: &[(&str, &str)] = &[
    ("training", "Training"),
    ("validation", "Validation"),
    ("test", "Test"),
    ("production_input", "Production input"),
    ("other", "Other"),
];

pub const ACQUISITION: &[(&str, &str)] = &[
    ("collected", "Collected by us"),
    ("purchased", "Purchased"),
    ("licensed", "Licensed"),
    ("public", "Publicly available"),
    ("synthetic", "Synthetic"),
    ("user_provided", "Provided by users"),
    ("other", "Other"),
];

pub const DATASETS: RegisterSpec = RegisterSpec {
    table: "datasets",
    path: "datasets",
    prefix: "DS",
    singular: "dataset",
    plural: "Datasets",
    intro: "The data your AI systems learn from and work on: where it comes from, what it contains, how good it is.",
    fields: &[
        field("name", "Name", FieldKind::Text { max: 200 }).required().list().sort(),
        field("purpose", "Purpose", FieldKind::Enum(DATASET_PURPOSES)).list().filter().sort(),
        field("source", "Source", FieldKind::Text { max: 500 }).list(),
        field("provenance", "Provenance", FieldKind::LongText).help("Where the data comes from and what was done to it."),
        field("acquisition_method", "Acquisition method", FieldKind::Enum(ACQUISITION)).filter(),
        field("personal_data", "Contains personal data", FieldKind::Bool).list().filter(),
        field("special_category_data", "Contains special categories of personal data", FieldKind::Bool).filter(),
        field("quality_checks", "Quality checks and results", FieldKind::LongText),
        field("known_biases", "Known biases", FieldKind::LongText),
        field("retention", "Retention", FieldKind::Text { max: 200 }),
        field("supplier_id", "Supplier", FieldKind::Ref("suppliers")).filter(),
        field("description", "Description", FieldKind::LongText),
        field("external_ref", "External reference", FieldKind::Text { max: 500 }),
    ],
    links: &[
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
        LinkSpec { field: "model_ids", label: "Models", other: "ai_models" },
    ],
};

pub const DUE_DILIGENCE: &[(&str, &str)] = &[
    ("not_started", "Not started"),
    ("in_progress", "In progress"),
    ("completed", "Completed"),
    ("expired", "Expired"),
];

pub const RISK_RATINGS: &[(&str, &str)] = &[
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
];

pub const SUPPLIERS: RegisterSpec = RegisterSpec {
    table: "suppliers",
    path: "suppliers",
    prefix: "SUP",
    singular: "supplier",
    plural: "Suppliers",
    intro: "Third parties that provide AI systems, models, data or services, with their due diligence and review cadence (A.10).",
    fields: &[
        field("name", "Name", FieldKind::Text { max: 200 }).required().list().sort(),
        field("services", "Services supplied", FieldKind::LongText),
        field("contract_ref", "Contract reference", FieldKind::Text { max: 200 }).list(),
        field("due_diligence_status", "Due diligence", FieldKind::Enum(DUE_DILIGENCE)).list().filter().sort(),
        field("due_diligence_date", "Due diligence date", FieldKind::Date),
        field("review_cadence_months", "Review every (months)", FieldKind::Int { min: 1, max: 120 }),
        field("risk_rating", "Risk rating", FieldKind::Enum(RISK_RATINGS)).list().filter().sort(),
        field("next_review", "Next review", FieldKind::Date).list().sort(),
        field("website", "Website", FieldKind::Text { max: 500 }),
        field("external_ref", "External reference", FieldKind::Text { max: 500 }),
    ],
    links: &[LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" }],
};

pub const RISK_SOURCES: &[(&str, &str)] = &[
    ("C.3.1", "Complexity of environment"),
    ("C.3.2", "Lack of transparency and explainability"),
    ("C.3.3", "Level of automation"),
    ("C.3.4", "Machine learning"),
    ("C.3.5", "System hardware issues"),
    ("C.3.6", "System life cycle issues"),
    ("C.3.7", "Technology readiness"),
    ("other", "Other (our own)"),
];

pub const OBJECTIVES: &[(&str, &str)] = &[
    ("C.2.1", "Accountability"),
    ("C.2.2", "AI expertise"),
    (
        "C.2.3",
        "Availability and quality of training and test data",
    ),
    ("C.2.4", "Environmental impact"),
    ("C.2.5", "Fairness"),
    ("C.2.6", "Maintainability"),
    ("C.2.7", "Privacy"),
    ("C.2.8", "Robustness"),
    ("C.2.9", "Safety"),
    ("C.2.10", "Security"),
    ("C.2.11", "Transparency and explainability"),
];

pub const TREATMENTS: &[(&str, &str)] = &[
    ("modify", "Modify (reduce)"),
    ("avoid", "Avoid"),
    ("share", "Share"),
    ("retain", "Retain"),
];

pub const RISK_STATUSES: &[(&str, &str)] = &[
    ("identified", "Identified"),
    ("assessed", "Assessed"),
    ("in_treatment", "In treatment"),
    ("accepted", "Accepted"),
    ("closed", "Closed"),
];

const SCALE: FieldKind = FieldKind::Int { min: 1, max: 10 };

pub const RISKS: RegisterSpec = RegisterSpec {
    table: "risks",
    path: "risks",
    prefix: "RSK",
    singular: "risk",
    plural: "Risks",
    intro: "AI risks (6.1.2, 8.2): what could go wrong, for which systems, how likely and how bad before and after treatment, and who accepted what remains.",
    fields: &[
        field("name", "Title", FieldKind::Text { max: 200 }).required().list().sort(),
        field("description", "Description", FieldKind::LongText),
        field("risk_source", "Risk source", FieldKind::Enum(RISK_SOURCES)).filter(),
        field("objectives", "Objectives threatened", FieldKind::Multi(OBJECTIVES)),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("inherent_likelihood", "Inherent likelihood", SCALE).filter(),
        field("inherent_impact", "Inherent impact", SCALE).filter(),
        field("treatment", "Treatment", FieldKind::Enum(TREATMENTS)).list().filter(),
        field("residual_likelihood", "Residual likelihood", SCALE).filter(),
        field("residual_impact", "Residual impact", SCALE).filter(),
        field("status", "Status", FieldKind::Enum(RISK_STATUSES)).required().list().filter().sort(),
        field("next_review", "Next review", FieldKind::Date).list().sort(),
        field("source", "Source", FieldKind::Text { max: 200 }).help("Where the risk comes from, e.g. impact assessment IA-3 finding 2."),
        field("inherent_score", "Inherent score", FieldKind::Int { min: 0, max: 100 }).list().computed(),
        field("residual_score", "Residual score", FieldKind::Int { min: 0, max: 100 }).list().computed(),
        field("accepted_by", "Accepted by", FieldKind::Member).computed(),
        field("accepted_on", "Accepted on", FieldKind::Date).computed(),
        field("acceptance_reason", "Acceptance reason", FieldKind::LongText).computed(),
        field("top_management_acceptance", "Accepted by top management", FieldKind::Bool).computed(),
        field("top_management_acceptor", "Top management acceptor", FieldKind::Member).computed(),
        field("accepted_score", "Accepted at score", FieldKind::Int { min: 0, max: 100 }).computed(),
    ],
    links: &[
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
        LinkSpec { field: "control_ids", label: "Controls treating it", other: "controls" },
    ],
};

pub const CONTROL_STATUSES: &[(&str, &str)] = &[
    ("planned", "Planned"),
    ("in_progress", "In progress"),
    ("implemented", "Implemented"),
    ("retired", "Retired"),
];

pub const EFFECTIVENESS: &[(&str, &str)] = &[
    ("not_checked", "Not checked yet"),
    ("effective", "Effective"),
    ("partially_effective", "Partially effective"),
    ("not_effective", "Not effective"),
];

pub const CONTROLS: RegisterSpec = RegisterSpec {
    table: "controls",
    path: "controls",
    prefix: "CTL",
    singular: "control",
    plural: "Controls",
    intro: "What the organization actually does. One control can implement requirements of several frameworks at once, treat risks, and is proven by evidence.",
    fields: &[
        field("name", "Name", FieldKind::Text { max: 200 }).required().list().sort(),
        field("description", "Description", FieldKind::LongText),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("status", "Status", FieldKind::Enum(CONTROL_STATUSES)).required().list().filter().sort(),
        field("effectiveness_method", "How effectiveness is checked", FieldKind::LongText),
        field("last_result", "Last effectiveness result", FieldKind::Enum(EFFECTIVENESS)).list().filter(),
        field("last_checked", "Last checked", FieldKind::Date),
    ],
    links: &[
        LinkSpec { field: "requirement_ids", label: "Requirements it implements", other: "requirements" },
        LinkSpec { field: "risk_ids", label: "Risks it treats", other: "risks" },
        LinkSpec { field: "evidence_ids", label: "Evidence", other: "evidence" },
    ],
};

pub const EVIDENCE_KINDS: &[(&str, &str)] = &[("file", "File"), ("link", "Link")];

pub const EVIDENCE: RegisterSpec = RegisterSpec {
    table: "evidence",
    path: "evidence",
    prefix: "EV",
    singular: "evidence",
    plural: "Evidence",
    intro: "Proof that controls work: files stored by their SHA-256 (so a download proves they are unchanged) or links, with the date collected and how long they stay valid.",
    fields: &[
        field("name", "Title", FieldKind::Text { max: 200 }).required().list().sort(),
        field("description", "Description", FieldKind::LongText),
        field("kind", "Kind", FieldKind::Enum(EVIDENCE_KINDS)).required().list().filter(),
        field("url", "Link", FieldKind::Text { max: 2000 }),
        field("collected_on", "Collected on", FieldKind::Date).list(),
        field("valid_until", "Valid until", FieldKind::Date).list().sort(),
        field("file_name", "File name", FieldKind::Text { max: 300 }).computed(),
        field("file_sha256", "SHA-256", FieldKind::Text { max: 64 }).computed(),
        field("file_size", "File size (bytes)", FieldKind::Int { min: 0, max: i64::MAX }).computed(),
        field("media_type", "Media type", FieldKind::Text { max: 200 }).computed(),
    ],
    links: &[
        LinkSpec { field: "control_ids", label: "Controls", other: "controls" },
        LinkSpec { field: "requirement_ids", label: "Requirements", other: "requirements" },
    ],
};

pub const IA_STATUSES: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("in_review", "In review"),
    ("approved", "Approved"),
    ("superseded", "Superseded"),
];

pub const IMPACT_ASSESSMENTS: RegisterSpec = RegisterSpec {
    table: "impact_assessments",
    path: "impact-assessments",
    prefix: "AIA",
    singular: "impact assessment",
    plural: "Impact assessments",
    intro: "AI system impact assessments (6.1.4, 8.4, A.5): the consequences of each system for individuals, groups and society, reviewed and approved by someone other than the author.",
    fields: &[
        field("name", "Title", FieldKind::Text { max: 200 }).required().list().sort(),
        field("system_id", "AI system", FieldKind::Ref("ai_systems")).required().list().filter(),
        field("summary", "Summary", FieldKind::LongText),
        field("review_interval_months", "Review every (months)", FieldKind::Int { min: 1, max: 60 }),
        field("assessment_version", "Version", FieldKind::Int { min: 1, max: 100_000 }).list().computed(),
        field("status", "Status", FieldKind::Enum(IA_STATUSES)).list().filter().sort().computed(),
        field("author_id", "Author", FieldKind::Member).computed(),
        field("approver_id", "Approved by", FieldKind::Member).computed(),
        field("approved_on", "Approved on", FieldKind::Date).computed(),
        field("stage_at_approval", "System stage when approved", FieldKind::Enum(LIFECYCLE_STAGES)).computed(),
    ],
    links: &[],
};

pub const TASK_STATUSES: &[(&str, &str)] = &[
    ("open", "Open"),
    ("in_progress", "In progress"),
    ("done", "Done"),
];

pub const TASKS: RegisterSpec = RegisterSpec {
    table: "tasks",
    path: "tasks",
    prefix: "TSK",
    singular: "task",
    plural: "Tasks",
    intro: "Actions with an owner and a due date: from the certification roadmap, audits, reviews or anywhere else.",
    fields: &[
        field("name", "Title", FieldKind::Text { max: 200 }).required().list().sort(),
        field("description", "Description", FieldKind::LongText),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("due_date", "Due", FieldKind::Date).list().sort(),
        field("status", "Status", FieldKind::Enum(TASK_STATUSES)).required().list().filter().sort(),
        field("source", "Source", FieldKind::Text { max: 200 }).list().help("Where the task comes from, e.g. roadmap 6.4."),
    ],
    links: &[],
};

pub const DOCUMENT_KINDS: &[(&str, &str)] = &[
    ("policy", "Policy"),
    ("procedure", "Procedure"),
    ("plan", "Plan"),
    ("record", "Record"),
    ("statement", "Statement"),
    ("template", "Template"),
];

pub const DOCUMENT_CLASSIFICATIONS: &[(&str, &str)] = &[
    ("public", "Public"),
    ("internal", "Internal"),
    ("confidential", "Confidential"),
    ("restricted", "Restricted"),
];

pub const DOCUMENTS: RegisterSpec = RegisterSpec {
    table: "documents",
    path: "documents",
    prefix: "DOC",
    singular: "document",
    plural: "Documents",
    intro: "Documented information (7.5): policies, procedures, plans and statements, each with versions that are approved by someone other than the author and frozen once published.",
    fields: &[
        field("name", "Title", FieldKind::Text { max: 200 }).required().list().sort(),
        field("kind", "Kind", FieldKind::Enum(DOCUMENT_KINDS)).required().list().filter().sort(),
        field("description", "Purpose", FieldKind::LongText),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("classification", "Classification", FieldKind::Enum(DOCUMENT_CLASSIFICATIONS)).filter(),
        field("audience_roles", "Audience", FieldKind::Multi(AUDIENCES)).help("Who must read it: everyone, or the people holding these AIMS roles. Each major version asks them to acknowledge it."),
        field("audience_people", "Named readers", FieldKind::Text { max: 2000 }).help("Members who must read it besides the roles above, by e-mail, separated by commas."),
        field("audience", "Audience notes", FieldKind::Text { max: 300 }).help("Anyone else who must know it, e.g. a team or an outside party."),
        field("retention", "Retention", FieldKind::Text { max: 200 }).help("How long versions are kept, e.g. 3 years after they are superseded."),
        field("review_interval_months", "Review every (months)", FieldKind::Int { min: 1, max: 60 }),
        field("next_review", "Next review", FieldKind::Date).list().sort(),
        field("status", "Status", FieldKind::Enum(crate::document::VERSION_STATUSES)).list().filter().sort().computed(),
        field("current_version", "Published version", FieldKind::Text { max: 20 }).list().computed(),
    ],
    links: &[
        LinkSpec { field: "requirement_ids", label: "Requirements it addresses", other: "requirements" },
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
    ],
};

pub const ISSUE_ORIGINS: &[(&str, &str)] = &[("internal", "Internal"), ("external", "External")];

pub const ISSUE_CATEGORIES: &[(&str, &str)] = &[
    ("legal", "Legal and regulatory"),
    ("technological", "Technological"),
    ("economic", "Economic and market"),
    ("social", "Social and cultural"),
    ("environmental", "Environmental and climate"),
    ("organizational", "Organizational"),
    ("ethical", "Ethical"),
];

pub const ISSUE_EFFECTS: &[(&str, &str)] = &[
    ("positive", "Positive"),
    ("negative", "Negative"),
    ("both", "Both"),
];

/// Internal and external issues (4.1).
pub const CONTEXT_ISSUES: RegisterSpec = RegisterSpec {
    table: "context_issues",
    path: "context-issues",
    prefix: "ISS",
    singular: "context issue",
    plural: "Context issues",
    intro: "Internal and external issues that affect what the AIMS can achieve (4.1): the law, technology, the market, the organization, and whether climate change matters.",
    fields: &[
        field("name", "Issue", FieldKind::Text { max: 200 }).required().list().sort(),
        field("origin", "Internal or external", FieldKind::Enum(ISSUE_ORIGINS)).required().list().filter(),
        field("category", "Category", FieldKind::Enum(ISSUE_CATEGORIES)).list().filter(),
        field("description", "Description", FieldKind::LongText),
        field("effect", "Effect on the AIMS", FieldKind::Enum(ISSUE_EFFECTS)).list().filter(),
        field("applicable_law", "Applicable law", FieldKind::Text { max: 300 }),
        field("climate_relevant", "Climate change is relevant here", FieldKind::Bool).help("4.1 asks whether climate change is a relevant issue."),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("next_review", "Next review", FieldKind::Date).list().sort(),
    ],
    links: &[
        LinkSpec { field: "system_ids", label: "AI systems concerned", other: "ai_systems" },
        LinkSpec { field: "risk_ids", label: "Risks", other: "risks" },
        LinkSpec { field: "requirement_ids", label: "Requirements", other: "requirements" },
    ],
};

pub const PARTY_KINDS: &[(&str, &str)] = &[
    ("customer", "Customer"),
    ("regulator", "Regulator or authority"),
    ("affected_persons", "Affected persons or groups"),
    ("employees", "Employees"),
    ("suppliers", "Suppliers and partners"),
    ("investors", "Owners and investors"),
    ("public", "The public and civil society"),
    ("other", "Other"),
];

/// Interested parties (4.2).
pub const INTERESTED_PARTIES: RegisterSpec = RegisterSpec {
    table: "interested_parties",
    path: "interested-parties",
    prefix: "IP",
    singular: "interested party",
    plural: "Interested parties",
    intro: "The people and bodies with a stake in the AIMS (4.2), including people affected by AI outputs who are not customers. Their requirements are recorded one by one.",
    fields: &[
        field("name", "Party", FieldKind::Text { max: 200 }).required().list().sort(),
        field("kind", "Kind", FieldKind::Enum(PARTY_KINDS)).required().list().filter().sort(),
        field("description", "Who they are", FieldKind::LongText),
        field("contact", "Contact or channel", FieldKind::Text { max: 200 }),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("next_review", "Next review", FieldKind::Date).list().sort(),
    ],
    links: &[LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" }],
};

pub const ADDRESSED: &[(&str, &str)] = &[
    ("yes", "Addressed"),
    ("partly", "Partly addressed"),
    ("no", "Not addressed"),
];

/// What an interested party requires, and whether and how the AIMS addresses it (4.2 c).
pub const PARTY_REQUIREMENTS: RegisterSpec = RegisterSpec {
    table: "party_requirements",
    path: "party-requirements",
    prefix: "PRQ",
    singular: "party requirement",
    plural: "Requirements of interested parties",
    intro: "Each requirement of an interested party, and the decision whether the AIMS addresses it: through a control, a document or an objective, or the reason why not.",
    fields: &[
        field("name", "Requirement", FieldKind::Text { max: 300 }).required().list().sort(),
        field("party_id", "Interested party", FieldKind::Ref("interested_parties")).required().list().filter(),
        field("addressed", "Addressed by the AIMS", FieldKind::Enum(ADDRESSED)).required().list().filter().sort(),
        field("how", "How, or why not", FieldKind::LongText).help("Name the control, document or objective, or say why the AIMS does not take this on."),
    ],
    links: &[
        LinkSpec { field: "control_ids", label: "Controls that address it", other: "controls" },
        LinkSpec { field: "document_ids", label: "Documents that address it", other: "documents" },
        LinkSpec { field: "requirement_ids", label: "Requirements", other: "requirements" },
    ],
};

/// The communication plan (7.4): what, when, with whom, how, and who.
pub const COMMUNICATION_PLAN: RegisterSpec = RegisterSpec {
    table: "communication_plan",
    path: "communication-plan",
    prefix: "CP",
    singular: "planned communication",
    plural: "Communication plan",
    intro: "What the organization communicates about the AIMS and its AI systems (7.4): when or on which trigger, with whom, how, and who does it.",
    fields: &[
        field("name", "What", FieldKind::Text { max: 200 }).required().list().sort(),
        field("audience", "With whom", FieldKind::Text { max: 300 }).required().list(),
        field("timing", "When, or the trigger", FieldKind::Text { max: 200 }).list(),
        field("channel", "How", FieldKind::Text { max: 200 }).list(),
        field("owner_id", "Who communicates", FieldKind::Member).list().filter(),
        field("description", "Notes", FieldKind::LongText),
    ],
    links: &[LinkSpec { field: "document_ids", label: "Documents", other: "documents" }],
};

/// Communications made (7.4): the record that the plan was carried out.
pub const COMMUNICATIONS: RegisterSpec = RegisterSpec {
    table: "communications",
    path: "communications",
    prefix: "COM",
    singular: "communication",
    plural: "Communications made",
    intro: "A record of each communication made: when, to whom, by which channel, and what it was about.",
    fields: &[
        field("name", "Subject", FieldKind::Text { max: 200 }).required().list().sort(),
        field("sent_on", "Date", FieldKind::Date).required().list().sort(),
        field("audience", "Audience", FieldKind::Text { max: 300 }).list(),
        field("channel", "Channel", FieldKind::Text { max: 200 }).list(),
        field("plan_id", "Planned as", FieldKind::Ref("communication_plan")).list().filter(),
        field("description", "Content or summary", FieldKind::LongText),
    ],
    links: &[
        LinkSpec { field: "document_ids", label: "Documents communicated", other: "documents" },
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
    ],
};

/// The AIMS's own roles (5.3, A.3.2), beyond the app's access roles. Top management is named
/// here, and the records that need top management (the AI policy) take it from here.
pub const AIMS_ROLES: &[(&str, &str)] = &[
    ("top_management", "Top management"),
    ("aims_manager", "AIMS manager"),
    ("ai_system_owner", "AI system owner"),
    ("risk_owner", "Risk owner"),
    ("internal_auditor", "Internal auditor"),
    ("data_steward", "Data steward"),
    ("legal_compliance", "Legal and compliance"),
    ("concern_triage", "Concern triage"),
];

/// A document's audience: everyone, or the holders of AIMS roles.
pub const AUDIENCES: &[(&str, &str)] = &[
    ("everyone", "Everyone in the organization"),
    ("top_management", "Top management"),
    ("aims_manager", "AIMS manager"),
    ("ai_system_owner", "AI system owners"),
    ("risk_owner", "Risk owners"),
    ("internal_auditor", "Internal auditors"),
    ("data_steward", "Data stewards"),
    ("legal_compliance", "Legal and compliance"),
    ("concern_triage", "Concern triage"),
];

/// Who holds which AIMS role (5.3).
pub const AIMS_ROLE_ASSIGNMENTS: RegisterSpec = RegisterSpec {
    table: "aims_role_assignments",
    path: "aims-roles",
    prefix: "ROL",
    singular: "AIMS role assignment",
    plural: "AIMS roles",
    intro: "Who holds each AIMS role (5.3, A.3.2), with the responsibility and authority that go with it. Top management named here approves the AI policy.",
    fields: &[
        field("name", "Title", FieldKind::Text { max: 200 }).required().list().sort().help("The person's title as the organization says it, e.g. Chief executive."),
        field("aims_role", "AIMS role", FieldKind::Enum(AIMS_ROLES)).required().list().filter().sort(),
        field("member_id", "Person", FieldKind::Member).required().list().filter(),
        field("responsibilities", "Responsibilities", FieldKind::LongText),
        field("authority", "Authority", FieldKind::LongText).help("What the person may decide or approve in this role."),
        field("since", "Since", FieldKind::Date).list().sort(),
    ],
    links: &[LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" }],
};

/// The AIMS processes of the RACI matrix.
pub const AIMS_PROCESSES: &[(&str, &str)] = &[
    ("context_scope", "Context and scope (4)"),
    ("ai_policy", "AI policy (5.2)"),
    ("roles", "Roles and responsibilities (5.3)"),
    ("risk_assessment", "AI risk assessment (6.1.2)"),
    ("risk_treatment", "AI risk treatment and SoA (6.1.3)"),
    ("impact_assessment", "AI system impact assessment (6.1.4)"),
    ("objectives", "AI objectives (6.2)"),
    ("competence", "Competence and awareness (7.2, 7.3)"),
    ("communication", "Communication (7.4)"),
    ("documented_information", "Documented information (7.5)"),
    ("operation", "Operational control (8.1)"),
    ("monitoring", "Monitoring and measurement (9.1)"),
    ("internal_audit", "Internal audit (9.2)"),
    ("management_review", "Management review (9.3)"),
    (
        "nonconformity",
        "Nonconformity and corrective action (10.2)",
    ),
    ("concerns", "Reporting of concerns (A.3.3)"),
];

pub const RACI: &[(&str, &str)] = &[
    ("responsible", "Responsible"),
    ("accountable", "Accountable"),
    ("consulted", "Consulted"),
    ("informed", "Informed"),
];

/// The RACI matrix: one cell (process × AIMS role) per record.
pub const RACI_ENTRIES: RegisterSpec = RegisterSpec {
    table: "raci_entries",
    path: "raci",
    prefix: "RACI",
    singular: "RACI entry",
    plural: "RACI entries",
    intro: "Who is responsible, accountable, consulted or informed for each AIMS process. The matrix page draws them as processes by roles.",
    fields: &[
        field("name", "What the role does", FieldKind::Text { max: 200 }).required().list().sort(),
        field("process", "Process", FieldKind::Enum(AIMS_PROCESSES)).required().list().filter().sort(),
        field("aims_role", "AIMS role", FieldKind::Enum(AIMS_ROLES)).required().list().filter().sort(),
        field("involvement", "Involvement", FieldKind::Enum(RACI)).required().list().filter(),
    ],
    links: &[],
};

pub const CONCERN_STATUSES: &[(&str, &str)] = &[
    ("new", "New"),
    ("in_triage", "In triage"),
    ("became_incident", "Became an incident"),
    ("became_nonconformity", "Became a nonconformity"),
    ("closed", "Closed without action"),
];

pub const CONCERN_CHANNELS: &[(&str, &str)] = &[
    ("public_link", "Public reporting link"),
    ("in_app", "Recorded in aims"),
    ("email", "Email"),
    ("in_person", "In person"),
    ("other", "Other"),
];

/// Concerns reported about AI systems or the AIMS (A.3.3).
pub const CONCERNS: RegisterSpec = RegisterSpec {
    table: "concerns",
    path: "concerns",
    prefix: "CON",
    singular: "concern",
    plural: "Concerns",
    intro: "Concerns about an AI system or the AIMS (A.3.3), reported by staff or, through the organization's reporting link, by anyone, optionally without a name. The triage role decides what each becomes.",
    fields: &[
        field("name", "Summary", FieldKind::Text { max: 200 }).required().list().sort(),
        field("details", "What happened", FieldKind::LongText),
        field("received_on", "Received", FieldKind::Date).required().list().sort(),
        field("channel", "Channel", FieldKind::Enum(CONCERN_CHANNELS)).required().list().filter(),
        field("anonymous", "Anonymous", FieldKind::Bool).list().filter(),
        field("reporter_contact", "Reporter's contact", FieldKind::Text { max: 200 }).help("Left empty when the reporter stays anonymous."),
        field("status", "Status", FieldKind::Enum(CONCERN_STATUSES)).required().list().filter().sort(),
        field("triage_owner_id", "Triaged by", FieldKind::Member).list().filter(),
        field("outcome", "Outcome", FieldKind::LongText).help("What was decided, and the incident or nonconformity it became."),
    ],
    links: &[LinkSpec { field: "system_ids", label: "AI systems concerned", other: "ai_systems" }],
};

pub const OBJECTIVE_STATUSES: &[(&str, &str)] = &[
    ("planned", "Planned"),
    ("active", "Active"),
    ("achieved", "Achieved"),
    ("dropped", "Dropped"),
];

/// AI objectives (6.2): what the AIMS sets out to achieve, measured by KPIs.
pub const AI_OBJECTIVES: RegisterSpec = RegisterSpec {
    table: "objectives",
    path: "objectives",
    prefix: "OBJ",
    singular: "objective",
    plural: "AI objectives",
    intro: "What the AIMS sets out to achieve (6.2), consistent with the AI policy, each with an owner, a due date and the KPIs that measure it.",
    fields: &[
        field("name", "Objective", FieldKind::Text { max: 300 }).required().list().sort(),
        field("description", "What achieving it means", FieldKind::LongText),
        field("status", "Status", FieldKind::Enum(OBJECTIVE_STATUSES)).required().list().filter().sort(),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("due_date", "Due", FieldKind::Date).list().sort(),
        field("resources", "Resources", FieldKind::LongText).help("People, budget and tools it needs (6.2 b)."),
    ],
    links: &[
        LinkSpec { field: "requirement_ids", label: "Policy clauses and requirements", other: "requirements" },
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
        LinkSpec { field: "risk_ids", label: "Risks", other: "risks" },
    ],
};

/// The KPIs of objectives, which are also the monitoring and measurement plan of 9.1.
pub const KPIS: RegisterSpec = RegisterSpec {
    table: "kpis",
    path: "kpis",
    prefix: "KPI",
    singular: "KPI",
    plural: "KPIs (monitoring and measurement)",
    intro: "What is measured, how, how often, by whom and who analyses it (9.1): each KPI measures an objective against a target and a warning threshold. Measurements are kept append-only.",
    fields: &[
        field("name", "Metric", FieldKind::Text { max: 200 }).required().list().sort(),
        field("objective_id", "Objective", FieldKind::Ref("objectives")).required().list().filter(),
        field("unit", "Unit", FieldKind::Text { max: 40 }).list(),
        field("direction", "Direction", FieldKind::Enum(crate::kpi::DIRECTIONS)).required(),
        field("target", "Target", FieldKind::Number).required().list().help("For a range: its low end."),
        field("target_max", "Range high end", FieldKind::Number),
        field("warning", "Warning threshold", FieldKind::Number).help("Where \"at risk\" begins; for a range, the margin around it."),
        field("frequency", "Measured", FieldKind::Enum(crate::kpi::FREQUENCIES)).required().list().filter(),
        field("method", "Method and data source", FieldKind::LongText),
        field("measured_by_id", "Measured by", FieldKind::Member).filter(),
        field("analysed_by_id", "Analysed by", FieldKind::Member).filter(),
    ],
    links: &[LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" }],
};

/// Every register, for routing and look-ups by table.
pub const REGISTERS: &[&RegisterSpec] = &[
    &AI_SYSTEMS,
    &AI_MODELS,
    &DATASETS,
    &SUPPLIERS,
    &RISKS,
    &CONTROLS,
    &EVIDENCE,
    &IMPACT_ASSESSMENTS,
    &TASKS,
    &DOCUMENTS,
    &CONTEXT_ISSUES,
    &INTERESTED_PARTIES,
    &PARTY_REQUIREMENTS,
    &COMMUNICATION_PLAN,
    &COMMUNICATIONS,
    &AIMS_ROLE_ASSIGNMENTS,
    &RACI_ENTRIES,
    &CONCERNS,
    &AI_OBJECTIVES,
    &KPIS,
    &CHANGES,
    &PEOPLE,
    &COMPETENCES,
    &COMPETENCE_RECORDS,
    &TRAININGS,
    &AI_LITERACY,
    &INCIDENTS,
    &PMM_PLANS,
    &PMM_CYCLES,
];

pub fn register_by_table(table: &str) -> Option<&'static RegisterSpec> {
    REGISTERS.iter().copied().find(|r| r.table == table)
}

pub const CHANGE_STATUSES: &[(&str, &str)] = &[
    ("proposed", "Proposed"),
    ("approved", "Approved"),
    ("implemented", "Implemented"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
];

/// Planned changes to the AIMS (6.3).
pub const CHANGES: RegisterSpec = RegisterSpec {
    table: "changes",
    path: "changes",
    prefix: "CHG",
    singular: "change",
    plural: "Planned changes",
    intro: "Changes to the AIMS carried out in a planned way (6.3): why, with what consequences, what they touch, who does it with which resources, and when. Approving a change flags the impact assessments and risks of the AI systems it touches for re-assessment, and the documents it touches for review.",
    fields: &[
        field("name", "Change", FieldKind::Text { max: 200 }).required().list().sort(),
        field("purpose", "Purpose", FieldKind::LongText),
        field("consequences", "Potential consequences", FieldKind::LongText),
        field("processes", "AIMS processes touched", FieldKind::Multi(AIMS_PROCESSES)),
        field("resources", "Resources", FieldKind::LongText),
        field("owner_id", "Responsible", FieldKind::Member).list().filter(),
        field("planned_date", "Planned for", FieldKind::Date).list().sort(),
        field("status", "Status", FieldKind::Enum(CHANGE_STATUSES)).required().list().filter().sort().help("A change becomes approved through its Approve step, which records who approved it."),
        field("approved_by", "Approved by", FieldKind::Member).computed(),
        field("approved_on", "Approved on", FieldKind::Date).list().sort().computed(),
        field("approved_at", "Approved at", FieldKind::Text { max: 40 }).computed(),
        field("outcome", "Outcome", FieldKind::LongText).help("What happened once it was carried out."),
    ],
    links: &[
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
        LinkSpec { field: "document_ids", label: "Documents", other: "documents" },
        LinkSpec { field: "control_ids", label: "Controls", other: "controls" },
    ],
};

/// People whose competence the AIMS relies on: members and staff without an account (7.2).
pub const PEOPLE: RegisterSpec = RegisterSpec {
    table: "people",
    path: "people",
    prefix: "PER",
    singular: "person",
    plural: "People",
    intro: "Everyone whose competence or AI literacy the AIMS relies on (7.2, EU AI Act Art. 4): members of aims and staff without an account. Their AIMS roles set the competences they need.",
    fields: &[
        field("name", "Name", FieldKind::Text { max: 200 }).required().list().sort(),
        field("email", "E-mail", FieldKind::Text { max: 200 }).list(),
        field("unit", "Unit", FieldKind::Text { max: 200 }).list().filter().sort(),
        field("job_title", "Job title", FieldKind::Text { max: 200 }),
        field("member_id", "Member account", FieldKind::Member).filter().help("Their aims account, if they have one: the AIMS roles they hold there count too."),
        field("aims_roles", "AIMS roles", FieldKind::Multi(AIMS_ROLES)).help("The roles whose competences they need, besides those held on the AIMS roles page."),
    ],
    links: &[],
};

/// The competences each AIMS role requires (7.2 a).
pub const COMPETENCES: RegisterSpec = RegisterSpec {
    table: "competences",
    path: "competences",
    prefix: "CMP",
    singular: "competence",
    plural: "Competences",
    intro: "What each AIMS role must know or be able to do (7.2 a). A person holding the role without a record in date for each of its competences has a gap.",
    fields: &[
        field("name", "Competence", FieldKind::Text { max: 200 }).required().list().sort(),
        field("aims_role", "Required for", FieldKind::Enum(AIMS_ROLES)).required().list().filter().sort(),
        field("description", "What it means", FieldKind::LongText),
    ],
    links: &[],
};

pub const COMPETENCE_KINDS: &[(&str, &str)] = &[
    ("training", "Training"),
    ("education", "Education"),
    ("experience", "Experience"),
    ("certification", "Certification"),
];

/// Evidence that a person has a competence (7.2 c, d).
pub const COMPETENCE_RECORDS: RegisterSpec = RegisterSpec {
    table: "competence_records",
    path: "competence-records",
    prefix: "CER",
    singular: "competence record",
    plural: "Competence records",
    intro: "Evidence that a person has a competence: training, education, experience or a certification, with its date, until when it holds, and its file.",
    fields: &[
        field("name", "What", FieldKind::Text { max: 200 }).required().list().sort(),
        field("person_id", "Person", FieldKind::Ref("people")).required().list().filter(),
        field("competence_id", "Competence", FieldKind::Ref("competences")).required().list().filter(),
        field("kind", "Kind", FieldKind::Enum(COMPETENCE_KINDS)).required().list().filter(),
        field("obtained_on", "Obtained on", FieldKind::Date).required().list().sort(),
        field("expires_on", "Valid until", FieldKind::Date).list().sort(),
        field("evidence_id", "Evidence file", FieldKind::Ref("evidence")).filter(),
        field("notes", "Notes", FieldKind::LongText),
    ],
    links: &[],
};

/// Trainings held, with attendees and their effectiveness (7.2 c, d).
pub const TRAININGS: RegisterSpec = RegisterSpec {
    table: "trainings",
    path: "trainings",
    prefix: "TRN",
    singular: "training",
    plural: "Trainings",
    intro: "Trainings held: course, provider, date, duration, attendees, the competences and AI systems it covers, until when it holds, and whether it worked (7.2 d). An attendee of a training in date that was not found ineffective has the competences it covers.",
    fields: &[
        field("name", "Course", FieldKind::Text { max: 200 }).required().list().sort(),
        field("provider", "Provider", FieldKind::Text { max: 200 }).list(),
        field("held_on", "Held on", FieldKind::Date).required().list().sort(),
        field("duration_hours", "Duration (hours)", FieldKind::Number),
        field("expires_on", "Valid until", FieldKind::Date).list().sort(),
        field("effectiveness", "Effectiveness", FieldKind::Enum(EFFECTIVENESS)).list().filter(),
        field("effectiveness_method", "How effectiveness was evaluated", FieldKind::LongText).help("For example a test, an observed task or a follow-up interview (7.2 d)."),
        field("evaluated_on", "Evaluated on", FieldKind::Date),
    ],
    links: &[
        LinkSpec { field: "attendee_ids", label: "Attendees", other: "people" },
        LinkSpec { field: "competence_ids", label: "Competences covered", other: "competences" },
        LinkSpec { field: "system_ids", label: "AI systems covered", other: "ai_systems" },
        LinkSpec { field: "evidence_ids", label: "Evidence", other: "evidence" },
    ],
};

pub const LITERACY_RELATIONS: &[(&str, &str)] = &[
    ("operates", "Operates or uses the system"),
    ("oversees", "Oversees its outputs"),
    ("affected", "Affected by it in their work"),
];

pub const LITERACY_STATUSES: &[(&str, &str)] = &[
    ("recorded", "Literacy recorded"),
    ("planned", "Measure planned"),
    ("missing", "Not recorded"),
];

/// AI literacy per person and AI system (EU AI Act Art. 4).
pub const AI_LITERACY: RegisterSpec = RegisterSpec {
    table: "ai_literacy",
    path: "ai-literacy",
    prefix: "LIT",
    singular: "AI literacy record",
    plural: "AI literacy",
    intro: "Who operates, oversees or is affected in their work by which AI system, and whether their AI literacy for it is recorded (EU AI Act Art. 4 asks for measures ensuring sufficient literacy; internal records suffice).",
    fields: &[
        field("name", "Measure", FieldKind::Text { max: 200 }).required().list().sort().help("How literacy was or will be ensured, e.g. the vendor's operator course and a supervised first week."),
        field("person_id", "Person", FieldKind::Ref("people")).required().list().filter(),
        field("system_id", "AI system", FieldKind::Ref("ai_systems")).required().list().filter(),
        field("relation", "Relation to the system", FieldKind::Enum(LITERACY_RELATIONS)).required().list().filter(),
        field("status", "Literacy", FieldKind::Enum(LITERACY_STATUSES)).required().list().filter().sort(),
        field("recorded_on", "Recorded on", FieldKind::Date).list().sort(),
        field("training_id", "Training", FieldKind::Ref("trainings")).filter(),
        field("evidence_id", "Evidence file", FieldKind::Ref("evidence")).filter(),
    ],
    links: &[],
};

pub const INCIDENT_STATUSES: &[(&str, &str)] = &[
    ("open", "Open"),
    ("investigating", "Investigating"),
    ("contained", "Contained"),
    ("closed", "Closed"),
];

pub const HARM_CATEGORIES: &[(&str, &str)] = &[
    ("health_safety", "Health and safety"),
    ("fundamental_rights", "Fundamental rights"),
    ("discrimination", "Discrimination or unfair treatment"),
    ("privacy", "Privacy and personal data"),
    ("critical_infrastructure", "Critical infrastructure"),
    ("property", "Property"),
    ("environment", "Environment"),
    ("financial", "Financial"),
    ("reputation", "Reputation"),
    ("other", "Other"),
];

/// AI incidents (A.8.4), with the EU AI Act's serious-incident test and deadlines.
pub const INCIDENTS: RegisterSpec = RegisterSpec {
    table: "incidents",
    path: "incidents",
    prefix: "INC",
    singular: "incident",
    plural: "Incidents",
    intro: "Incidents of AI systems (A.8.4): what happened, to whom, an append-only timeline, the serious-incident test of the EU AI Act (Art. 3(49)) and, when it applies, the reporting deadline counted from when you became aware (Art. 73).",
    fields: &[
        field("name", "Incident", FieldKind::Text { max: 200 }).required().list().sort(),
        field("description", "What happened", FieldKind::LongText),
        field("severity", "Severity", FieldKind::Enum(RISK_RATINGS)).required().list().filter().sort(),
        field("status", "Status", FieldKind::Enum(INCIDENT_STATUSES)).required().list().filter().sort(),
        field("owner_id", "Handled by", FieldKind::Member).list().filter(),
        field("affected", "Affected persons or groups", FieldKind::LongText),
        field("harm_categories", "Harm", FieldKind::Multi(HARM_CATEGORIES)),
        field("root_cause", "Root cause", FieldKind::LongText),
        field("corrective_action", "Corrective action", FieldKind::LongText),
        field("lessons_learned", "Lessons learned", FieldKind::LongText),
        field("concern_id", "From concern", FieldKind::Ref("concerns")).filter(),
        field("nonconformity_task_id", "Nonconformity raised", FieldKind::Ref("tasks")).computed(),
        field("harm_death", "A person died", FieldKind::Bool).computed(),
        field("harm_health", "Serious harm to a person's health", FieldKind::Bool).computed(),
        field("harm_infrastructure", "Serious and irreversible disruption of critical infrastructure", FieldKind::Bool).computed(),
        field("harm_rights", "Infringement of Union-law obligations protecting fundamental rights", FieldKind::Bool).computed(),
        field("harm_property", "Serious harm to property or the environment", FieldKind::Bool).computed(),
        field("widespread", "Widespread infringement (Art. 3(61))", FieldKind::Bool).computed(),
        field("reporting_role", "Our reporting role", FieldKind::Enum(crate::incident::REPORTING_ROLES)).computed(),
        field("sector_regime", "Sector reporting", FieldKind::Enum(crate::incident::SECTOR_REGIMES)).computed(),
        field("serious", "Serious (Art. 3(49))", FieldKind::Bool).list().filter().computed(),
        field("assessed_by", "Test answered by", FieldKind::Member).computed(),
        field("assessed_on", "Test answered on", FieldKind::Date).computed(),
        field("became_aware_at", "Became aware", FieldKind::Text { max: 40 }).computed(),
        field("report_due_at", "Report due", FieldKind::Text { max: 40 }).list().sort().computed(),
        field("deadline_days", "Deadline (days)", FieldKind::Int { min: 0, max: 100 }).computed(),
        field("reported_at", "Reported", FieldKind::Text { max: 40 }).computed(),
        field("complete_report_at", "Complete report", FieldKind::Text { max: 40 }).computed(),
        field("closed_at", "Closed", FieldKind::Text { max: 40 }).computed(),
        field("hold", "Hold (Art. 73(6))", FieldKind::Bool).list().filter().computed(),
    ],
    links: &[
        LinkSpec { field: "system_ids", label: "AI systems", other: "ai_systems" },
        LinkSpec { field: "model_ids", label: "Models", other: "ai_models" },
        LinkSpec { field: "dataset_ids", label: "Datasets", other: "datasets" },
        LinkSpec { field: "supplier_ids", label: "Suppliers", other: "suppliers" },
    ],
};

pub const PMM_STATUSES: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("active", "Active"),
    ("retired", "Retired"),
];

/// Post-market monitoring plans of high-risk systems we provide (EU AI Act Art. 72).
pub const PMM_PLANS: RegisterSpec = RegisterSpec {
    table: "pmm_plans",
    path: "pmm-plans",
    prefix: "PMP",
    singular: "post-market monitoring plan",
    plural: "Post-market monitoring",
    intro: "For each high-risk AI system the organization provides, the post-market monitoring plan of EU AI Act Art. 72: what is collected, from whom, how and how often. Its cycles record each round and the incidents it found.",
    fields: &[
        field("name", "Plan", FieldKind::Text { max: 200 }).required().list().sort(),
        field("system_id", "AI system", FieldKind::Ref("ai_systems")).required().list().filter(),
        field("data_collected", "What is collected", FieldKind::LongText),
        field("sources", "From whom", FieldKind::LongText).help("Deployers, users, logs, complaints, other sources."),
        field("method", "How it is analysed", FieldKind::LongText),
        field("frequency", "Cycle", FieldKind::Enum(crate::kpi::FREQUENCIES)).required().list().filter(),
        field("owner_id", "Owner", FieldKind::Member).list().filter(),
        field("status", "Status", FieldKind::Enum(PMM_STATUSES)).required().list().filter().sort(),
    ],
    links: &[],
};

pub const PMM_RESULTS: &[(&str, &str)] = &[
    ("pending", "Pending"),
    ("no_findings", "Nothing found"),
    ("findings", "Findings"),
];

/// One round of post-market monitoring.
pub const PMM_CYCLES: RegisterSpec = RegisterSpec {
    table: "pmm_cycles",
    path: "pmm-cycles",
    prefix: "PMC",
    singular: "monitoring cycle",
    plural: "Monitoring cycles",
    intro: "Each round of a post-market monitoring plan: when it is due, when it was done, what it found and the incidents it links to.",
    fields: &[
        field("name", "Cycle", FieldKind::Text { max: 200 }).required().list().sort(),
        field("plan_id", "Plan", FieldKind::Ref("pmm_plans")).required().list().filter(),
        field("due_on", "Due", FieldKind::Date).required().list().sort(),
        field("completed_on", "Completed on", FieldKind::Date).list().sort(),
        field("result", "Result", FieldKind::Enum(PMM_RESULTS)).required().list().filter(),
        field("findings", "What was found", FieldKind::LongText),
    ],
    links: &[LinkSpec { field: "incident_ids", label: "Incidents", other: "incidents" }],
};
