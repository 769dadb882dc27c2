-- Files that came with a requester's mail: kept with the case, listed in
-- its thread, downloadable by the committee and staff from the dashboard.
-- In the database, so that backups and replicas hold them with the rest.
CREATE TABLE attachments (
	id         INTEGER PRIMARY KEY,
	case_id    INTEGER NOT NULL REFERENCES cases (id),
	letter     TEXT    NOT NULL, -- the Message-ID of the mail it came with
	name       TEXT    NOT NULL,
	media_type TEXT    NOT NULL,
	size       INTEGER NOT NULL,
	data       BLOB    NOT NULL,
	at         TEXT    NOT NULL
) STRICT;

CREATE INDEX attachments_case ON attachments (case_id, id);
