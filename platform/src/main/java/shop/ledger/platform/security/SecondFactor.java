package shop.ledger.platform.security;

import java.util.UUID;

/**
 * The second factor (RFC 6238 TOTP) of an account, as operations that need it see it: withdrawals check
 * the {@code X-OTP} header with it, token issuing checks the {@code otp} field.
 */
public interface SecondFactor {

    enum Check {
        /** The code is right, within one step of drift, and was not used before. */
        ACCEPTED,
        /** The account has no confirmed second factor. */
        NOT_ENABLED,
        /** No code was given, though the account has a second factor. */
        MISSING,
        /** Wrong, too old, or already used. */
        INVALID
    }

    boolean isEnabled(UUID accountId);

    /** Checks and consumes the code (it cannot be used again). Failures count towards the guessing throttle. */
    Check verify(UUID accountId, String code, String clientAddress);
}
