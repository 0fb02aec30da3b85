//! The store facade for risk criteria and acceptance, the heat map, settings, the SoA, impact assessments and evidence files: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    /// Risks counted by (likelihood, impact): aggregates the whole register, so it is reused
    /// until the organization changes (see `derived`).
    pub async fn risk_heatmap(
        &self,
        org_id: i64,
        residual: bool,
    ) -> R<std::sync::Arc<Vec<(i64, i64, i64)>>> {
        let kind = if residual {
            "heatmap:residual"
        } else {
            "heatmap:inherent"
        };
        self.derived(org_id, kind, chrono::NaiveDate::MIN, || async {
            dispatch!(self.risk_heatmap(org_id, residual))
        })
        .await
    }

    pub async fn risk_criteria(&self, org_id: i64) -> R<Option<(String, i64)>> {
        dispatch!(self.risk_criteria(org_id))
    }

    pub async fn set_risk_criteria(
        &self,
        actor: &Actor,
        org_id: i64,
        criteria_json: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<i64> {
        dispatch!(self.set_risk_criteria(actor, org_id, criteria_json, version, now))
    }

    pub async fn org_settings(&self, org_id: i64) -> R<(bool, i64)> {
        dispatch!(self.org_settings(org_id))
    }

    pub async fn set_lifecycle_gates(
        &self,
        actor: &Actor,
        org_id: i64,
        enabled: bool,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<i64> {
        dispatch!(self.set_lifecycle_gates(actor, org_id, enabled, version, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn accept_risk(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        reason: &str,
        top_management_acceptor: Option<i64>,
        review_on: &str,
        today: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.accept_risk(
            actor,
            org_id,
            id,
            version,
            reason,
            top_management_acceptor,
            review_on,
            today,
            now
        ))
    }

    pub async fn untreated_modify_risks(&self, org_id: i64) -> R<Vec<i64>> {
        dispatch!(self.untreated_modify_risks(org_id))
    }

    pub async fn soa_entries(&self, org_id: i64, now: DateTime<Utc>) -> R<Vec<SoaEntry>> {
        dispatch!(self.soa_entries(org_id, now))
    }

    pub async fn soa_controls(&self, org_id: i64) -> R<Vec<(i64, i64, String, String)>> {
        dispatch!(self.soa_controls(org_id))
    }

    pub async fn update_soa_entry(
        &self,
        actor: &Actor,
        org_id: i64,
        change: &SoaChange,
        now: DateTime<Utc>,
    ) -> R<SoaEntry> {
        dispatch!(self.update_soa_entry(actor, org_id, change, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn approve_soa(
        &self,
        actor: &Actor,
        org_id: i64,
        note: &str,
        override_reason: Option<&str>,
        snapshot_json: &str,
        now: DateTime<Utc>,
    ) -> R<SoaVersion> {
        dispatch!(self.approve_soa(actor, org_id, note, override_reason, snapshot_json, now))
    }

    pub async fn update_soa_entries(
        &self,
        actor: &Actor,
        org_id: i64,
        changes: &[SoaChange],
        now: DateTime<Utc>,
    ) -> R<usize> {
        dispatch!(self.update_soa_entries(actor, org_id, changes, now))
    }

    pub async fn soa_versions(&self, org_id: i64) -> R<Vec<SoaVersion>> {
        dispatch!(self.soa_versions(org_id))
    }

    pub async fn set_ia_entries(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        entries_json: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.set_ia_entries(actor, org_id, id, version, entries_json, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn ia_transition(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        step: &str,
        today: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.ia_transition(actor, org_id, id, version, step, today, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn set_evidence_file(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        name: &str,
        sha256: &str,
        size: i64,
        media_type: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(
            self.set_evidence_file(actor, org_id, id, version, name, sha256, size, media_type, now)
        )
    }

    pub async fn soa_evidence_counts(&self, org_id: i64) -> R<Vec<(i64, i64)>> {
        dispatch!(self.soa_evidence_counts(org_id))
    }

    // backup and restore
}
