-- The first schema of the helpdesk store.
--
-- Times are TEXT in UTC, "YYYY-MM-DD HH:MM:SS.nnnnnnnnnZ": fixed width, so
-- they compare as strings in the order of time, and SQLite's date functions
-- read them. Booleans are INTEGER 0 or 1. JSON columns hold text that
-- json_valid accepts. A case id of 0 in the domain ("no case") is NULL in
-- the columns that allow it.

CREATE TABLE cases (
	id           INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused
	platform     TEXT    NOT NULL,
	type         TEXT    NOT NULL,
	title        TEXT    NOT NULL,
	description  TEXT    NOT NULL DEFAULT '',
	organisation TEXT    NOT NULL DEFAULT '',
	links        TEXT    NOT NULL DEFAULT '',
	timeline     TEXT    NOT NULL DEFAULT '',
	requester    TEXT    NOT NULL,
	lang         TEXT    NOT NULL DEFAULT '',
	stage        TEXT    NOT NULL CHECK (stage <> ''),
	outcome      TEXT    NOT NULL DEFAULT '',
	round        INTEGER NOT NULL DEFAULT 0 CHECK (round >= 0),
	rating       INTEGER NOT NULL DEFAULT 0,
	created_at   TEXT    NOT NULL,
	updated_at   TEXT    NOT NULL
) STRICT;

CREATE INDEX cases_requester ON cases (requester, id);
CREATE INDEX cases_stage ON cases (stage, id);

CREATE TABLE events (
	id      INTEGER PRIMARY KEY,
	case_id INTEGER REFERENCES cases (id),
	at      TEXT    NOT NULL,
	actor   TEXT    NOT NULL DEFAULT '',
	type    TEXT    NOT NULL,
	detail  TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

CREATE INDEX events_case ON events (case_id, id);

CREATE TABLE members (
	id        TEXT    PRIMARY KEY,
	name      TEXT    NOT NULL DEFAULT '',
	locale    TEXT    NOT NULL DEFAULT '',
	lang      TEXT    NOT NULL DEFAULT '',
	committee INTEGER NOT NULL DEFAULT 0 CHECK (committee IN (0, 1)),
	chair     INTEGER NOT NULL DEFAULT 0 CHECK (chair IN (0, 1)),
	staff     INTEGER NOT NULL DEFAULT 0 CHECK (staff IN (0, 1)),
	groups    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(groups) AND json_type(groups) = 'array')
) STRICT, WITHOUT ROWID;

CREATE TABLE rounds (
	case_id   INTEGER NOT NULL REFERENCES cases (id),
	n         INTEGER NOT NULL,
	kind      TEXT    NOT NULL,
	post      TEXT    NOT NULL DEFAULT '',
	opened_at TEXT    NOT NULL,
	deadline  TEXT    NOT NULL,
	closed    INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
	result    TEXT    NOT NULL DEFAULT '',
	escalated INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
	PRIMARY KEY (case_id, n)
) STRICT;

-- seq keeps the order in which votes were first saved.
CREATE TABLE votes (
	seq     INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases (id),
	round   INTEGER NOT NULL,
	voter   TEXT    NOT NULL,
	choice  TEXT    NOT NULL,
	UNIQUE (case_id, round, voter)
) STRICT;

-- Reactions are a set keyed by (platform, ref, user, emoji). seq orders them
-- by the time they were added; AUTOINCREMENT makes a reaction added again
-- after its removal come after every earlier one.
CREATE TABLE reactions (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	platform TEXT    NOT NULL,
	ref      TEXT    NOT NULL,
	user     TEXT    NOT NULL,
	emoji    TEXT    NOT NULL,
	UNIQUE (platform, ref, user, emoji)
) STRICT;

-- A case's thread is the post named 'thread'. On Discord and Mattermost a
-- thread started on the card has the card's reference, so a reference is
-- unique among threads and among other posts, not across both.
CREATE TABLE posts (
	case_id  INTEGER NOT NULL REFERENCES cases (id),
	name     TEXT    NOT NULL,
	platform TEXT    NOT NULL,
	ref      TEXT    NOT NULL,
	PRIMARY KEY (case_id, name)
) STRICT;

CREATE UNIQUE INDEX posts_ref ON posts (platform, ref, name = 'thread');

CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	platform   TEXT    NOT NULL,
	case_id    INTEGER REFERENCES cases (id),
	op         TEXT    NOT NULL,
	name       TEXT    NOT NULL DEFAULT '',
	place      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(place)),
	message    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(message)),
	emoji      TEXT    NOT NULL DEFAULT '',
	user       TEXT    NOT NULL DEFAULT '',
	collapse   TEXT    NOT NULL DEFAULT '',
	state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    TEXT    NOT NULL,
	last_error TEXT    NOT NULL DEFAULT '',
	created_at TEXT    NOT NULL,
	done_at    TEXT
) STRICT;

CREATE INDEX outbox_due ON outbox (platform, state, next_at);
CREATE INDEX outbox_case ON outbox (case_id, id) WHERE state = 'pending';
CREATE INDEX outbox_collapse ON outbox (collapse) WHERE state = 'pending';

CREATE TABLE timers (
	id           INTEGER PRIMARY KEY,
	case_id      INTEGER NOT NULL REFERENCES cases (id),
	round        INTEGER NOT NULL,
	kind         TEXT    NOT NULL,
	due          TEXT    NOT NULL,
	fired_at     TEXT,
	cancelled_at TEXT
) STRICT;

CREATE INDEX timers_due ON timers (due, id) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_round ON timers (case_id, round);

-- seq keeps the routing order.
CREATE TABLE case_groups (
	seq            INTEGER PRIMARY KEY,
	case_id        INTEGER NOT NULL REFERENCES cases (id),
	grp            TEXT    NOT NULL,
	routed_by      TEXT    NOT NULL DEFAULT '',
	routed_at      TEXT    NOT NULL,
	recommendation TEXT    NOT NULL DEFAULT '',
	recommended_by TEXT    NOT NULL DEFAULT '',
	recommended_at TEXT,
	UNIQUE (case_id, grp)
) STRICT;

-- seq keeps the order of claims. A claim is for a group the case was routed to.
CREATE TABLE claims (
	seq     INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL,
	grp     TEXT    NOT NULL,
	user    TEXT    NOT NULL,
	at      TEXT    NOT NULL,
	UNIQUE (case_id, grp, user),
	FOREIGN KEY (case_id, grp) REFERENCES case_groups (case_id, grp)
) STRICT;

CREATE TABLE volunteers (
	user      TEXT PRIMARY KEY,
	languages TEXT NOT NULL DEFAULT '',
	skills    TEXT NOT NULL DEFAULT '',
	groups    TEXT NOT NULL DEFAULT '',
	at        TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE notices (
	user TEXT NOT NULL,
	key  TEXT NOT NULL,
	at   TEXT NOT NULL,
	PRIMARY KEY (user, key)
) STRICT, WITHOUT ROWID;
