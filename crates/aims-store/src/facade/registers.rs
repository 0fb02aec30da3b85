//! The store facade for every register: lists, records, links, writes and imports: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn register_list(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        filters: &[(&'static FieldSpec, FieldValue)],
        search: Option<&str>,
        view: Option<&ListView>,
        sort: Option<(&'static FieldSpec, bool)>,
        cursor: Option<(String, i64)>,
        limit: i64,
    ) -> R<Vec<Record>> {
        dispatch!(self.register_list(org_id, spec, filters, search, view, sort, cursor, limit))
    }

    pub async fn register_get(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
    ) -> R<Option<Record>> {
        dispatch!(self.register_get(org_id, spec, id))
    }

    pub async fn register_get_many(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        ids: &[i64],
    ) -> R<Vec<Record>> {
        dispatch!(self.register_get_many(org_id, spec, ids))
    }

    pub async fn register_links(
        &self,
        spec: &RegisterSpec,
        id: i64,
    ) -> R<Vec<(String, Vec<LinkedRecord>)>> {
        dispatch!(self.register_links(spec, id))
    }

    pub async fn register_neighbours(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
    ) -> R<(
        Vec<(String, Vec<LinkedRecord>)>,
        Vec<(String, Vec<LinkedRecord>)>,
    )> {
        dispatch!(self.register_neighbours(org_id, spec, id))
    }

    pub async fn register_create(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        input: &RecordInput,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.register_create(actor, org_id, spec, input, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn register_update(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
        version: i64,
        input: &RecordInput,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.register_update(actor, org_id, spec, id, version, input, now))
    }

    pub async fn register_delete(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        id: i64,
        now: DateTime<Utc>,
    ) -> R<()> {
        dispatch!(self.register_delete(actor, org_id, spec, id, now))
    }

    pub async fn register_import(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        rows: &[(usize, RecordInput)],
        now: DateTime<Utc>,
    ) -> R<Vec<Record>> {
        dispatch!(self.register_import(actor, org_id, spec, rows, now))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn set_classification(
        &self,
        actor: &Actor,
        org_id: i64,
        id: i64,
        version: i64,
        classification: &serde_json::Value,
        tier: &str,
        rules_version: &str,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.set_classification(
            actor,
            org_id,
            id,
            version,
            classification,
            tier,
            rules_version,
            now
        ))
    }

    pub async fn import_inventory_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        plan: &InventoryPlan,
        now: DateTime<Utc>,
    ) -> R<InventoryImportReport> {
        dispatch!(self.import_inventory_plan(actor, org_id, plan, now))
    }

    pub async fn register_ids_by_numbers(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        numbers: &[i64],
    ) -> R<Vec<(i64, i64)>> {
        dispatch!(self.register_ids_by_numbers(org_id, spec, numbers))
    }

    // risks, criteria, settings, SoA, impact assessments, evidence

    pub async fn linked_ids(&self, table: &str, ids: &[i64], other: &str) -> R<Vec<(i64, i64)>> {
        dispatch!(self.linked_ids(table, ids, other))
    }

    pub async fn register_briefs(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        ids: &[i64],
    ) -> R<Vec<LinkedRecord>> {
        dispatch!(self.register_briefs(org_id, spec, ids))
    }

    // maturity and the plan

    pub async fn register_update_many(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        updates: &[(i64, RecordInput)],
        now: DateTime<Utc>,
    ) -> R<usize> {
        dispatch!(self.register_update_many(actor, org_id, spec, updates, now))
    }

    pub async fn pick_records(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        number: Option<i64>,
        q: &str,
        limit: i64,
    ) -> R<Vec<LinkedRecord>> {
        dispatch!(self.pick_records(org_id, spec, number, q, limit))
    }

    pub async fn pick_requirements(
        &self,
        org_id: i64,
        q: &str,
        limit: i64,
    ) -> R<Vec<LinkedRecord>> {
        dispatch!(self.pick_requirements(org_id, q, limit))
    }

    pub async fn requirement_briefs(&self, org_id: i64, ids: &[i64]) -> R<Vec<LinkedRecord>> {
        dispatch!(self.requirement_briefs(org_id, ids))
    }

    pub async fn records_by_source(
        &self,
        org_id: i64,
        spec: &RegisterSpec,
        prefix: &str,
    ) -> R<Vec<(String, i64, i64)>> {
        dispatch!(self.records_by_source(org_id, spec, prefix))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn register_restore(
        &self,
        actor: &Actor,
        org_id: i64,
        spec: &RegisterSpec,
        deleted_id: i64,
        number: Option<i64>,
        input: &RecordInput,
        now: DateTime<Utc>,
    ) -> R<Record> {
        dispatch!(self.register_restore(actor, org_id, spec, deleted_id, number, input, now))
    }
}
