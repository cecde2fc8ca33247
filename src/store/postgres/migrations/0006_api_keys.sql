-- API keys for the server-to-server API (issue 12). The key is `pst_<prefix>_<secret>`:
-- looked up by its public prefix, the secret stored as SHA-256 (256 random bits need no
-- slow hash) and compared in constant time. Names are unique among live keys.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL UNIQUE,
    secret_hash   BYTEA NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;
