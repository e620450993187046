-- Idempotency per API.md v2: a replayed success carries its first run's X-Ledger-Position; an answer that held a
-- secret is remembered without its body (a retry with the same key answers 409 conflict); records older than 24
-- hours are absent, and deleted by created_at.
ALTER TABLE idempotency_record ADD COLUMN ledger_position BIGINT;
ALTER TABLE idempotency_record ADD COLUMN answer_withheld BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX idempotency_record_created_at ON idempotency_record (created_at);
