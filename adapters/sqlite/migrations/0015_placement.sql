-- The database file the installation id belongs to: the file's identity
-- when the helpdesk last opened it. A database copied by hand, or restored
-- by Litestream, holds its original's installation id and this row; its
-- file is another (another inode, born at another time), so at its first
-- opening the helpdesk gives it an installation id of its own before any
-- outbox work (see Store.Moved), and it never gives a platform the keys its
-- original gave. ino and born decide where the system tells the file's
-- birth time (born, in nanoseconds; 0 where it does not), dev and ino
-- elsewhere; path is for the log only, so renaming the file changes
-- nothing. The row is written at the first opening.
CREATE TABLE placement (
	one  INTEGER PRIMARY KEY CHECK (one = 1),
	path TEXT    NOT NULL,
	dev  INTEGER NOT NULL,
	ino  INTEGER NOT NULL,
	born INTEGER NOT NULL
) STRICT;
