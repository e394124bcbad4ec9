-- The append-only log of domain events (proto/parley/v1/events.proto), written
-- in the same transaction as the change they describe: the audit trail and the
-- source of reports. Never updated; erasure leaves them (they hold no text).
CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  conversation_id TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  record BYTEA NOT NULL
);
CREATE INDEX events_conversation ON events (conversation_id, id);
CREATE INDEX events_time ON events (at_ms);
