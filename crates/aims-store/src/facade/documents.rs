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
        step: &str,
        from: &str,
        to: &str,
        next_review: Option<&str>,
        now: DateTime<Utc>,
    ) -> R<DocumentVersion> {
        dispatch!(self.step_document_version(
            actor,
            org_id,
            document_id,
            number,
            step,
            from,
            to,
            next_review,
            now
        ))
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
