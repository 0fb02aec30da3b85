-- The score a risk was accepted at: a later rise above it lapses the acceptance.
ALTER TABLE risks ADD COLUMN accepted_score INTEGER;
