-- Tickets (server/tickets): one protobuf record each, with the columns the
-- inbox filters and sorts by beside it (the record stays the source of truth).
CREATE TABLE tickets (
  id TEXT PRIMARY KEY,
  number BIGINT NOT NULL UNIQUE,
  status INT NOT NULL,
  due_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  requester_email TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  visitor_id TEXT NOT NULL,
  record BYTEA NOT NULL
);
CREATE INDEX tickets_status_due ON tickets (status, due_ms);
CREATE INDEX tickets_requester ON tickets (requester_email, status);
CREATE INDEX tickets_customer ON tickets (customer_id);
CREATE INDEX tickets_visitor ON tickets (visitor_id);
-- A ticket's thread, numbered from 1.
CREATE TABLE ticket_messages (
  ticket_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  record BYTEA NOT NULL,
  PRIMARY KEY (ticket_id, seq)
);
-- The transactional outbox (server/mail): written in the transaction of the
-- reply it carries; the mailer claims due rows for a lease and records the outcome.
CREATE TABLE mail_outbox (
  id TEXT PRIMARY KEY,
  ticket_id TEXT NOT NULL,
  status INT NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  lease_until_ms BIGINT NOT NULL,
  record BYTEA NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_ms);
CREATE INDEX mail_outbox_ticket ON mail_outbox (ticket_id);
