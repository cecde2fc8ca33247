-- A new start kills the identifier's live requests of the same purpose: found by this
-- index, which holds only the live ones (one or two rows per identifier at most).
CREATE INDEX auth_requests_live ON auth_requests (identifier) WHERE state IN ('pending', 'approved');
