//! Records as the store returns them. Shared by both backends.

use aims_domain::Role;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who makes a change: recorded in every audit event.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    pub label: String,
}

impl Actor {
    /// A change made from the command line by the machine's operator.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            token_id: None,
            label: "cli".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Organization {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A user as the audit trail records them (never the password hash).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A user's membership in an organization, with the user's name and e-mail.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One organization the user belongs to, for the switcher.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrgMembership {
    pub org_id: i64,
    pub slug: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginUser {
    pub id: i64,
    pub password_hash: String,
}

/// A live browser session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub csrf_token: String,
}

/// What a bearer token grants: resolved in one query per request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenGrant {
    pub token_id: i64,
    pub token_name: String,
    #[sqlx(try_from = "String")]
    pub token_role: Role,
    pub user_id: i64,
    pub email: String,
    pub org_id: i64,
    pub org_slug: String,
    #[sqlx(try_from = "String")]
    pub member_role: Role,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub org_id: i64,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Filters of the audit trail; every one is served by an index.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The outcome of recomputing the audit chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    Intact {
        events: u64,
        organizations: u64,
    },
    Broken {
        events_checked: u64,
        problem: String,
    },
}

/// Input of the first-run setup.
#[derive(Debug, Clone)]
pub struct SetupInput {
    pub org_slug: String,
    pub org_name: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

/// Input for adding a member: an existing user by e-mail, or a new one (then the password hash is required).
#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub token_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// One row of a backup file: column name to value.
pub type BackupRow = serde_json::Map<String, serde_json::Value>;
/// Receives (table, row) pairs as a backup streams out.
pub type BackupSink<'a> = dyn FnMut(&str, BackupRow) -> std::io::Result<()> + Send + 'a;
/// One parsed line of a backup file: (line number, table, row), or a message naming the line.
pub type RestoreItem = Result<(usize, String, BackupRow), String>;

/// A list of strings stored as a JSON array in a text column.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct TextList(pub Vec<String>);

impl TryFrom<String> for TextList {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(TextList)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Framework {
    pub id: i64,
    /// Set for a framework an organization imported; empty for the built-in library.
    pub org_id: Option<i64>,
    pub key: String,
    pub name: String,
    pub version: i64,
    pub publisher: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub provenance: Option<String>,
    pub urn: Option<String>,
    pub builtin: bool,
    #[serde(skip)]
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FrameworkSummary {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub framework: Framework,
    pub requirement_count: i64,
    pub assessable_count: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Requirement {
    pub id: i64,
    pub framework_id: i64,
    #[sqlx(rename = "ref")]
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub assessable: bool,
    pub position: i64,
    pub depth: i64,
    pub description: Option<String>,
    /// How to implement it: what to do, typical pitfalls, links to other clauses.
    pub guidance: Option<String>,
    #[sqlx(rename = "evidence_json", try_from = "String")]
    pub evidence: TextList,
    #[sqlx(rename = "questions_json", try_from = "String")]
    pub questions: TextList,
    #[sqlx(rename = "documents_json", try_from = "String")]
    pub documents: TextList,
    pub urn: Option<String>,
    pub withdrawn: bool,
}

/// A mapping seen from one requirement: the requirement at the other end.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MappingView {
    pub id: i64,
    /// The relation read from the requirement being viewed to the other one.
    pub relation: String,
    pub source: Option<String>,
    pub note: Option<String>,
    /// `outgoing` when the viewed requirement is the mapping's source, `incoming` otherwise.
    pub direction: String,
    pub other_id: i64,
    pub other_ref: String,
    pub other_title: String,
    pub framework_key: String,
    pub framework_name: String,
    pub set_key: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MappingSet {
    pub id: i64,
    pub org_id: Option<i64>,
    pub key: String,
    pub name: String,
    pub version: i64,
    pub source_framework_id: i64,
    pub target_framework_id: i64,
    pub description: Option<String>,
    pub builtin: bool,
}

/// One row of a mapping set by refs, for export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MappingRow {
    pub from_ref: String,
    pub to_ref: String,
    pub relation: String,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// `framework` or `mapping_set`.
    pub kind: String,
    pub key: String,
    /// `created`, `upgraded` or `unchanged`.
    pub outcome: String,
    pub version: i64,
    pub requirements: usize,
    pub withdrawn: usize,
    pub mappings: usize,
}

/// An implemented control that covers a requirement directly.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DirectCover {
    pub requirement_id: i64,
    pub control_id: i64,
    pub control_number: i64,
    pub control_name: String,
}

/// An implemented control that covers a requirement through a mapping.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MappedCover {
    pub requirement_id: i64,
    pub via_id: i64,
    pub via_ref: String,
    pub via_framework: String,
    /// The relation as stored (from the mapping's source to its target).
    pub relation: String,
    /// `forward` when the covered requirement is the mapping's target.
    pub direction: String,
    pub control_id: i64,
    pub control_number: i64,
    pub control_name: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Control {
    pub id: i64,
    pub org_id: i64,
    pub number: i64,
    pub name: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A record a link points to: enough to show and link it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LinkedRecord {
    pub id: i64,
    pub number: i64,
    pub name: String,
}

/// One record to create or update from an import, matched by `external_ref`.
#[derive(Debug, Clone)]
pub struct PlanItem {
    /// `suppliers`, `ai_models` or `datasets`.
    pub table: String,
    pub external_ref: String,
    pub input: aims_domain::register::RecordInput,
    /// The external_ref of this record's supplier, if any.
    pub supplier_ref: Option<String>,
}

/// What an inventory import will write: records (suppliers first) and links by external ref.
#[derive(Debug, Clone, Default)]
pub struct InventoryPlan {
    pub items: Vec<PlanItem>,
    pub links: Vec<((String, String), (String, String))>,
    /// Link every imported record to this AI system.
    pub system_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct InventoryImportReport {
    pub created: usize,
    pub matched: usize,
    /// (table, id, reference) of every record touched.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<(String, i64, String)>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SoaEntry {
    pub id: i64,
    pub requirement_id: i64,
    pub reference: String,
    pub title: String,
    /// Empty until decided.
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    /// not_started, planned, in_progress, implemented
    pub status: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// Who decided it last.
    pub updated_by: Option<i64>,
    /// Implemented controls linked to the Annex A control.
    pub implemented_controls: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SoaVersion {
    pub id: i64,
    pub number: i64,
    pub approved_by: Option<i64>,
    pub approved_at: DateTime<Utc>,
    pub note: Option<String>,
    #[serde(skip)]
    pub snapshot_json: String,
    /// Why it was approved with open completeness problems.
    pub override_reason: Option<String>,
    /// The approver's name, for the page and the exports.
    pub approved_by_name: Option<String>,
}

/// One SoA entry's decision in a batch save, with the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct SoaChange {
    pub entry_id: i64,
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: String,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MaturityAssessment {
    pub id: i64,
    pub number: i64,
    pub assessed_on: String,
    pub answered_by: String,
    #[serde(skip)]
    pub answers_json: String,
    pub created_at: DateTime<Utc>,
}

/// Counts read from the organization's records (dashboard, evidence-based maturity).
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgFacts {
    pub systems: i64,
    pub systems_in_scope: i64,
    pub systems_with_owner: i64,
    pub systems_overdue: i64,
    pub members: i64,
    pub managers: i64,
    pub risks: i64,
    pub risks_identified_only: i64,
    /// Risks with a treatment decided.
    pub risks_treated: i64,
    pub risks_overdue: i64,
    pub approved_assessments: i64,
    pub operating_systems_without_assessment: i64,
    pub implemented_controls: i64,
    pub controls_checked_recently: i64,
    pub expired_evidence: i64,
    /// Evidence whose valid-until date falls within the next 30 days.
    pub evidence_expiring: i64,
    pub tasks_overdue: i64,
    pub soa_versions: i64,
    /// AI systems classified under rules other than today's (re-run them).
    pub classifications_outdated: i64,
    /// (ISO 42001 ref, collected within the last year) for each piece of evidence.
    pub evidence_refs: Vec<(String, bool)>,
    pub context_issues: i64,
    /// Context issues created or changed in the last 12 months.
    pub context_issues_recent: i64,
    pub interested_parties: i64,
    /// Members named as top management in the AIMS roles.
    pub top_management: i64,
    pub aims_role_assignments: i64,
    /// Documents whose next review date has passed.
    pub documents_overdue: i64,
    pub objectives: i64,
    /// Each KPI's frequency and the end of the latest period it measured.
    pub kpi_latest: Vec<(String, Option<String>)>,
    /// Trainings held, and those past their valid-until date.
    pub trainings: i64,
    pub trainings_expired: i64,
    /// People recorded against AI systems for AI literacy, and those whose literacy is recorded.
    pub literacy_people: i64,
    pub literacy_recorded: i64,
    /// Incidents whose report is ours, not sent, and due before today.
    pub incident_reports_missed: i64,
    /// Planned changes waiting for approval.
    pub changes_proposed: i64,
    /// Post-market monitoring cycles past their due date and not completed.
    pub pmm_cycles_overdue: i64,
}

/// A named list view beyond field filters: the exact records behind a dashboard number.
#[derive(Debug, Clone, PartialEq)]
pub enum ListView {
    /// `field` is set and before `date`, leaving out records whose status is `closed_status`
    /// and, when `done_field` is given, records where that field is set (a completed cycle).
    Overdue {
        field: &'static str,
        date: String,
        closed_status: Option<&'static str>,
        done_field: Option<&'static str>,
    },
    /// `field` falls between `from` and `to` (inclusive).
    DateBetween {
        field: &'static str,
        from: String,
        to: String,
    },
    /// AI systems in deployment or operation without an approved impact assessment.
    NeedsAssessment,
    /// AI systems whose stored classification came from rules other than `current`.
    RulesChanged { current: String },
    /// Risks without an inherent score.
    Unscored,
    /// Risks whose inherent score is in `min..=max`.
    InherentBetween { min: i64, max: i64 },
    /// Risks with a level above the scales' sizes (after the scales shrank).
    OutsideScale { likelihood: i64, impact: i64 },
}

/// One version of a document (its content frozen once it leaves draft).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentVersion {
    pub id: i64,
    pub document_id: i64,
    pub major: i64,
    pub minor: i64,
    /// draft, in_review, approved, published, superseded or withdrawn.
    pub status: String,
    /// Markdown.
    pub content: String,
    pub content_sha256: String,
    pub change_note: String,
    /// Changes with every edit of the draft; send the one you read (else 409).
    pub revision: i64,
    pub author_id: Option<i64>,
    pub approver_id: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `top_management` when the approver approved as top management (the AI policy).
    pub approved_as: Option<String>,
}

/// A file attached to a document version.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub document_id: i64,
    pub major: i64,
    pub minor: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A document as a requirement's page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentRef {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub kind: String,
    /// The status of its newest version (empty before the first draft).
    pub status: String,
    /// The published version, if any.
    pub current_version: Option<String>,
}

/// An AI system on which the scope statement and the inventory disagree.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ScopeDisagreement {
    pub id: i64,
    pub number: i64,
    pub name: String,
    /// The inventory's in-scope flag.
    pub in_scope: bool,
    /// Whether the scope statement lists (links) it.
    pub in_statement: bool,
}

/// The scope statement and where it disagrees with the inventory (at most 200 systems).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ScopeAgreement {
    pub statement: Option<LinkedRecord>,
    pub disagreements: Vec<ScopeDisagreement>,
}

/// How many public submissions are allowed in a window.
pub struct IntakeLimits {
    pub per_source: i64,
    pub per_org: i64,
    pub window: chrono::Duration,
}

/// A document to create with its first draft (1.0).
pub struct NewDocument {
    pub input: aims_domain::register::RecordInput,
    pub content: String,
    pub content_sha256: String,
    pub change_note: String,
}

/// What one step of a version changes besides its status.
pub struct VersionStep<'a> {
    pub step: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    /// Set on publish: the document's next review date.
    pub next_review: Option<&'a str>,
    /// Set on approve: the capacity the approver approved in.
    pub approved_as: Option<&'a str>,
    /// Set on publishing a major version: who is asked to acknowledge it, and through which
    /// audience entry (`everyone` or an AIMS role).
    pub acknowledgement_requests: &'a [(i64, String)],
}

/// One person's acknowledgement of one version (7.3): requested on publish, acknowledged once.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Acknowledgement {
    pub user_id: i64,
    pub email: String,
    pub major: i64,
    pub minor: i64,
    /// `everyone` or the AIMS role that put the person in the audience.
    pub audience: String,
    pub requested_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A published version waiting for the member's acknowledgement.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PendingAcknowledgement {
    pub document_id: i64,
    pub document_number: i64,
    pub document_name: String,
    pub major: i64,
    pub minor: i64,
    pub requested_at: DateTime<Utc>,
}

impl DocumentVersion {
    /// `1.2`.
    pub fn number(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// What the audit trail keeps of a version: its number, status, hash and people.
    pub fn summary(&self) -> serde_json::Value {
        serde_json::json!({"version": self.number(), "status": self.status, "content_sha256": self.content_sha256,
            "change_note": self.change_note, "author_id": self.author_id, "approver_id": self.approver_id, "approved_as": self.approved_as})
    }
}

/// A dated review of a document.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentReview {
    pub id: i64,
    pub document_id: i64,
    pub reviewed_on: String,
    pub reviewer_id: Option<i64>,
    /// no_change or change_needed.
    pub outcome: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

/// One measurement of a KPI, as entered (never changed afterwards).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Measurement {
    pub id: i64,
    pub kpi_id: i64,
    /// The value, as its shortest decimal text (read it as a number).
    pub value: String,
    pub period_start: String,
    pub period_end: String,
    pub note: String,
    pub evidence_id: Option<i64>,
    /// When the server recorded it.
    pub entered_at: DateTime<Utc>,
    pub entered_by: Option<i64>,
}

/// A measurement to record.
pub struct NewMeasurement<'a> {
    pub value: f64,
    pub period_start: &'a str,
    pub period_end: &'a str,
    pub note: &'a str,
    pub evidence_id: Option<i64>,
}

/// One entry of an incident's timeline, as entered (never changed afterwards).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct IncidentEvent {
    pub id: i64,
    pub incident_id: i64,
    /// One of `aims_domain::incident::EVENT_KINDS`.
    pub kind: String,
    /// The moment it records, RFC 3339 in UTC.
    pub at: String,
    pub note: String,
    /// For a report: the market-surveillance (or national competent) authority and its Member State.
    pub authority: String,
    /// For a report: the authority's or our reference.
    pub reference: String,
    /// When the server recorded it.
    pub entered_at: DateTime<Utc>,
    pub entered_by: Option<i64>,
}

/// A timeline entry to record.
pub struct NewIncidentEvent<'a> {
    pub kind: &'a str,
    pub at: &'a str,
    pub note: &'a str,
    pub authority: &'a str,
    pub reference: &'a str,
}

/// An incident whose report is ours and still to send.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OpenDeadline {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub report_due_at: String,
    pub deadline_days: i64,
}
