-- The installation: one row, made with the database. Its id is random and
-- goes into every idempotency key the helpdesk gives a platform, with the
-- outbox row id: row ids start at 1 in every database, so a key of row ids
-- alone would repeat across databases, and a platform that remembers keys
-- (Mattermost's pending_post_id for 30 s across all channels, Discord's
-- nonce for minutes) would hand one helpdesk another's post. A backup the
-- helpdesk takes gets an id of its own, so a restored database never reuses
-- the keys of the one it was copied from.
CREATE TABLE installation (
	one INTEGER PRIMARY KEY CHECK (one = 1),
	id  TEXT    NOT NULL CHECK (length(id) = 20)
) STRICT;

INSERT INTO installation (one, id) VALUES (1, lower(hex(randomblob(10))));
