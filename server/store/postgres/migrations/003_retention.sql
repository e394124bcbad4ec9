-- What retention, legal hold and per-customer export need as columns (the
-- record blob stays the source of truth; the writer keeps these in step).
-- legal_hold is set only by staff and never by the chat core's writes.
ALTER TABLE conversations ADD COLUMN closed_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN customer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN visitor_id TEXT NOT NULL DEFAULT '';
CREATE INDEX conversations_closed ON conversations (state, closed_ms);
CREATE INDEX conversations_customer ON conversations (customer_id);
CREATE INDEX conversations_visitor ON conversations (visitor_id);
