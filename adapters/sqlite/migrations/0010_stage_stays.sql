-- The statistics of the dashboard: how long cases stay in each stage, and
-- the cases closed each month by outcome, read without the event log.

-- Each stay of a case in a stage: from when it entered (its filing, or
-- the change of stage) to when it left, NULL while it is there. Kept by
-- triggers in the transaction that moves the case, whose updated_at is
-- the moment of the move. Stays begun before this migration are not
-- known (the event log does not name every change of stage): a case
-- moved afterwards starts its record then.
CREATE TABLE stage_stays (
	seq        INTEGER PRIMARY KEY,
	case_id    INTEGER NOT NULL REFERENCES cases (id),
	stage      TEXT    NOT NULL,
	entered_at TEXT    NOT NULL,
	left_at    TEXT
) STRICT;

-- The stay a case is in, found by its case when it moves.
CREATE INDEX stage_stays_open ON stage_stays (case_id) WHERE left_at IS NULL;
-- The stays that ended in the statistics' window, with what they need.
CREATE INDEX stage_stays_left ON stage_stays (left_at, stage, entered_at) WHERE left_at IS NOT NULL;

CREATE TRIGGER stage_stays_insert AFTER INSERT ON cases
BEGIN
	INSERT INTO stage_stays (case_id, stage, entered_at) VALUES (new.id, new.stage, new.created_at);
END;

CREATE TRIGGER stage_stays_update AFTER UPDATE OF stage ON cases
WHEN old.stage IS NOT new.stage
BEGIN
	UPDATE stage_stays SET left_at = new.updated_at WHERE case_id = new.id AND left_at IS NULL;
	INSERT INTO stage_stays (case_id, stage, entered_at) VALUES (new.id, new.stage, new.updated_at);
END;

-- The cases closed in each month by outcome: the closed ones alone.
CREATE INDEX cases_closed ON cases (closed_at, outcome) WHERE closed_at IS NOT NULL;
