-- Privacy (issue #23). A case whose personal content was erased (the
-- person asked, or it was closed for longer than [privacy] keep_closed)
-- keeps its skeleton — type, stages, dates, outcome, rating, votes as
-- counts — and says when it was erased.
ALTER TABLE cases ADD COLUMN erased_at TEXT;

CREATE INDEX cases_unerased_closed ON cases (closed_at) WHERE closed_at IS NOT NULL AND erased_at IS NULL;

-- An outbox item marked forget is emptied once performed or given up:
-- the message that tells a person their data was erased names them, and
-- must not stay behind them.
ALTER TABLE outbox ADD COLUMN forget INTEGER NOT NULL DEFAULT 0 CHECK (forget IN (0, 1));

CREATE INDEX outbox_finished ON outbox (done_at) WHERE state <> 'pending';
