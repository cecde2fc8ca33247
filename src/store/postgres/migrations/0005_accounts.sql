-- Accounts and passwords (issue 11). A password is an argon2id PHC string; the name and
-- preferred channel (email or sms) are the person's own.
ALTER TABLE users ADD COLUMN name TEXT;
ALTER TABLE users ADD COLUMN preferred_channel TEXT;
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;

-- What a redemption applies besides its purpose (JSON): a sign-up's password hash, name,
-- second identifier and preferred channel. Cleared when the request is spent or dies.
ALTER TABLE auth_requests ADD COLUMN details TEXT;
-- An account's requests: one live secret per account and purpose, and the cascade when
-- an account is deleted.
CREATE INDEX auth_requests_user_id ON auth_requests (user_id);

-- Wrong codes and wrong passwords count together towards NIST's 100 consecutive failures.
ALTER TABLE code_failures RENAME TO auth_failures;
