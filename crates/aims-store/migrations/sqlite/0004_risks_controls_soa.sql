-- Risks, controls (now a register), evidence, impact assessments, risk criteria, the SoA and organization settings.
-- Register columns mirror aims-domain/src/register.rs.

ALTER TABLE controls ADD COLUMN description TEXT;
ALTER TABLE controls ADD COLUMN owner_id INTEGER REFERENCES users(id);
ALTER TABLE controls ADD COLUMN effectiveness_method TEXT;
ALTER TABLE controls ADD COLUMN last_result TEXT;
ALTER TABLE controls ADD COLUMN last_checked TEXT;
CREATE INDEX controls_name ON controls(org_id, name, id);
CREATE INDEX controls_owner_id ON controls(org_id, owner_id, id);
CREATE INDEX controls_last_result ON controls(org_id, last_result, id);
-- Control-to-requirement links join the other record links.
INSERT INTO record_links (org_id, a_table, a_id, b_table, b_id) SELECT c.org_id, 'controls', cr.control_id, 'requirements', cr.requirement_id FROM control_requirements cr JOIN controls c ON c.id = cr.control_id;
DROP TABLE control_requirements;

CREATE TABLE risks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    risk_source TEXT,
    objectives TEXT,
    owner_id INTEGER REFERENCES users(id),
    inherent_likelihood INTEGER,
    inherent_impact INTEGER,
    treatment TEXT,
    residual_likelihood INTEGER,
    residual_impact INTEGER,
    status TEXT NOT NULL DEFAULT '',
    next_review TEXT NOT NULL DEFAULT '',
    inherent_score INTEGER,
    residual_score INTEGER,
    accepted_by INTEGER REFERENCES users(id),
    accepted_on TEXT,
    acceptance_reason TEXT,
    top_management_acceptance BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX risks_name ON risks(org_id, name, id);
CREATE INDEX risks_risk_source ON risks(org_id, risk_source, id);
CREATE INDEX risks_owner_id ON risks(org_id, owner_id, id);
CREATE INDEX risks_inherent_likelihood ON risks(org_id, inherent_likelihood, id);
CREATE INDEX risks_inherent_impact ON risks(org_id, inherent_impact, id);
CREATE INDEX risks_treatment ON risks(org_id, treatment, id);
CREATE INDEX risks_residual_likelihood ON risks(org_id, residual_likelihood, id);
CREATE INDEX risks_residual_impact ON risks(org_id, residual_impact, id);
CREATE INDEX risks_status ON risks(org_id, status, id);
CREATE INDEX risks_next_review ON risks(org_id, next_review, id);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    kind TEXT,
    url TEXT,
    collected_on TEXT,
    valid_until TEXT NOT NULL DEFAULT '',
    file_name TEXT,
    file_sha256 TEXT,
    file_size INTEGER,
    media_type TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX evidence_name ON evidence(org_id, name, id);
CREATE INDEX evidence_kind ON evidence(org_id, kind, id);
CREATE INDEX evidence_valid_until ON evidence(org_id, valid_until, id);

CREATE TABLE impact_assessments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    system_id INTEGER REFERENCES ai_systems(id),
    summary TEXT,
    review_interval_months INTEGER,
    assessment_version INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'draft',
    author_id INTEGER REFERENCES users(id),
    approver_id INTEGER REFERENCES users(id),
    approved_on TEXT,
    stage_at_approval TEXT,
    entries_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX impact_assessments_name ON impact_assessments(org_id, name, id);
CREATE INDEX impact_assessments_system_id ON impact_assessments(org_id, system_id, id);
CREATE INDEX impact_assessments_status ON impact_assessments(org_id, status, id);

CREATE INDEX risks_inherent_cell ON risks(org_id, inherent_likelihood, inherent_impact);
CREATE INDEX risks_residual_cell ON risks(org_id, residual_likelihood, residual_impact);

CREATE TABLE risk_criteria (
    org_id INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    criteria_json TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE org_settings (
    org_id INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    lifecycle_gates BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE soa_entries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    requirement_id INTEGER NOT NULL REFERENCES requirements(id),
    applicable BOOLEAN,
    justification TEXT,
    status TEXT NOT NULL DEFAULT 'not_started',
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, requirement_id)
);

CREATE TABLE soa_versions (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    approved_by INTEGER REFERENCES users(id),
    approved_at TEXT NOT NULL,
    note TEXT,
    snapshot_json TEXT NOT NULL,
    UNIQUE (org_id, number)
);
