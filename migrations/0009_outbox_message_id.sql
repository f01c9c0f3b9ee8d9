-- A Message-ID per message, chosen once at enqueue: a message sent again after
-- a crash (the mail server took it, the outbox never heard) carries the same
-- id, so mail clients can recognise the copy. The column holds the unique left
-- part; the sender adds "@<From domain>".
ALTER TABLE outbox ADD COLUMN message_id TEXT;
UPDATE outbox SET message_id = lower(hex(randomblob(16))) WHERE message_id IS NULL;
CREATE UNIQUE INDEX outbox_by_message_id ON outbox (message_id);
