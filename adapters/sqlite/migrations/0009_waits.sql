-- Nothing stalls silently: owners, waits with timers, a case's record with
-- its texts and who may read them, and digests.

-- A case's owner (the staff member who helps), when and from which stage
-- it was closed (a reopened case returns there).
ALTER TABLE cases ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN closed_at TEXT;
ALTER TABLE cases ADD COLUMN closed_from TEXT NOT NULL DEFAULT '';

CREATE INDEX cases_owner ON cases (owner, id) WHERE owner <> '';

UPDATE cases SET closed_at = updated_at WHERE stage = 'closed';

-- What was said (a question, an answer, a note, a reason) and whether the
-- requester may read the event. internal is written by the core's rule
-- (bot.Internal) when the event is recorded; those recorded before follow
-- the same rule here.
ALTER TABLE events ADD COLUMN text TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1));

UPDATE events SET internal = 1
WHERE type IN ('vote.cast', 'vote.removed', 'round.escalated', 'round.reminded',
	'group.recommended', 'delivery.failed');

-- Timers for every wait, not only a round's: a timer belongs to a case
-- (or to nobody, as a person's digest), may be about a subject (a working
-- group, a person), is the step of a chain (a reminder, then telling
-- those above) and knows since when the wait runs. A wait that ends
-- cancels its timers, fired ones included: a fired timer not cancelled is
-- a wait gone past its first reminder, which is what "overdue" counts.
-- SQLite cannot make case_id nullable in place: the table is made again.
CREATE TABLE timers_new (
	id           INTEGER PRIMARY KEY,
	case_id      INTEGER REFERENCES cases (id),
	round        INTEGER NOT NULL DEFAULT 0,
	kind         TEXT    NOT NULL,
	subject      TEXT    NOT NULL DEFAULT '',
	step         INTEGER NOT NULL DEFAULT 0,
	since        TEXT,
	due          TEXT    NOT NULL,
	fired_at     TEXT,
	cancelled_at TEXT
) STRICT;

INSERT INTO timers_new (id, case_id, round, kind, due, fired_at, cancelled_at)
SELECT id, case_id, round, kind, due, fired_at, cancelled_at FROM timers;

-- A support reminder that fired and whose case still waits for support is
-- a wait gone past its reminder; the others of the old kind are ended.
UPDATE timers_new SET cancelled_at = fired_at
WHERE kind = 'support' AND fired_at IS NOT NULL AND cancelled_at IS NULL
	AND case_id NOT IN (SELECT id FROM cases WHERE stage = 'support');

DROP TABLE timers;
ALTER TABLE timers_new RENAME TO timers;

CREATE INDEX timers_due ON timers (due, id) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_case ON timers (case_id, kind, subject) WHERE cancelled_at IS NULL;
CREATE INDEX timers_overdue ON timers (kind, case_id) WHERE fired_at IS NOT NULL AND cancelled_at IS NULL;

-- A daily digest of what waits for a person, at an hour of the
-- helpdesk's time zone; -1 is none.
ALTER TABLE members ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT -1 CHECK (digest_hour BETWEEN -1 AND 23);
