-- The framework catalog (built-in rows have org_id NULL; imported ones belong to an organization)
-- and the minimal controls register that coverage is computed from.
CREATE TABLE frameworks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    publisher TEXT,
    description TEXT,
    url TEXT,
    provenance TEXT,
    urn TEXT,
    builtin BOOLEAN NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX frameworks_scope_key ON frameworks ((COALESCE(org_id, 0)), key);
CREATE INDEX frameworks_urn ON frameworks(urn);

CREATE TABLE requirements (
    id INTEGER PRIMARY KEY,
    framework_id INTEGER NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES requirements(id),
    assessable BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    description TEXT,
    evidence_json TEXT NOT NULL,
    questions_json TEXT NOT NULL,
    documents_json TEXT NOT NULL,
    urn TEXT,
    withdrawn BOOLEAN NOT NULL,
    search_text TEXT NOT NULL,
    UNIQUE (framework_id, ref)
);
CREATE INDEX requirements_framework_position ON requirements(framework_id, position);
CREATE INDEX requirements_urn ON requirements(urn);

CREATE TABLE mapping_sets (
    id INTEGER PRIMARY KEY,
    org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    source_framework_id INTEGER NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
    target_framework_id INTEGER NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
    description TEXT,
    builtin BOOLEAN NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX mapping_sets_scope_key ON mapping_sets ((COALESCE(org_id, 0)), key);

CREATE TABLE requirement_mappings (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES mapping_sets(id) ON DELETE CASCADE,
    from_id INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
    to_id INTEGER NOT NULL REFERENCES requirements(id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    source TEXT,
    note TEXT
);
CREATE INDEX requirement_mappings_from ON requirement_mappings(from_id);
CREATE INDEX requirement_mappings_to ON requirement_mappings(to_id);
CREATE INDEX requirement_mappings_set ON requirement_mappings(set_id);

CREATE TABLE controls (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX controls_org_status ON controls(org_id, status, id);

CREATE TABLE control_requirements (
    control_id INTEGER NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
    requirement_id INTEGER NOT NULL REFERENCES requirements(id),
    PRIMARY KEY (control_id, requirement_id)
);
CREATE INDEX control_requirements_requirement ON control_requirements(requirement_id);
