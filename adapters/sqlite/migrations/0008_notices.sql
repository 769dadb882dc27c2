-- Notices that only matter for a while: forget_at is when a notice is
-- forgotten (NULL: never). FirstNotice deletes the ones due, through the
-- partial index, in the transaction that records the next notice.
ALTER TABLE notices ADD COLUMN forget_at TEXT;

CREATE INDEX notices_forget ON notices (forget_at) WHERE forget_at IS NOT NULL;

-- Those recorded before: a form's key against its replay, and staff told
-- of one day's failed backup, go 30 days after they were recorded, as the
-- core now asks for new ones (the time keeps its fixed-width form).
UPDATE notices SET forget_at = strftime('%Y-%m-%d %H:%M:%S', at, '+30 days') || substr(at, 20)
WHERE key LIKE 'submission/%' OR key LIKE 'backup.failed/%';
