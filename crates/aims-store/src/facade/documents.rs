//! The store facade for document versions and reviews: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    pub async fn document_versions(
        &self,
        org_id: i64,
        document_id: i64,
    ) -> R<Vec<DocumentVersion>> {
        dispatch!(self.document_versions(org_id, document_id))
    }

    pub async fn document_version(
        &self,
        org_id: i64,
        document_id: i64,
        major: i64,
        minor: i64,
    ) -> R<Option<DocumentVersion>> {
        dispatch!(self.document_version(org_id, document_id, major, minor))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_document_draft(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        number: (i64, i64),
        content: &str,
        content_sha256: &str,
        change_note: &str,
        now: DateTime<Utc>,
    ) -> R<DocumentVersion> {
        dispatch!(self.create_document_draft(
            actor,
            org_id,
            document_id,
            number,
            content,
            content_sha256,
            change_note,
            now
        ))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn update_document_draft(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        number: (i64, i64),
        revision: i64,
        content: &str,
        content_sha256: &str,
        change_note: &str,
        now: DateTime<Utc>,
    ) -> R<DocumentVersion> {
        dispatch!(self.update_document_draft(
            actor,
            org_id,
            document_id,
            number,
            revision,
            content,
            content_sha256,
            change_note,
            now
        ))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn step_document_version(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        number: (i64, i64),
        change: &VersionStep<'_>,
        now: DateTime<Utc>,
    ) -> R<DocumentVersion> {
        dispatch!(self.step_document_version(actor, org_id, document_id, number, change, now))
    }

    pub async fn create_documents_with_drafts(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &aims_domain::register::RegisterSpec,
        items: &[NewDocument],
        now: DateTime<Utc>,
    ) -> R<Vec<(Record, DocumentVersion)>> {
        dispatch!(self.create_documents_with_drafts(actor, org_id, spec, items, now))
    }

    pub async fn document_acknowledgements(
        &self,
        org_id: i64,
        document_id: i64,
    ) -> R<Vec<Acknowledgement>> {
        dispatch!(self.document_acknowledgements(org_id, document_id))
    }

    pub async fn pending_acknowledgements(
        &self,
        org_id: i64,
        user_id: i64,
    ) -> R<Vec<PendingAcknowledgement>> {
        dispatch!(self.pending_acknowledgements(org_id, user_id))
    }

    pub async fn acknowledge_document(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        number: (i64, i64),
        user_id: i64,
        now: DateTime<Utc>,
    ) -> R<Acknowledgement> {
        dispatch!(self.acknowledge_document(actor, org_id, document_id, number, user_id, now))
    }

    pub async fn audience_members(
        &self,
        org_id: i64,
        audience: &[String],
        named: &[String],
    ) -> R<Vec<(i64, String)>> {
        dispatch!(self.audience_members(org_id, audience, named))
    }

    pub async fn member_ids_by_email(
        &self,
        org_id: i64,
        emails: &[String],
    ) -> R<Vec<(String, i64)>> {
        dispatch!(self.member_ids_by_email(org_id, emails))
    }

    pub async fn concern_link(&self, org_id: i64) -> R<Option<String>> {
        dispatch!(self.concern_link(org_id))
    }

    pub async fn org_by_concern_token(&self, token: &str) -> R<Option<Organization>> {
        dispatch!(self.org_by_concern_token(token))
    }

    pub async fn set_concern_link(
        &self,
        actor: &Actor,
        org_id: i64,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.set_concern_link(actor, org_id, token, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_public_concern(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &aims_domain::register::RegisterSpec,
        source_hash: &str,
        input: &aims_domain::register::RecordInput,
        limits: &IntakeLimits,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.create_public_concern(actor, org_id, spec, source_hash, input, limits, now))
    }

    pub async fn documents_for_requirement(
        &self,
        org_id: i64,
        requirement_id: i64,
    ) -> R<Vec<DocumentRef>> {
        dispatch!(self.documents_for_requirement(org_id, requirement_id))
    }

    pub async fn document_attachments(&self, org_id: i64, document_id: i64) -> R<Vec<Attachment>> {
        dispatch!(self.document_attachments(org_id, document_id))
    }

    pub async fn document_attachment(
        &self,
        org_id: i64,
        document_id: i64,
        attachment_id: i64,
    ) -> R<Option<Attachment>> {
        dispatch!(self.document_attachment(org_id, document_id, attachment_id))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_document_attachment(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        number: (i64, i64),
        name: &str,
        media_type: &str,
        stored: (&str, i64),
        now: DateTime<Utc>,
    ) -> R<Attachment> {
        dispatch!(self.add_document_attachment(
            actor,
            org_id,
            document_id,
            number,
            name,
            media_type,
            stored,
            now
        ))
    }

    pub async fn remove_document_attachment(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        attachment_id: i64,
        now: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.remove_document_attachment(actor, org_id, document_id, attachment_id, now))
    }

    pub async fn scope_agreement(&self, org_id: i64, only_for: Option<i64>) -> R<ScopeAgreement> {
        dispatch!(self.scope_agreement(org_id, only_for))
    }

    pub async fn aims_role_holders(&self, org_id: i64, role: &str) -> R<Vec<i64>> {
        dispatch!(self.aims_role_holders(org_id, role))
    }

    pub async fn document_reviews(&self, org_id: i64, document_id: i64) -> R<Vec<DocumentReview>> {
        dispatch!(self.document_reviews(org_id, document_id))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_document_review(
        &self,
        actor: &Actor,
        org_id: i64,
        document_id: i64,
        reviewed_on: &str,
        outcome: &str,
        notes: &str,
        next_review: Option<&str>,
        now: DateTime<Utc>,
    ) -> R<DocumentReview> {
        dispatch!(self.create_document_review(
            actor,
            org_id,
            document_id,
            reviewed_on,
            outcome,
            notes,
            next_review,
            now
        ))
    }
}
