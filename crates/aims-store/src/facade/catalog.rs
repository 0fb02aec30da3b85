//! The store facade for frameworks, requirements, crosswalks and coverage: each method calls the same function of the backend it was opened on.

use crate::*;

impl Store {
    pub async fn import_framework(
        &self,
        org_id: Option<i64>,
        lib: &aims_catalog::library::FrameworkLibrary,
        builtin: bool,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> R<ImportReport> {
        dispatch!(self.import_framework(org_id, lib, builtin, actor, now))
    }

    pub async fn import_mapping_set(
        &self,
        org_id: Option<i64>,
        lib: &aims_catalog::library::MappingSetLibrary,
        builtin: bool,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> R<ImportReport> {
        dispatch!(self.import_mapping_set(org_id, lib, builtin, actor, now))
    }

    /// Imports libraries in order (frameworks before the mapping sets that refer to them).
    pub async fn import_libraries(
        &self,
        org_id: Option<i64>,
        libs: &[aims_catalog::Library],
        builtin: bool,
        actor: Option<&Actor>,
        now: DateTime<Utc>,
    ) -> R<Vec<ImportReport>> {
        let mut reports = Vec::with_capacity(libs.len());
        for lib in libs {
            reports.push(match lib {
                aims_catalog::Library::Framework(f) => {
                    self.import_framework(org_id, f, builtin, actor, now)
                        .await?
                }
                aims_catalog::Library::MappingSet(m) => {
                    self.import_mapping_set(org_id, m, builtin, actor, now)
                        .await?
                }
            });
        }
        Ok(reports)
    }

    pub async fn list_frameworks(&self, org_id: Option<i64>) -> R<Vec<FrameworkSummary>> {
        dispatch!(self.list_frameworks(org_id))
    }

    pub async fn framework_by_key(
        &self,
        org_id: Option<i64>,
        key: &str,
    ) -> R<Option<FrameworkSummary>> {
        dispatch!(self.framework_by_key(org_id, key))
    }

    pub async fn list_requirements(
        &self,
        framework_id: i64,
        q: Option<&str>,
    ) -> R<Vec<Requirement>> {
        dispatch!(self.list_requirements(framework_id, q))
    }

    pub async fn get_requirement(
        &self,
        org_id: Option<i64>,
        id: i64,
    ) -> R<Option<(Requirement, Framework)>> {
        dispatch!(self.get_requirement(org_id, id))
    }

    pub async fn requirement_by_ref(
        &self,
        org_id: Option<i64>,
        framework_key: &str,
        reference: &str,
    ) -> R<Option<Requirement>> {
        dispatch!(self.requirement_by_ref(org_id, framework_key, reference))
    }

    pub async fn requirement_mappings(&self, org_id: Option<i64>, id: i64) -> R<Vec<MappingView>> {
        dispatch!(self.requirement_mappings(org_id, id))
    }

    pub async fn list_mapping_sets(&self, org_id: Option<i64>) -> R<Vec<MappingSet>> {
        dispatch!(self.list_mapping_sets(org_id))
    }

    pub async fn mapping_rows(&self, set_id: i64) -> R<Vec<MappingRow>> {
        dispatch!(self.mapping_rows(set_id))
    }

    pub async fn coverage_sources(
        &self,
        org_id: i64,
        framework_id: i64,
    ) -> R<(Vec<DirectCover>, Vec<MappedCover>)> {
        dispatch!(self.coverage_sources(org_id, framework_id))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_control(
        &self,
        actor: &Actor,
        org_id: i64,
        name: &str,
        status: &str,
        requirement_ids: &[i64],
        now: DateTime<Utc>,
    ) -> R<Control> {
        dispatch!(self.create_control(actor, org_id, name, status, requirement_ids, now))
    }

    pub async fn controls_for_requirement(
        &self,
        org_id: i64,
        requirement_id: i64,
    ) -> R<Vec<Control>> {
        dispatch!(self.controls_for_requirement(org_id, requirement_id))
    }

    // registers
}
