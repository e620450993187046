-- Keys that cannot be lost silently (decision 08). A check value per master key: HMAC-SHA256 under the key of a
-- fixed text, which proves a configured key is the one the data keys were wrapped with and reveals nothing of it.
-- The start refuses a missing or different key while wrapped data keys or a check value exist (MasterKeyCheckTest).
CREATE TABLE master_key_check (
    key_id      TEXT        NOT NULL PRIMARY KEY,
    check_value BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Which master key wrapped each data key, so that several can be configured during a rotation. Every key so far
-- was wrapped by the only one there was: ledger.master-key or the key file, whose id is 'default'.
ALTER TABLE data_key ADD COLUMN master_key_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE data_key ALTER COLUMN master_key_id DROP DEFAULT;
-- the rotation tool walks the rows still wrapped by an older key
CREATE INDEX data_key_master_key_id ON data_key (master_key_id) WHERE wrapped_key IS NOT NULL;
