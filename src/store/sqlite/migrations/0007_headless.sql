-- Headless passwordless (issue 12): the app's page the link lands on (`?token=` is
-- appended) and the opaque `state` it gets back at verification.
ALTER TABLE auth_requests ADD COLUMN link_base TEXT;
ALTER TABLE auth_requests ADD COLUMN app_state TEXT;
