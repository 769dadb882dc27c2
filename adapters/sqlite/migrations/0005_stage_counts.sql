-- How many cases are in each stage, kept by triggers in the transaction
-- that moves a case: the metrics and the statistics read a handful of rows
-- rather than counting the cases table at every scrape.
CREATE TABLE stage_counts (
	stage TEXT PRIMARY KEY,
	n     INTEGER NOT NULL CHECK (n >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO stage_counts (stage, n) SELECT stage, count(*) FROM cases GROUP BY stage;

CREATE TRIGGER stage_counts_insert AFTER INSERT ON cases
BEGIN
	INSERT INTO stage_counts (stage, n) VALUES (new.stage, 1)
		ON CONFLICT (stage) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER stage_counts_update AFTER UPDATE OF stage ON cases
WHEN old.stage IS NOT new.stage
BEGIN
	UPDATE stage_counts SET n = n - 1 WHERE stage = old.stage;
	INSERT INTO stage_counts (stage, n) VALUES (new.stage, 1)
		ON CONFLICT (stage) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER stage_counts_delete AFTER DELETE ON cases
BEGIN
	UPDATE stage_counts SET n = n - 1 WHERE stage = old.stage;
END;

-- The cases of a stage by when they last changed: the recently closed
-- ones (whose rating request is still watched) without reading them all.
CREATE INDEX cases_stage_updated ON cases (stage, updated_at);
