-- The audit trail (issue 12): append-only, one row per security-relevant change, written in
-- the same transaction as the change. `user_id` has no foreign key: a deleted account's
-- history stays until retention removes it. `dedupe_key` makes repeated events of one kind
-- (a rate limit refusing a flood) one row per minute. Never a secret in a row.
CREATE TABLE audit_events (
    seq         BIGSERIAL PRIMARY KEY,
    type        TEXT NOT NULL,
    user_id     TEXT,
    ip          TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    api_key     TEXT,
    details     TEXT,
    dedupe_key  TEXT UNIQUE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_events_user ON audit_events (user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX audit_events_created ON audit_events (created_at);
