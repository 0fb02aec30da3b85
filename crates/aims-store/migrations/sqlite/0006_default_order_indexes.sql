-- Keyset pages in the default order (newest first) read an index instead of sorting the organization's rows.
CREATE INDEX suppliers_org_id_id ON suppliers(org_id, id);
CREATE INDEX ai_systems_org_id_id ON ai_systems(org_id, id);
CREATE INDEX ai_models_org_id_id ON ai_models(org_id, id);
CREATE INDEX datasets_org_id_id ON datasets(org_id, id);
CREATE INDEX risks_org_id_id ON risks(org_id, id);
CREATE INDEX controls_org_id_id ON controls(org_id, id);
CREATE INDEX evidence_org_id_id ON evidence(org_id, id);
CREATE INDEX impact_assessments_org_id_id ON impact_assessments(org_id, id);
CREATE INDEX tasks_org_id_id ON tasks(org_id, id);
