//! The store facade for maturity assessments, the plan and the facts the dashboard reads: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_maturity(
        &self,
        actor: &Actor,
        org_id: i64,
        assessed_on: &str,
        answered_by: &str,
        answers_json: &str,
        now: DateTime<Utc>,
    ) -> R<MaturityAssessment> {
        dispatch!(self.create_maturity(actor, org_id, assessed_on, answered_by, answers_json, now))
    }

    pub async fn maturity_assessments(
        &self,
        org_id: i64,
        limit: i64,
    ) -> R<Vec<MaturityAssessment>> {
        dispatch!(self.maturity_assessments(org_id, limit))
    }

    pub async fn org_plan(&self, org_id: i64) -> R<Option<(String, i64)>> {
        dispatch!(self.org_plan(org_id))
    }

    pub async fn set_org_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        plan_json: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> R<i64> {
        dispatch!(self.set_org_plan(actor, org_id, plan_json, version, now))
    }

    pub async fn org_facts(
        &self,
        org_id: i64,
        today: &str,
        year_ago: &str,
        in_30_days: &str,
        rules_version: &str,
    ) -> R<OrgFacts> {
        dispatch!(self.org_facts(org_id, today, year_ago, in_30_days, rules_version))
    }
}
