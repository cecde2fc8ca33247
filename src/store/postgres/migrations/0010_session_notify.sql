-- Tells every instance's session cache what to forget (issue 15, item 7; see
-- src/store/postgres/session_cache.rs). Notifications are sent at commit, in commit order,
-- and only to sessions LISTENing on postern_sessions: without a cache they cost nothing.
-- `s:<id>`: a session was revoked, or a live one deleted. `u:<id>`: a user was disabled,
-- deleted or changed an address (the cache holds the user beside the session).
CREATE FUNCTION postern_tell_session_caches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('postern_sessions',
                      CASE TG_TABLE_NAME WHEN 'sessions' THEN 's:' ELSE 'u:' END || OLD.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_revoked AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at)
    EXECUTE FUNCTION postern_tell_session_caches();

-- Revoked rows were told of when they were revoked; cleanup deletes the rest only once
-- they are past a deadline, which the cache checks itself, but telling costs little.
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL)
    EXECUTE FUNCTION postern_tell_session_caches();

CREATE TRIGGER users_changed AFTER UPDATE ON users
    FOR EACH ROW WHEN (NEW.disabled_at IS DISTINCT FROM OLD.disabled_at
                       OR NEW.email IS DISTINCT FROM OLD.email
                       OR NEW.phone IS DISTINCT FROM OLD.phone)
    EXECUTE FUNCTION postern_tell_session_caches();

CREATE TRIGGER users_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION postern_tell_session_caches();
