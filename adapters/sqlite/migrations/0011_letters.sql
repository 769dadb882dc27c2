-- Letters: mail received from requesters, each recorded once by its
-- Message-ID in the transaction that makes it a case or a message of one,
-- so that a second delivery of the same mail is recognised.
CREATE TABLE letters (
	message_id TEXT    PRIMARY KEY,
	case_id    INTEGER REFERENCES cases (id),
	sender     TEXT    NOT NULL,
	at         TEXT    NOT NULL,
	-- what became of it: 'case' (opened one), 'message' (in a case),
	-- 'ignored' (machine mail, a stranger's reply)
	outcome    TEXT    NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX letters_sender ON letters (sender, at);
