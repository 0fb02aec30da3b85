-- Documented information (ISO/IEC 42001 7.5): a register of documents, their versions (draft →
-- in review → approved → published, frozen once published) and their dated reviews.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    description TEXT,
    owner_id INTEGER REFERENCES users(id),
    classification TEXT,
    audience TEXT,
    retention TEXT,
    review_interval_months INTEGER,
    next_review TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    current_version TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX documents_name ON documents(org_id, name, id);
CREATE INDEX documents_kind ON documents(org_id, kind, id);
CREATE INDEX documents_owner_id ON documents(org_id, owner_id, id);
CREATE INDEX documents_classification ON documents(org_id, classification, id);
CREATE INDEX documents_next_review ON documents(org_id, next_review, id);
CREATE INDEX documents_status ON documents(org_id, status, id);

CREATE TABLE document_versions (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    major INTEGER NOT NULL,
    minor INTEGER NOT NULL,
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    change_note TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 1,
    author_id INTEGER REFERENCES users(id),
    approver_id INTEGER REFERENCES users(id),
    approved_at TEXT,
    published_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (document_id, major, minor)
);
CREATE INDEX document_versions_document ON document_versions(org_id, document_id, major, minor);

CREATE TABLE document_reviews (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL,
    reviewer_id INTEGER REFERENCES users(id),
    outcome TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX document_reviews_document ON document_reviews(org_id, document_id, reviewed_on);
