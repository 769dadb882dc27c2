-- The scheduled backups this database wrote, so that rotation removes
-- only those, and only while each is still the file written: never a file
-- found by its name (an operator's copy, another database in the folder).
-- path is absolute, dir its directory; dev and ino (0 where the system
-- does not tell), bytes and sha256 prove that the file at path is the one
-- written. A backup's own copy of this table is emptied: a helpdesk
-- restored from it did not write those backups.
CREATE TABLE backups (
	path       TEXT PRIMARY KEY,
	dir        TEXT NOT NULL,
	written_at TEXT NOT NULL,
	bytes      INTEGER NOT NULL,
	dev        INTEGER NOT NULL,
	ino        INTEGER NOT NULL,
	sha256     TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX backups_dir ON backups (dir, written_at);
