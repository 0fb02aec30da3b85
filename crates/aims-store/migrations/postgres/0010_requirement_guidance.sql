-- Implementation guidance of a requirement (what to do, pitfalls, links to other clauses), in
-- the library authors' own words.
ALTER TABLE requirements ADD COLUMN guidance TEXT;
