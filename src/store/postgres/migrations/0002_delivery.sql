-- Languages: the locale a user last asked for, and the locale each message is rendered in.
ALTER TABLE users ADD COLUMN locale TEXT;
ALTER TABLE outbox ADD COLUMN locale TEXT;
