-- The AI system inventory: systems, models, datasets, suppliers, and links between records.
-- Columns mirror the register specs in aims-domain/src/register.rs. Sortable columns are NOT NULL
-- with '' for empty, so that (org_id, column, id) indexes serve keyset pagination.

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    services TEXT,
    contract_ref TEXT,
    due_diligence_status TEXT NOT NULL DEFAULT '',
    due_diligence_date TEXT,
    review_cadence_months INTEGER,
    risk_rating TEXT NOT NULL DEFAULT '',
    next_review TEXT NOT NULL DEFAULT '',
    website TEXT,
    external_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX suppliers_name ON suppliers(org_id, name, id);
CREATE INDEX suppliers_due_diligence_status ON suppliers(org_id, due_diligence_status, id);
CREATE INDEX suppliers_risk_rating ON suppliers(org_id, risk_rating, id);
CREATE INDEX suppliers_next_review ON suppliers(org_id, next_review, id);
CREATE INDEX suppliers_external_ref ON suppliers(org_id, external_ref, id);

CREATE TABLE ai_systems (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    purpose TEXT,
    intended_use TEXT,
    foreseeable_misuse TEXT,
    owner_id INTEGER REFERENCES users(id),
    business_unit TEXT NOT NULL DEFAULT '',
    roles TEXT,
    lifecycle_stage TEXT NOT NULL DEFAULT '',
    automation_level TEXT,
    human_oversight TEXT,
    affected_groups TEXT,
    personal_data BOOLEAN NOT NULL DEFAULT FALSE,
    special_category_data BOOLEAN NOT NULL DEFAULT FALSE,
    deployment_context TEXT,
    in_scope BOOLEAN NOT NULL DEFAULT FALSE,
    scope_reason TEXT,
    next_review TEXT NOT NULL DEFAULT '',
    risk_tier TEXT NOT NULL DEFAULT '',
    classification_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX ai_systems_name ON ai_systems(org_id, name, id);
CREATE INDEX ai_systems_owner_id ON ai_systems(org_id, owner_id, id);
CREATE INDEX ai_systems_business_unit ON ai_systems(org_id, business_unit, id);
CREATE INDEX ai_systems_lifecycle_stage ON ai_systems(org_id, lifecycle_stage, id);
CREATE INDEX ai_systems_personal_data ON ai_systems(org_id, personal_data, id);
CREATE INDEX ai_systems_special_category_data ON ai_systems(org_id, special_category_data, id);
CREATE INDEX ai_systems_in_scope ON ai_systems(org_id, in_scope, id);
CREATE INDEX ai_systems_next_review ON ai_systems(org_id, next_review, id);
CREATE INDEX ai_systems_risk_tier ON ai_systems(org_id, risk_tier, id);

CREATE TABLE ai_models (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    model_version TEXT,
    task TEXT,
    source TEXT NOT NULL DEFAULT '',
    supplier_id INTEGER REFERENCES suppliers(id),
    licence TEXT,
    description TEXT,
    external_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX ai_models_name ON ai_models(org_id, name, id);
CREATE INDEX ai_models_source ON ai_models(org_id, source, id);
CREATE INDEX ai_models_supplier_id ON ai_models(org_id, supplier_id, id);
CREATE INDEX ai_models_external_ref ON ai_models(org_id, external_ref, id);

CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    source TEXT,
    provenance TEXT,
    acquisition_method TEXT,
    personal_data BOOLEAN NOT NULL DEFAULT FALSE,
    special_category_data BOOLEAN NOT NULL DEFAULT FALSE,
    quality_checks TEXT,
    known_biases TEXT,
    retention TEXT,
    supplier_id INTEGER REFERENCES suppliers(id),
    description TEXT,
    external_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX datasets_name ON datasets(org_id, name, id);
CREATE INDEX datasets_purpose ON datasets(org_id, purpose, id);
CREATE INDEX datasets_acquisition_method ON datasets(org_id, acquisition_method, id);
CREATE INDEX datasets_personal_data ON datasets(org_id, personal_data, id);
CREATE INDEX datasets_special_category_data ON datasets(org_id, special_category_data, id);
CREATE INDEX datasets_supplier_id ON datasets(org_id, supplier_id, id);
CREATE INDEX datasets_external_ref ON datasets(org_id, external_ref, id);

CREATE TABLE record_links (
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    a_table TEXT NOT NULL,
    a_id INTEGER NOT NULL,
    b_table TEXT NOT NULL,
    b_id INTEGER NOT NULL,
    PRIMARY KEY (a_table, a_id, b_table, b_id)
);
CREATE INDEX record_links_b ON record_links(b_table, b_id, a_table, a_id);
