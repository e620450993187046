-- A withdrawal the payout provider keeps refusing (WithdrawalNeedsAttention) is flagged in the read model, so
-- finance finds it (GET /api/finance/withdrawals?needsAttention=true); the flag clears when it is paid or fails.
ALTER TABLE withdrawal_view ADD COLUMN needs_attention BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX withdrawal_view_needs_attention_idx ON withdrawal_view (position DESC) WHERE needs_attention;
