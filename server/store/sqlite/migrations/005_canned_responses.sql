-- Canned responses (server/canned): one protobuf record each; owner and
-- sharing as columns beside it (the record stays the source of truth).
CREATE TABLE canned_responses (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  shared INTEGER NOT NULL,
  record BLOB NOT NULL
);
CREATE INDEX canned_responses_owner ON canned_responses (owner_id);
