-- Arrival order of novel conversations, so that the one instance running detection can read what
-- every instance stored since it last looked (event times arrive out of order across partitions).
ALTER TABLE novel_conversations ADD COLUMN seq bigserial;
CREATE INDEX novel_conversations_seq ON novel_conversations (seq);
