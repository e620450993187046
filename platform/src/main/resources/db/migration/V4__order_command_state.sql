-- Command-side state of orders and the catalogue that set-based rules need.

-- A service code names one service (the 742 request is found by its code).
CREATE TABLE catalogue_code (
    code       VARCHAR(32) NOT NULL PRIMARY KEY,
    service_id UUID        NOT NULL UNIQUE
);

-- Open orders per customer, service and IMEI: the same IMEI and service may not be open twice (duplicate-order).
-- The IMEI appears only as an HMAC under the customer's data key, never in clear (R11).
CREATE TABLE open_order (
    customer_id      UUID        NOT NULL,
    service_id       UUID        NOT NULL,
    imei_fingerprint VARCHAR(64) NOT NULL,
    order_id         UUID        NOT NULL UNIQUE,
    PRIMARY KEY (customer_id, service_id, imei_fingerprint)
);

-- Every call that may place an order at a supplier, claimed and committed before the call is made.
-- The placement protocol has no idempotency key: a claimed attempt without a recorded outcome (the process
-- died mid-call) is never repeated, the order goes to staff instead.
CREATE TABLE supplier_call (
    order_id   UUID        NOT NULL,
    attempt    INTEGER     NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, attempt)
);
