-- Conversation logs, conversation/visitor/agent records, meta (queues, store
-- generation) and staff sign-ins: the same tables as the embedded store
-- (store/sqlite/migrations), in PostgreSQL types. Records are the protobuf
-- the cluster state uses, keyed and indexed by what lookups need.
CREATE TABLE messages (
  conversation_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  sender_id TEXT NOT NULL,
  client_message_id TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  record BYTEA NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE TABLE conversations (id TEXT PRIMARY KEY, state INTEGER NOT NULL, record BYTEA NOT NULL);
CREATE TABLE visitors (id TEXT PRIMARY KEY, record BYTEA NOT NULL);
CREATE TABLE agents (id TEXT PRIMARY KEY, record BYTEA NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
-- Staff sign-ins, by a hash of the token (never the token).
CREATE TABLE staff_sessions (key TEXT PRIMARY KEY, record TEXT NOT NULL, expires_at_ms BIGINT NOT NULL);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at_ms);
