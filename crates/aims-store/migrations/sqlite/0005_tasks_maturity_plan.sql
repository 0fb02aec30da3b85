-- Tasks (a register), maturity self-assessments, and the organization's certification plan.
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    description TEXT,
    owner_id INTEGER REFERENCES users(id),
    due_date TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    source TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX tasks_name ON tasks(org_id, name, id);
CREATE INDEX tasks_owner_id ON tasks(org_id, owner_id, id);
CREATE INDEX tasks_due_date ON tasks(org_id, due_date, id);
CREATE INDEX tasks_status ON tasks(org_id, status, id);

CREATE TABLE maturity_assessments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    assessed_on TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answers_json TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE TABLE org_plan (
    org_id INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    plan_json TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
