-- The web dashboard: one-time sign-in links, sessions, and the dates of
-- each case's milestones that its statistics read.
--
-- A link and a session are known by the SHA-256 of their secret alone: a
-- copy of the database (a backup) signs nobody in.
CREATE TABLE signins (
	hash       TEXT PRIMARY KEY,
	user       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
	hash       TEXT PRIMARY KEY,
	user       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	ended_at   TEXT,
	ended_by   TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user);

-- When each case first had its initial feedback (an initial round
-- decided), its final go, and its resolution: kept by a trigger on the
-- event log, so that the statistics never read the whole log.
CREATE TABLE milestones (
	case_id     INTEGER PRIMARY KEY REFERENCES cases (id),
	initial_at  TEXT,
	final_go_at TEXT,
	resolved_at TEXT
) STRICT;

INSERT INTO milestones (case_id, initial_at, final_go_at, resolved_at)
SELECT case_id,
	min(CASE WHEN type = 'round.decided' AND json_extract(detail, '$.result') IN ('accept', 'decline', 'info') THEN at END),
	min(CASE WHEN type = 'round.decided' AND json_extract(detail, '$.result') = 'go' THEN at END),
	min(CASE WHEN type = 'case.resolved' THEN at END)
FROM events
WHERE case_id IS NOT NULL AND type IN ('round.decided', 'case.resolved')
GROUP BY case_id;

CREATE TRIGGER milestones_event AFTER INSERT ON events
WHEN new.case_id IS NOT NULL AND (new.type = 'case.resolved' OR
	(new.type = 'round.decided' AND json_extract(new.detail, '$.result') IN ('accept', 'decline', 'info', 'go')))
BEGIN
	INSERT INTO milestones (case_id) VALUES (new.case_id) ON CONFLICT (case_id) DO NOTHING;
	UPDATE milestones SET
		initial_at = coalesce(initial_at, CASE WHEN new.type = 'round.decided' AND json_extract(new.detail, '$.result') <> 'go' THEN new.at END),
		final_go_at = coalesce(final_go_at, CASE WHEN new.type = 'round.decided' AND json_extract(new.detail, '$.result') = 'go' THEN new.at END),
		resolved_at = coalesce(resolved_at, CASE WHEN new.type = 'case.resolved' THEN new.at END)
	WHERE case_id = new.case_id;
END;

-- The requests of each month, by type, without reading the cases.
CREATE INDEX cases_created ON cases (created_at, type);

-- The cases table's default order: waiting the longest first.
CREATE INDEX cases_updated ON cases (updated_at, id);

-- The ratings given, without reading the cases.
CREATE INDEX cases_rating ON cases (rating) WHERE rating > 0;
