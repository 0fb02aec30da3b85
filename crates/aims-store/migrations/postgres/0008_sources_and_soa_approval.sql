-- Where a risk comes from (an impact-assessment finding), so raising it twice finds the first.
ALTER TABLE risks ADD COLUMN source TEXT;
CREATE INDEX risks_source ON risks (org_id, source);
-- Who last decided an SoA entry: its approver must be someone else.
ALTER TABLE soa_entries ADD COLUMN updated_by BIGINT;
-- Why an SoA was approved with open completeness problems.
ALTER TABLE soa_versions ADD COLUMN override_reason TEXT;
CREATE INDEX tasks_source ON tasks (org_id, source);
-- Who in top management accepted a risk above the threshold, by name (a member).
ALTER TABLE risks ADD COLUMN top_management_acceptor BIGINT;
-- The dashboard's risks-by-level links filter on the inherent score.
CREATE INDEX risks_inherent_score ON risks (org_id, inherent_score);
