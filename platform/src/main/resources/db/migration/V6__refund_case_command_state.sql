-- Command-side state of refund cases that set-based rules need.

-- One open case per order (refund-case-open), held until the case is decided or closed.
CREATE TABLE open_refund_case (
    order_id       UUID NOT NULL PRIMARY KEY,
    refund_case_id UUID NOT NULL UNIQUE
);

-- Verification requests opened, for the per-customer daily limit (R9).
CREATE TABLE refund_request_log (
    refund_case_id UUID        NOT NULL PRIMARY KEY,
    customer_id    UUID        NOT NULL,
    requested_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX refund_request_log_customer_idx ON refund_request_log (customer_id, requested_at);
