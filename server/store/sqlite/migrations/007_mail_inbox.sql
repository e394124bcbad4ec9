-- E-mail in (server/mail/inbound): every mail the listener accepted, raw,
-- stored before it answered 250, with what became of it (the ticket it went
-- to, or why it was not put on one: an auto-reply or a bounce). The raw
-- message is the record: its attachments are read from it.
CREATE TABLE mail_inbox (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  received_ms INTEGER NOT NULL,
  ticket_id TEXT NOT NULL,
  disposition TEXT NOT NULL,
  raw BLOB NOT NULL
);
CREATE INDEX mail_inbox_ticket ON mail_inbox (ticket_id);
