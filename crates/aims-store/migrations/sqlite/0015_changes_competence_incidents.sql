-- Planning of changes (6.3), competence and AI literacy (7.2, Art. 4), incidents (A.8.4,
-- Art. 73) with their append-only timeline, and post-market monitoring (Art. 72).
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    purpose TEXT,
    consequences TEXT,
    processes TEXT,
    resources TEXT,
    owner_id INTEGER REFERENCES users(id),
    planned_date TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    approved_by INTEGER REFERENCES users(id),
    approved_on TEXT NOT NULL DEFAULT '',
    approved_at TEXT,
    outcome TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX changes_org_id_id ON changes(org_id, id);
CREATE INDEX changes_name ON changes(org_id, name, id);
CREATE INDEX changes_owner_id ON changes(org_id, owner_id, id);
CREATE INDEX changes_planned_date ON changes(org_id, planned_date, id);
CREATE INDEX changes_status ON changes(org_id, status, id);
CREATE INDEX changes_approved_on ON changes(org_id, approved_on, id);
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT,
    unit TEXT NOT NULL DEFAULT '',
    job_title TEXT,
    member_id INTEGER REFERENCES users(id),
    aims_roles TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX people_org_id_id ON people(org_id, id);
CREATE INDEX people_name ON people(org_id, name, id);
CREATE INDEX people_unit ON people(org_id, unit, id);
CREATE INDEX people_member_id ON people(org_id, member_id, id);
CREATE TABLE competences (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    aims_role TEXT NOT NULL DEFAULT '',
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX competences_org_id_id ON competences(org_id, id);
CREATE INDEX competences_name ON competences(org_id, name, id);
CREATE INDEX competences_aims_role ON competences(org_id, aims_role, id);
CREATE TABLE competence_records (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    person_id INTEGER REFERENCES people(id),
    competence_id INTEGER REFERENCES competences(id),
    kind TEXT,
    obtained_on TEXT NOT NULL DEFAULT '',
    expires_on TEXT NOT NULL DEFAULT '',
    evidence_id INTEGER REFERENCES evidence(id),
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX competence_records_org_id_id ON competence_records(org_id, id);
CREATE INDEX competence_records_name ON competence_records(org_id, name, id);
CREATE INDEX competence_records_person_id ON competence_records(org_id, person_id, id);
CREATE INDEX competence_records_competence_id ON competence_records(org_id, competence_id, id);
CREATE INDEX competence_records_kind ON competence_records(org_id, kind, id);
CREATE INDEX competence_records_obtained_on ON competence_records(org_id, obtained_on, id);
CREATE INDEX competence_records_expires_on ON competence_records(org_id, expires_on, id);
CREATE INDEX competence_records_evidence_id ON competence_records(org_id, evidence_id, id);
CREATE TABLE trainings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    provider TEXT,
    held_on TEXT NOT NULL DEFAULT '',
    duration_hours TEXT,
    expires_on TEXT NOT NULL DEFAULT '',
    effectiveness TEXT,
    effectiveness_method TEXT,
    evaluated_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX trainings_org_id_id ON trainings(org_id, id);
CREATE INDEX trainings_name ON trainings(org_id, name, id);
CREATE INDEX trainings_held_on ON trainings(org_id, held_on, id);
CREATE INDEX trainings_expires_on ON trainings(org_id, expires_on, id);
CREATE INDEX trainings_effectiveness ON trainings(org_id, effectiveness, id);
CREATE TABLE ai_literacy (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    person_id INTEGER REFERENCES people(id),
    system_id INTEGER REFERENCES ai_systems(id),
    relation TEXT,
    status TEXT NOT NULL DEFAULT '',
    recorded_on TEXT NOT NULL DEFAULT '',
    training_id INTEGER REFERENCES trainings(id),
    evidence_id INTEGER REFERENCES evidence(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX ai_literacy_org_id_id ON ai_literacy(org_id, id);
CREATE INDEX ai_literacy_name ON ai_literacy(org_id, name, id);
CREATE INDEX ai_literacy_person_id ON ai_literacy(org_id, person_id, id);
CREATE INDEX ai_literacy_system_id ON ai_literacy(org_id, system_id, id);
CREATE INDEX ai_literacy_relation ON ai_literacy(org_id, relation, id);
CREATE INDEX ai_literacy_status ON ai_literacy(org_id, status, id);
CREATE INDEX ai_literacy_recorded_on ON ai_literacy(org_id, recorded_on, id);
CREATE INDEX ai_literacy_training_id ON ai_literacy(org_id, training_id, id);
CREATE INDEX ai_literacy_evidence_id ON ai_literacy(org_id, evidence_id, id);
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    severity TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    owner_id INTEGER REFERENCES users(id),
    affected TEXT,
    harm_categories TEXT,
    root_cause TEXT,
    corrective_action TEXT,
    lessons_learned TEXT,
    concern_id INTEGER REFERENCES concerns(id),
    nonconformity_task_id INTEGER REFERENCES tasks(id),
    harm_death BOOLEAN NOT NULL DEFAULT FALSE,
    harm_health BOOLEAN NOT NULL DEFAULT FALSE,
    harm_infrastructure BOOLEAN NOT NULL DEFAULT FALSE,
    harm_rights BOOLEAN NOT NULL DEFAULT FALSE,
    harm_property BOOLEAN NOT NULL DEFAULT FALSE,
    widespread BOOLEAN NOT NULL DEFAULT FALSE,
    reporting_role TEXT,
    sector_regime TEXT,
    serious BOOLEAN NOT NULL DEFAULT FALSE,
    assessed_by INTEGER REFERENCES users(id),
    assessed_on TEXT,
    became_aware_at TEXT,
    report_due_at TEXT NOT NULL DEFAULT '',
    deadline_days INTEGER,
    reported_at TEXT,
    complete_report_at TEXT,
    closed_at TEXT,
    hold BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX incidents_org_id_id ON incidents(org_id, id);
CREATE INDEX incidents_name ON incidents(org_id, name, id);
CREATE INDEX incidents_severity ON incidents(org_id, severity, id);
CREATE INDEX incidents_status ON incidents(org_id, status, id);
CREATE INDEX incidents_owner_id ON incidents(org_id, owner_id, id);
CREATE INDEX incidents_concern_id ON incidents(org_id, concern_id, id);
CREATE INDEX incidents_serious ON incidents(org_id, serious, id);
CREATE INDEX incidents_report_due_at ON incidents(org_id, report_due_at, id);
CREATE INDEX incidents_hold ON incidents(org_id, hold, id);
CREATE TABLE pmm_plans (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    system_id INTEGER REFERENCES ai_systems(id),
    data_collected TEXT,
    sources TEXT,
    method TEXT,
    frequency TEXT,
    owner_id INTEGER REFERENCES users(id),
    status TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX pmm_plans_org_id_id ON pmm_plans(org_id, id);
CREATE INDEX pmm_plans_name ON pmm_plans(org_id, name, id);
CREATE INDEX pmm_plans_system_id ON pmm_plans(org_id, system_id, id);
CREATE INDEX pmm_plans_frequency ON pmm_plans(org_id, frequency, id);
CREATE INDEX pmm_plans_owner_id ON pmm_plans(org_id, owner_id, id);
CREATE INDEX pmm_plans_status ON pmm_plans(org_id, status, id);
CREATE TABLE pmm_cycles (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    plan_id INTEGER REFERENCES pmm_plans(id),
    due_on TEXT NOT NULL DEFAULT '',
    completed_on TEXT NOT NULL DEFAULT '',
    result TEXT,
    findings TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX pmm_cycles_org_id_id ON pmm_cycles(org_id, id);
CREATE INDEX pmm_cycles_name ON pmm_cycles(org_id, name, id);
CREATE INDEX pmm_cycles_plan_id ON pmm_cycles(org_id, plan_id, id);
CREATE INDEX pmm_cycles_due_on ON pmm_cycles(org_id, due_on, id);
CREATE INDEX pmm_cycles_completed_on ON pmm_cycles(org_id, completed_on, id);
CREATE INDEX pmm_cycles_result ON pmm_cycles(org_id, result, id);
-- An incident's timeline is append-only: a correction is a newer entry of the same kind.
CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    authority TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    entered_at TEXT NOT NULL,
    entered_by INTEGER REFERENCES users(id)
);
CREATE INDEX incident_events_incident ON incident_events(org_id, incident_id, id);
-- The open reporting deadlines of the dashboard.
CREATE INDEX incidents_open_due ON incidents(org_id, reported_at, report_due_at, id);
