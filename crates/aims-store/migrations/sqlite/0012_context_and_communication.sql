-- Context (4.1, 4.2) and communication (7.4): registers with the same shape as the others.
CREATE TABLE context_issues (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    category TEXT,
    description TEXT,
    effect TEXT,
    applicable_law TEXT,
    climate_relevant BOOLEAN NOT NULL DEFAULT FALSE,
    owner_id INTEGER REFERENCES users(id),
    next_review TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX context_issues_name ON context_issues(org_id, name, id);
CREATE INDEX context_issues_origin ON context_issues(org_id, origin, id);
CREATE INDEX context_issues_category ON context_issues(org_id, category, id);
CREATE INDEX context_issues_effect ON context_issues(org_id, effect, id);
CREATE INDEX context_issues_owner_id ON context_issues(org_id, owner_id, id);
CREATE INDEX context_issues_next_review ON context_issues(org_id, next_review, id);
CREATE TABLE interested_parties (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    description TEXT,
    contact TEXT,
    owner_id INTEGER REFERENCES users(id),
    next_review TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX interested_parties_name ON interested_parties(org_id, name, id);
CREATE INDEX interested_parties_kind ON interested_parties(org_id, kind, id);
CREATE INDEX interested_parties_owner_id ON interested_parties(org_id, owner_id, id);
CREATE INDEX interested_parties_next_review ON interested_parties(org_id, next_review, id);
CREATE TABLE party_requirements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    party_id INTEGER REFERENCES interested_parties(id),
    addressed TEXT NOT NULL DEFAULT '',
    how TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX party_requirements_name ON party_requirements(org_id, name, id);
CREATE INDEX party_requirements_party_id ON party_requirements(org_id, party_id, id);
CREATE INDEX party_requirements_addressed ON party_requirements(org_id, addressed, id);
CREATE TABLE communication_plan (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    audience TEXT,
    timing TEXT,
    channel TEXT,
    owner_id INTEGER REFERENCES users(id),
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX communication_plan_name ON communication_plan(org_id, name, id);
CREATE INDEX communication_plan_owner_id ON communication_plan(org_id, owner_id, id);
CREATE TABLE communications (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    sent_on TEXT NOT NULL DEFAULT '',
    audience TEXT,
    channel TEXT,
    plan_id INTEGER REFERENCES communication_plan(id),
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX communications_name ON communications(org_id, name, id);
CREATE INDEX communications_sent_on ON communications(org_id, sent_on, id);
CREATE INDEX communications_plan_id ON communications(org_id, plan_id, id);
