-- Cleanup deletes by index only (issue 15, item 3): an ended session was found by a scan of
-- every session (`expires_at < now OR idle_expires_at < now OR revoked_at < now`: one of the
-- three columns had an index), in the writer's transaction, every 5 minutes and again for
-- each batch of 1,000 — on a million sessions, a stall of every write. Each deadline now has
-- its index; the revoked ones are few, so their index holds only them.
CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
