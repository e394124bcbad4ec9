-- Staff sign-ins, by a hash of the token (never the token), so a restart does
-- not sign agents out.
CREATE TABLE staff_sessions (key TEXT PRIMARY KEY, record TEXT NOT NULL, expires_at_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at_ms);
