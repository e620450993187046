-- Query-side read models of the catalogue and the orders, written by pooled streaming processors in the
-- same transaction as their tracking tokens (exactly-once). Personal data stays encrypted here (R11).

-- The service catalogue. The supplier mapping is kept for staff only; customers never see it.
-- position: global index of the event that last defined the service, so a late or repeated
-- delivery of an older definition never overwrites a newer one.
CREATE TABLE catalogue_view (
    service_id             UUID         NOT NULL PRIMARY KEY,
    code                   VARCHAR(64)  NOT NULL,
    name                   VARCHAR(255) NOT NULL,
    kind                   VARCHAR(16)  NOT NULL,
    price_amount           BIGINT       NOT NULL,
    currency               CHAR(3)      NOT NULL,
    delivery_min           VARCHAR(64),
    delivery_max           VARCHAR(64),
    requires_imei          BOOLEAN      NOT NULL,
    requires_model         BOOLEAN      NOT NULL,
    requires_network       BOOLEAN      NOT NULL,
    requires_serial_number BOOLEAN      NOT NULL,
    active                 BOOLEAN      NOT NULL,
    supplier               VARCHAR(255),
    supplier_service_id    VARCHAR(255),
    position               BIGINT       NOT NULL
);

-- One row per order. position: global index of its OrderPlaced event, stable across replays, which
-- orders the lists newest first and makes their cursors. last_sequence: the aggregate sequence of the
-- last event applied, so a redelivered or older event never moves the status back.
-- "overdue" is not stored: it depends on the clock (status IN_PROCESS and estimated_by < now()).
CREATE TABLE order_view (
    order_id         UUID         NOT NULL PRIMARY KEY,
    position         BIGINT       NOT NULL UNIQUE,
    customer_id      UUID         NOT NULL,
    wallet_id        UUID         NOT NULL,
    service_id       UUID         NOT NULL,
    service_name     VARCHAR(255) NOT NULL,
    encrypted_imei   TEXT         NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    price_amount     BIGINT       NOT NULL,
    currency         CHAR(3)      NOT NULL,
    placed_at        TIMESTAMPTZ  NOT NULL,
    submitted_at     TIMESTAMPTZ,
    estimated_by     TIMESTAMPTZ,
    completed_at     TIMESTAMPTZ,
    encrypted_result TEXT,
    rejection_reason TEXT,
    last_sequence    BIGINT       NOT NULL
);
CREATE INDEX order_view_customer_idx ON order_view (customer_id, position DESC);
CREATE INDEX order_view_status_idx ON order_view (status, position DESC);
-- the staff queue of overdue orders
CREATE INDEX order_view_in_process_idx ON order_view (estimated_by) WHERE status = 'IN_PROCESS';

-- What happened to an order, one row per event (keyed by event id: a redelivery adds nothing).
CREATE TABLE order_timeline (
    event_id    VARCHAR(255) NOT NULL PRIMARY KEY,
    order_id    UUID         NOT NULL,
    sequence    BIGINT       NOT NULL,
    occurred_at TIMESTAMPTZ  NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    note        TEXT         NOT NULL
);
CREATE INDEX order_timeline_order_idx ON order_timeline (order_id, sequence);
