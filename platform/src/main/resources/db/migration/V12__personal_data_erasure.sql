-- Erasure of a customer's personal data (R11). The data key is destroyed (data_key.wrapped_key NULL); the
-- account row keeps its id, username and wallet for the audit trail, and records when it was erased. An
-- erased account cannot log in any more: its password hash and second-factor secret are removed with it.
ALTER TABLE account
    ADD COLUMN erased_at TIMESTAMPTZ;

-- The query side's copy: lets reads tell an erased account apart without asking the key vault.
ALTER TABLE account_view
    ADD COLUMN erased_at TIMESTAMPTZ;
