-- Access-token signing keys (issue 13), shared by every instance. The private key is
-- sealed (AES-256-GCM) with the key-encryption key before it is stored. The active key
-- has no `retired_at`; a retired key stays published until `expires_at`.
CREATE TABLE signing_keys (
    kid                 TEXT PRIMARY KEY,
    algorithm           TEXT NOT NULL,
    sealed_private_key  BLOB NOT NULL,
    public_key          BLOB NOT NULL,
    created_at          INTEGER NOT NULL,
    retired_at          INTEGER,
    expires_at          INTEGER
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((1)) WHERE retired_at IS NULL;
