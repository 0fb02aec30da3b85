-- AI objectives (6.2) and their KPIs (9.1), with append-only measurements.
CREATE TABLE objectives (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    status TEXT NOT NULL DEFAULT '',
    owner_id INTEGER REFERENCES users(id),
    due_date TEXT NOT NULL DEFAULT '',
    resources TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX objectives_name ON objectives(org_id, name, id);
CREATE INDEX objectives_status ON objectives(org_id, status, id);
CREATE INDEX objectives_owner_id ON objectives(org_id, owner_id, id);
CREATE INDEX objectives_due_date ON objectives(org_id, due_date, id);
CREATE TABLE kpis (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    objective_id INTEGER REFERENCES objectives(id),
    unit TEXT,
    direction TEXT,
    target TEXT,
    target_max TEXT,
    warning TEXT,
    frequency TEXT,
    method TEXT,
    measured_by_id INTEGER REFERENCES users(id),
    analysed_by_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX kpis_name ON kpis(org_id, name, id);
CREATE INDEX kpis_objective_id ON kpis(org_id, objective_id, id);
CREATE INDEX kpis_frequency ON kpis(org_id, frequency, id);
CREATE INDEX kpis_measured_by_id ON kpis(org_id, measured_by_id, id);
CREATE INDEX kpis_analysed_by_id ON kpis(org_id, analysed_by_id, id);
-- Measurements are never changed or deleted: a correction is a new measurement with a note.
CREATE TABLE kpi_measurements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kpi_id INTEGER NOT NULL REFERENCES kpis(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    evidence_id INTEGER REFERENCES evidence(id),
    entered_at TEXT NOT NULL,
    entered_by INTEGER REFERENCES users(id)
);
CREATE INDEX kpi_measurements_kpi ON kpi_measurements(org_id, kpi_id, period_end, id);
-- Keyset pages in the default order (newest first) read an index instead of sorting the
-- organization's rows (as 0006 did for the first registers; the benchmark found documents sorting).
CREATE INDEX documents_org_id_id ON documents(org_id, id);
CREATE INDEX context_issues_org_id_id ON context_issues(org_id, id);
CREATE INDEX interested_parties_org_id_id ON interested_parties(org_id, id);
CREATE INDEX party_requirements_org_id_id ON party_requirements(org_id, id);
CREATE INDEX communication_plan_org_id_id ON communication_plan(org_id, id);
CREATE INDEX communications_org_id_id ON communications(org_id, id);
CREATE INDEX aims_role_assignments_org_id_id ON aims_role_assignments(org_id, id);
CREATE INDEX raci_entries_org_id_id ON raci_entries(org_id, id);
CREATE INDEX concerns_org_id_id ON concerns(org_id, id);
CREATE INDEX objectives_org_id_id ON objectives(org_id, id);
CREATE INDEX kpis_org_id_id ON kpis(org_id, id);
