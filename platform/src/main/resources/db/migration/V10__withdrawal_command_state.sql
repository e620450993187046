-- Command-side record of payouts for reconciliation: which withdrawals are paid and not yet matched to a
-- provider statement. Written in the same transaction as the withdrawal's events.
CREATE TABLE payout_record (
    withdrawal_id UUID        NOT NULL PRIMARY KEY,
    status        VARCHAR(20) NOT NULL,
    amount        BIGINT      NOT NULL,
    currency      CHAR(3)     NOT NULL,
    paid_at       TIMESTAMPTZ,
    reconciled    BOOLEAN     NOT NULL DEFAULT FALSE
);
CREATE INDEX payout_record_unreconciled_idx ON payout_record (status, reconciled, paid_at);
