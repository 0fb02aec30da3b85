-- The version of the EU AI Act rules (classifier revision and library dates) that produced an
-- AI system's stored classification, so the dashboard can count those made under older rules.
ALTER TABLE ai_systems ADD COLUMN classification_rules TEXT;
CREATE INDEX ai_systems_classification_rules ON ai_systems (org_id, classification_rules);
