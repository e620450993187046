package shop.ledger.command.identity;

import org.axonframework.eventhandling.gateway.EventGateway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.IdentityEvents.TwoFactorEnabled;
import shop.ledger.command.identity.totp.Totp;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.db.OwnTransaction;
import shop.ledger.platform.security.SecondFactor;

import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The second factor of customer and staff accounts: RFC 6238 TOTP (SHA1, 6 digits, 30 s).
 * <ul>
 *   <li>Enrolment generates a 20-byte secret and stores it only encrypted under the account's data key (R11);
 *   it is pending until a code made from it is confirmed, and a new enrolment replaces a pending one.</li>
 *   <li>A code is accepted for the current step and one step either way, and only for a step later than the last
 *   accepted one: the update {@code WHERE totp_last_step < step} lets exactly one of two concurrent uses of a
 *   code pass, and it commits on its own, so an accepted code is spent even if the request then fails.</li>
 *   <li>Every code check goes through the {@link LoginThrottle}, shared with password checks (R9).</li>
 * </ul>
 */
public class TwoFactor implements SecondFactor {

    /** Steps of clock drift accepted either way. */
    static final int DRIFT = 1;

    public record Enrolment(String secret, String otpauthUri) {
        @Override
        public String toString() {
            return "Enrolment[secret=(hidden), otpauthUri=(hidden)]";
        }
    }

    private record State(String username, String sealedSecret, boolean enabled, long lastStep) {
    }

    private final JdbcClient jdbc;
    /** The spent code's step commits on its own: it stays spent whatever the request does afterwards. */
    private final OwnTransaction ownTransaction;
    private final KeyVault vault;
    private final LoginThrottle throttle;
    private final EventGateway events;
    private final Clock clock;

    public TwoFactor(JdbcClient jdbc, OwnTransaction ownTransaction, KeyVault vault, LoginThrottle throttle,
                     EventGateway events, Clock clock) {
        this.jdbc = jdbc;
        this.ownTransaction = ownTransaction;
        this.vault = vault;
        this.throttle = throttle;
        this.events = events;
        this.clock = clock;
    }

    /** Starts (or restarts) enrolment; 409 once the second factor is on. */
    @Transactional
    public Enrolment enrol(UUID accountId) {
        State state = state(accountId).orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such account"));
        if (state.enabled()) {
            throw new RuleViolation(ProblemType.CONFLICT, "two-factor authentication is already on");
        }
        if (vault.isErased(accountId)) {
            throw new RuleViolation(ProblemType.CONFLICT, "this account's personal data was erased");
        }
        String secret = Totp.base32(Totp.newSecret());
        int updated = jdbc.sql("UPDATE account SET totp_secret_encrypted = ? WHERE account_id = ? AND NOT totp_enabled")
                          .params(vault.encrypt(accountId, secret), accountId)
                          .update();
        if (updated == 0) {
            throw new RuleViolation(ProblemType.CONFLICT, "two-factor authentication is already on");
        }
        return new Enrolment(secret, Totp.otpauthUri(state.username(), secret));
    }

    /**
     * Turns the second factor on with a code made from the pending secret; publishes {@link TwoFactorEnabled} in
     * the same transaction. A wrong code is a failed attempt for the throttle.
     */
    @Transactional
    public void confirm(UUID accountId, String code, String clientAddress) {
        State state = state(accountId).orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such account"));
        if (state.enabled()) {
            throw new RuleViolation(ProblemType.CONFLICT, "two-factor authentication is already on");
        }
        if (state.sealedSecret() == null) {
            throw new RuleViolation(ProblemType.CONFLICT, "no enrolment is pending: start one with POST /api/me/2fa");
        }
        try (LoginThrottle.Attempt attempt = throttle.begin(accountId.toString(), clientAddress)) {
            OptionalLong step = match(accountId, state, code);
            if (step.isEmpty()) {
                attempt.failed();
                throw new RuleViolation(ProblemType.INVALID_OTP, "the code is wrong or expired");
            }
            int updated = jdbc.sql("""
                                       UPDATE account SET totp_enabled = TRUE, totp_last_step = ?
                                       WHERE account_id = ? AND NOT totp_enabled AND totp_secret_encrypted = ?
                                         AND totp_last_step < ?""")
                              .params(step.getAsLong(), accountId, state.sealedSecret(), step.getAsLong())
                              .update();
            if (updated == 0) {
                throw new RuleViolation(ProblemType.CONFLICT,
                        "a concurrent enrolment or confirmation came first; check /api/me or enrol again");
            }
            events.publish(new TwoFactorEnabled(accountId));
        }
    }

    @Override
    public boolean isEnabled(UUID accountId) {
        return state(accountId).map(State::enabled).orElse(false);
    }

    @Override
    public Check verify(UUID accountId, String code, String clientAddress) {
        if (!isEnabled(accountId)) {
            return Check.NOT_ENABLED;
        }
        if (code == null || code.isBlank()) {
            return Check.MISSING;
        }
        try (LoginThrottle.Attempt attempt = throttle.begin(accountId.toString(), clientAddress)) {
            Check check = check(accountId, code);
            if (check == Check.INVALID) {
                attempt.failed();
            }
            return check;
        }
    }

    /** Checks and consumes a code without the throttle: for callers that hold an attempt of their own. */
    public Check check(UUID accountId, String code) {
        Optional<State> found = state(accountId);
        if (found.isEmpty() || !found.get().enabled()) {
            return Check.NOT_ENABLED;
        }
        if (code == null || code.isBlank()) {
            return Check.MISSING;
        }
        OptionalLong step = match(accountId, found.get(), code);
        if (step.isEmpty()) {
            return Check.INVALID;
        }
        int consumed = ownTransaction.call(own -> own.sql("""
                                                              UPDATE account SET totp_last_step = ?
                                                              WHERE account_id = ? AND totp_enabled AND totp_last_step < ?""")
                                                     .params(step.getAsLong(), accountId, step.getAsLong())
                                                     .update());
        return consumed == 1 ? Check.ACCEPTED : Check.INVALID;
    }

    private OptionalLong match(UUID accountId, State state, String code) {
        if (state.sealedSecret() == null) {
            return OptionalLong.empty();
        }
        Optional<String> secret = vault.decrypt(accountId, state.sealedSecret());
        if (secret.isEmpty()) {
            // the data key was erased: no code can be checked any more
            return OptionalLong.empty();
        }
        return Totp.match(Totp.fromBase32(secret.get()), Totp.normalise(code), Totp.step(clock.instant()), DRIFT,
                state.lastStep());
    }

    private Optional<State> state(UUID accountId) {
        return jdbc.sql("""
                            SELECT username, totp_secret_encrypted, totp_enabled, totp_last_step
                            FROM account WHERE account_id = ?""")
                   .param(accountId)
                   .query((rs, n) -> new State(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4)))
                   .optional();
    }
}
