-- Query-side read models of refund cases (R5, R6), written by the pooled processor "refund-cases" in the
-- same transaction as its tracking token.

-- One row per case. position: global index of its RefundCaseOpened event, stable across replays, which
-- orders the lists newest first and makes their cursors. last_sequence: the case's aggregate sequence of
-- the last event applied, so a redelivered or older event never moves the status back.
-- "overdue for decision" is not stored: it depends on the clock (decision_due_by < now).
CREATE TABLE refund_case_view (
    refund_case_id  UUID        NOT NULL PRIMARY KEY,
    position        BIGINT      NOT NULL UNIQUE,
    order_id        UUID        NOT NULL,
    customer_id     UUID        NOT NULL,
    status          VARCHAR(16) NOT NULL,
    opened_at       TIMESTAMPTZ NOT NULL,
    decision_due_by TIMESTAMPTZ NOT NULL,
    decided_at      TIMESTAMPTZ,
    outcome         VARCHAR(16),
    note            TEXT,
    escalated_at    TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    last_sequence   BIGINT      NOT NULL
);
CREATE INDEX refund_case_view_customer_idx ON refund_case_view (customer_id, position DESC);
CREATE INDEX refund_case_view_status_idx ON refund_case_view (status, position DESC);
-- the staff queue: cases still waiting for a decision, the earliest due first
CREATE INDEX refund_case_view_queue_idx ON refund_case_view (decision_due_by, position)
    WHERE status IN ('OPEN', 'ESCALATED');

-- The order timeline also shows the order's refund cases. Those events belong to another aggregate (and
-- may be handled in another segment of the "orders" processor), so entries are ordered by the global
-- position of their event rather than by the order's sequence. A case entry has no order sequence and no
-- status of its own: it reads as the order's status after the order event before it (a case never
-- changes the order's status). Entries written before this migration have no position; they are older
-- than every entry that has one and keep their order by sequence.
ALTER TABLE order_timeline ADD COLUMN position BIGINT;
ALTER TABLE order_timeline ALTER COLUMN sequence DROP NOT NULL;
ALTER TABLE order_timeline ALTER COLUMN status DROP NOT NULL;
CREATE INDEX order_timeline_position_idx ON order_timeline (order_id, position);
