-- Consecutive wrong codes are counted per identifier, whether or not an account holds it,
-- so a locked account and an unknown address answer alike (issue 10, finding 3). The
-- count survives the lock and ends only with a successful verification.
CREATE TABLE code_failures (
    identifier    TEXT PRIMARY KEY,
    failed_count  INTEGER NOT NULL,
    locked_until  BIGINT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX code_failures_updated_at ON code_failures (updated_at);

ALTER TABLE users DROP COLUMN failed_code_count;
ALTER TABLE users DROP COLUMN code_locked_until;
