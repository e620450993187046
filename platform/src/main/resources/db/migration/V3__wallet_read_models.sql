-- Query-side read models of the Wallet, written by pooled streaming processors in the same
-- transaction as their tracking tokens (exactly-once).

CREATE TABLE account_view (
    account_id      UUID         NOT NULL PRIMARY KEY,
    username        VARCHAR(64)  NOT NULL,
    encrypted_email TEXT         NOT NULL,
    roles           VARCHAR(255) NOT NULL,
    wallet_id       UUID,
    two_factor      BOOLEAN      NOT NULL DEFAULT FALSE
);

CREATE TABLE wallet_view (
    wallet_id     UUID    NOT NULL PRIMARY KEY,
    customer_id   UUID    NOT NULL UNIQUE,
    currency      CHAR(3) NOT NULL,
    available     BIGINT  NOT NULL,
    held          BIGINT  NOT NULL,
    last_sequence BIGINT  NOT NULL
);

CREATE TABLE statement_line (
    line_id          UUID         NOT NULL PRIMARY KEY,
    wallet_id        UUID         NOT NULL,
    sequence         BIGINT       NOT NULL,
    occurred_at      TIMESTAMPTZ  NOT NULL,
    kind             VARCHAR(16)  NOT NULL,
    amount           BIGINT       NOT NULL,
    available_change BIGINT       NOT NULL,
    held_change      BIGINT       NOT NULL,
    available_after  BIGINT       NOT NULL,
    held_after       BIGINT       NOT NULL,
    order_id         UUID,
    withdrawal_id    UUID,
    refund_case_id   UUID,
    deposit_id       UUID,
    reason           VARCHAR(500),
    UNIQUE (wallet_id, sequence)
);

-- Double-entry journal: every movement posts equal debits and credits (debit positive, credit negative)
-- between the ledger's accounts, so the postings of each currency always sum to zero.
CREATE TABLE journal_posting (
    event_id   VARCHAR(255) NOT NULL,
    leg        SMALLINT     NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    account    VARCHAR(64)  NOT NULL,
    wallet_id  UUID,
    currency   CHAR(3)      NOT NULL,
    amount     BIGINT       NOT NULL,
    PRIMARY KEY (event_id, leg)
);
CREATE INDEX journal_posting_currency_idx ON journal_posting (currency, account);
