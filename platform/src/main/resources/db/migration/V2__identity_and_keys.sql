-- Command-side state that is not event-sourced, and the key vault both sides read.

-- One data key per customer (and staff account), wrapped with the master key (AES-GCM).
-- Erasure (R11) sets wrapped_key to NULL: every ciphertext made with it becomes unreadable.
CREATE TABLE data_key (
    owner_id     UUID        NOT NULL PRIMARY KEY,
    wrapped_key  BYTEA,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    destroyed_at TIMESTAMPTZ
);

-- Credentials. The email is only stored encrypted under the owner's data key.
CREATE TABLE account (
    account_id      UUID         NOT NULL PRIMARY KEY,
    username        VARCHAR(64)  NOT NULL UNIQUE,
    password_hash   VARCHAR(255) NOT NULL,
    encrypted_email TEXT         NOT NULL,
    roles           VARCHAR(255) NOT NULL,
    wallet_id       UUID,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Stored answers of state-changing requests, per caller and Idempotency-Key. Written in the same
-- transaction as the events the request caused: a request is either applied with its answer, or not at all.
CREATE TABLE idempotency_record (
    caller        VARCHAR(128) NOT NULL,
    idem_key      VARCHAR(255) NOT NULL,
    request_hash  VARCHAR(64)  NOT NULL,
    status        INTEGER      NOT NULL,
    content_type  VARCHAR(255),
    body          BYTEA,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, idem_key)
);

-- Set-based validation for deposits: a payment provider's reference credits at most once.
CREATE TABLE deposit_reference (
    provider_reference VARCHAR(255) NOT NULL PRIMARY KEY,
    wallet_id          UUID         NOT NULL,
    deposit_id         UUID         NOT NULL,
    amount             BIGINT       NOT NULL,
    currency           CHAR(3)      NOT NULL
);
