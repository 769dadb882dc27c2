-- People the helpdesk could not write to privately (their direct messages
-- are closed), since when: an answer then tells them the truth rather than
-- "I have sent you the details". A private message that arrives clears it.
CREATE TABLE unreachable (
	user  TEXT PRIMARY KEY,
	since TEXT NOT NULL
) STRICT, WITHOUT ROWID;
