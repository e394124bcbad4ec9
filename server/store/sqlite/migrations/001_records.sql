-- Conversation logs, conversation/visitor/agent records, and meta (queues,
-- store generation). Records are the same protobuf the cluster state uses,
-- keyed and indexed by what lookups need; later versions add columns.
CREATE TABLE messages (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sender_id TEXT NOT NULL,
  client_message_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE conversations (id TEXT PRIMARY KEY, state INTEGER NOT NULL, record BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE visitors (id TEXT PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE agents (id TEXT PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
