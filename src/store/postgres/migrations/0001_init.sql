-- The same schema as SQLite's, in PostgreSQL types: ids TEXT, times BIGINT unix-ms,
-- hashes BYTEA. Every query of the store has an index behind it.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT UNIQUE,
    phone              TEXT UNIQUE,
    email_verified_at  BIGINT,
    phone_verified_at  BIGINT,
    failed_code_count  INTEGER NOT NULL DEFAULT 0,
    code_locked_until  BIGINT,
    disabled_at        BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE auth_requests (
    id               TEXT PRIMARY KEY,
    purpose          TEXT NOT NULL,
    identifier_kind  TEXT NOT NULL,
    identifier       TEXT NOT NULL,
    user_id          TEXT REFERENCES users(id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    code_hash        BYTEA NOT NULL,
    token_hash       BYTEA NOT NULL,
    device_hash      BYTEA NOT NULL,
    match_number     INTEGER NOT NULL,
    redirect_to      TEXT NOT NULL,
    locale           TEXT,
    state            TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    send_count       INTEGER NOT NULL DEFAULT 1,
    requester_ip     TEXT NOT NULL,
    requester_agent  TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    last_sent_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    approved_at      BIGINT,
    consumed_at      BIGINT
);
CREATE INDEX auth_requests_expires_at ON auth_requests (expires_at);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    token_hash       BYTEA NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    idle_expires_at  BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    revoked_at       BIGINT,
    ip               TEXT NOT NULL,
    user_agent       TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE outbox (
    seq                  BIGSERIAL PRIMARY KEY,
    channel              TEXT NOT NULL,
    recipient            TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    payload              TEXT NOT NULL,
    status               TEXT NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      BIGINT NOT NULL,
    lease_until          BIGINT,
    expires_at           BIGINT NOT NULL,
    provider             TEXT,
    provider_message_id  TEXT,
    last_error           TEXT,
    created_at           BIGINT NOT NULL,
    sent_at              BIGINT
);
-- Partial index: the worker only ever looks for due work.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX outbox_recipient ON outbox (recipient, seq);
CREATE INDEX outbox_created_at ON outbox (created_at);

CREATE TABLE rate_limits (
    key  TEXT PRIMARY KEY,
    tat  BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
