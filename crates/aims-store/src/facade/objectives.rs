//! The store facade for KPI measurements: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    pub async fn add_measurement(
        &self,
        actor: &Actor,
        org_id: i64,
        kpi_id: i64,
        m: &NewMeasurement<'_>,
        now: DateTime<Utc>,
    ) -> R<Measurement> {
        dispatch!(self.add_measurement(actor, org_id, kpi_id, m, now))
    }

    pub async fn measurements(
        &self,
        org_id: i64,
        kpi_id: i64,
        after: Option<(String, i64)>,
        limit: i64,
    ) -> R<Vec<Measurement>> {
        dispatch!(self.measurements(org_id, kpi_id, after, limit))
    }

    pub async fn measurement_series(
        &self,
        org_id: i64,
        kpi_id: i64,
        limit: i64,
    ) -> R<Vec<(String, String)>> {
        dispatch!(self.measurement_series(org_id, kpi_id, limit))
    }
}
