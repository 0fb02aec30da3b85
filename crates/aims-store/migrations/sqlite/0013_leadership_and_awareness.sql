-- Leadership and awareness (5.1, 5.3, 7.3, A.3): AIMS roles, the RACI matrix, concerns, a
-- document's audience by AIMS role, read acknowledgements per version, top management's approval,
-- and the organization's public concern-reporting link.
ALTER TABLE documents ADD COLUMN audience_roles TEXT;
ALTER TABLE documents ADD COLUMN audience_people TEXT;
ALTER TABLE document_versions ADD COLUMN approved_as TEXT;
CREATE TABLE document_acknowledgements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES document_versions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    audience TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    acknowledged_at TEXT,
    UNIQUE (version_id, user_id)
);
CREATE INDEX document_acknowledgements_user ON document_acknowledgements(org_id, user_id, acknowledged_at);
CREATE INDEX document_acknowledgements_document ON document_acknowledgements(org_id, document_id, version_id);
CREATE TABLE aims_role_assignments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    aims_role TEXT NOT NULL DEFAULT '',
    member_id INTEGER REFERENCES users(id),
    responsibilities TEXT,
    authority TEXT,
    since TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX aims_role_assignments_name ON aims_role_assignments(org_id, name, id);
CREATE INDEX aims_role_assignments_aims_role ON aims_role_assignments(org_id, aims_role, id);
CREATE INDEX aims_role_assignments_member_id ON aims_role_assignments(org_id, member_id, id);
CREATE INDEX aims_role_assignments_since ON aims_role_assignments(org_id, since, id);
CREATE TABLE raci_entries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    process TEXT NOT NULL DEFAULT '',
    aims_role TEXT NOT NULL DEFAULT '',
    involvement TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX raci_entries_name ON raci_entries(org_id, name, id);
CREATE INDEX raci_entries_process ON raci_entries(org_id, process, id);
CREATE INDEX raci_entries_aims_role ON raci_entries(org_id, aims_role, id);
CREATE INDEX raci_entries_involvement ON raci_entries(org_id, involvement, id);
CREATE TABLE concerns (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    details TEXT,
    received_on TEXT NOT NULL DEFAULT '',
    channel TEXT,
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    reporter_contact TEXT,
    status TEXT NOT NULL DEFAULT '',
    triage_owner_id INTEGER REFERENCES users(id),
    outcome TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX concerns_name ON concerns(org_id, name, id);
CREATE INDEX concerns_received_on ON concerns(org_id, received_on, id);
CREATE INDEX concerns_channel ON concerns(org_id, channel, id);
CREATE INDEX concerns_anonymous ON concerns(org_id, anonymous, id);
CREATE INDEX concerns_status ON concerns(org_id, status, id);
CREATE INDEX concerns_triage_owner_id ON concerns(org_id, triage_owner_id, id);
-- One link per organization; a new token replaces the old one, so a leaked link can be cut off.
CREATE TABLE concern_links (
    org_id INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
-- What the public form has received lately, for its rate limits (the source is a keyed hash, never the address).
CREATE TABLE concern_intake (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    source_hash TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX concern_intake_org ON concern_intake(org_id, received_at);
CREATE INDEX concern_intake_source ON concern_intake(org_id, source_hash, received_at);
-- Files attached to a document version, stored like evidence (by SHA-256); added and removed
-- only while the version is a draft, so a published version's attachments are frozen with it.
CREATE TABLE document_attachments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES document_versions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX document_attachments_version ON document_attachments(org_id, document_id, version_id, id);
