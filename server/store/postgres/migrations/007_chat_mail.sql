-- A chat's transcript mailed on the visitor's request goes through the same
-- outbox: such a mail names its conversation instead of a ticket (counted
-- per chat for the limit, found by the chat on erasure).
ALTER TABLE mail_outbox ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
CREATE INDEX mail_outbox_conversation ON mail_outbox (conversation_id);
