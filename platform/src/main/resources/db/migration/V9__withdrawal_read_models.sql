-- Query-side read models of withdrawals and their reconciliation (R10), written by the pooled processors
-- "withdrawals" and "reconciliations" in the same transaction as their tracking tokens.

-- One row per withdrawal. position: global index of its WithdrawalRequested event, stable across replays, which
-- orders the lists newest first and makes their cursors. last_sequence: the withdrawal's aggregate sequence of
-- the last event applied, so a redelivered or older event never moves the status back.
-- The payout destination is not here at all, not even encrypted (R11): no read of a withdrawal shows it.
CREATE TABLE withdrawal_view (
    withdrawal_id     UUID        NOT NULL PRIMARY KEY,
    position          BIGINT      NOT NULL UNIQUE,
    customer_id       UUID        NOT NULL,
    wallet_id         UUID        NOT NULL,
    amount            BIGINT      NOT NULL,
    currency          CHAR(3)     NOT NULL,
    method            TEXT        NOT NULL,
    status            VARCHAR(16) NOT NULL,
    requested_at      TIMESTAMPTZ NOT NULL,
    payout_reference  TEXT,
    submitted_at      TIMESTAMPTZ,
    paid_at           TIMESTAMPTZ,
    failure_reason    TEXT,
    failed_at         TIMESTAMPTZ,
    reconciled        BOOLEAN     NOT NULL DEFAULT FALSE,
    reconciliation_id UUID,
    reconciled_at     TIMESTAMPTZ,
    last_sequence     BIGINT      NOT NULL
);
CREATE INDEX withdrawal_view_customer_idx ON withdrawal_view (customer_id, position DESC);
CREATE INDEX withdrawal_view_status_idx ON withdrawal_view (status, position DESC);
-- finance's period filter (from/to on requested_at)
CREATE INDEX withdrawal_view_requested_idx ON withdrawal_view (requested_at);
CREATE INDEX withdrawal_view_payout_reference_idx ON withdrawal_view (payout_reference)
    WHERE payout_reference IS NOT NULL;

-- One row per reconciliation run: the ReconciliationCompleted event whole (contents, JSON), with the counts
-- beside it. position: global index of that event.
CREATE TABLE reconciliation_view (
    reconciliation_id         UUID        NOT NULL PRIMARY KEY,
    position                  BIGINT      NOT NULL UNIQUE,
    format                    VARCHAR(16),
    submitted_by              TEXT,
    completed_at              TIMESTAMPTZ NOT NULL,
    statement_lines           INTEGER     NOT NULL,
    matched                   INTEGER     NOT NULL,
    unmatched_statement_lines INTEGER     NOT NULL,
    unmatched_withdrawals     INTEGER     NOT NULL,
    mismatches                INTEGER     NOT NULL,
    contents                  JSONB       NOT NULL
);
CREATE INDEX reconciliation_view_completed_idx ON reconciliation_view (completed_at DESC);
