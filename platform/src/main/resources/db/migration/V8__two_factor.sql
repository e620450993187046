-- Second factor (RFC 6238 TOTP) and the login throttle (R9, R11).

-- The TOTP secret is stored only encrypted under the account's data key (KeyVault, R11): erasing the
-- key makes it unreadable too. It is pending until confirmed (totp_enabled). totp_last_step is the last
-- accepted 30-second time step: a code is accepted only for a later step, so no code is used twice.
ALTER TABLE account
    ADD COLUMN totp_secret_encrypted TEXT,
    ADD COLUMN totp_enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN totp_last_step        BIGINT  NOT NULL DEFAULT 0;

-- Failed password and one-time-code attempts (and attempts in flight), per account and per client
-- address, for a sliding-window throttle shared by every instance. Rows older than the window are pruned.
CREATE TABLE auth_failure (
    id        BIGSERIAL    NOT NULL PRIMARY KEY,
    scope     VARCHAR(16)  NOT NULL,
    subject   VARCHAR(128) NOT NULL,
    failed_at TIMESTAMPTZ  NOT NULL
);
CREATE INDEX auth_failure_subject_idx ON auth_failure (scope, subject, failed_at);
CREATE INDEX auth_failure_failed_at_idx ON auth_failure (failed_at);
