-- Linked identities (issue #23): one person with accounts on several
-- platforms (a Discord account, a Mattermost account, a mail address),
-- linked by that person with a one-time code. Each linked identity names
-- its person by one of them (the first linked); an identity without a row
-- is a person of its own. Nothing is ever linked by name.
CREATE TABLE identities (
	id        TEXT PRIMARY KEY,
	person    TEXT NOT NULL,
	linked_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX identities_person ON identities (person);

-- The one-time codes that link two identities: their SHA-256, whose, and
-- until when; a code is deleted when used.
CREATE TABLE link_codes (
	hash       TEXT PRIMARY KEY,
	user       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX link_codes_user ON link_codes (user, created_at);
