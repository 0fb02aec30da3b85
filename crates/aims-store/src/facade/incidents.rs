//! The store facade for incident timelines: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    pub async fn add_incident_event(
        &self,
        actor: &Actor,
        org_id: i64,
        incident_id: i64,
        e: &NewIncidentEvent<'_>,
        now: DateTime<Utc>,
    ) -> R<IncidentEvent> {
        dispatch!(self.add_incident_event(actor, org_id, incident_id, e, now))
    }

    pub async fn incident_events(&self, org_id: i64, incident_id: i64) -> R<Vec<IncidentEvent>> {
        dispatch!(self.incident_events(org_id, incident_id))
    }

    pub async fn open_report_deadlines(&self, org_id: i64, limit: i64) -> R<Vec<OpenDeadline>> {
        dispatch!(self.open_report_deadlines(org_id, limit))
    }

    pub async fn holds_on_systems(
        &self,
        org_id: i64,
        system_ids: &[i64],
    ) -> R<Vec<(i64, i64, String)>> {
        dispatch!(self.holds_on_systems(org_id, system_ids))
    }
}
