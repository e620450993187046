package shop.ledger.command.identity;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.SimpleEventBus;
import org.axonframework.eventhandling.gateway.DefaultEventGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.IdentityEvents.TwoFactorEnabled;
import shop.ledger.command.identity.totp.Totp;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.db.OwnTransaction;
import shop.ledger.platform.security.SecondFactor.Check;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Enrolment, confirmation and code checks of the second factor on a real PostgreSQL and key vault. */
class TwoFactorTest {

    static final String ADDRESS = "198.51.100.10";

    final JdbcClient jdbc = PooledTestDatabase.jdbc();
    final KeyVault vault = CommandTestDatabase.vault();
    final OwnTransaction ownTransaction = PooledTestDatabase.ownTransaction();
    final MutableClock clock = new MutableClock(Instant.parse("2031-03-04T05:06:07Z"));
    final List<Object> published = new CopyOnWriteArrayList<>();
    TwoFactor twoFactor;
    UUID account;

    @BeforeEach
    void setUp() {
        SimpleEventBus bus = SimpleEventBus.builder().build();
        bus.subscribe(messages -> messages.stream().map(EventMessage::getPayload).forEach(published::add));
        twoFactor = twoFactor(new ThrottleSettings(Duration.ofMinutes(15), 1_000, 1_000), bus);
        account = account();
        jdbc.sql("DELETE FROM auth_failure WHERE subject = ?").param(ADDRESS).update();
    }

    private TwoFactor twoFactor(ThrottleSettings settings, SimpleEventBus bus) {
        return new TwoFactor(jdbc, ownTransaction, vault, new LoginThrottle(ownTransaction, settings, clock),
                DefaultEventGateway.builder().eventBus(bus).build(), clock);
    }

    private UUID account() {
        UUID id = UUID.randomUUID();
        vault.createKey(id);
        jdbc.sql("""
                     INSERT INTO account (account_id, username, password_hash, encrypted_email, roles)
                     VALUES (?, ?, 'x', ?, 'CUSTOMER')""")
            .params(id, "user-" + id, vault.encrypt(id, id + "@example.com"))
            .update();
        return id;
    }

    private long step() {
        return Totp.step(clock.instant());
    }

    private static String code(String secret, long step) {
        return Totp.code(Totp.fromBase32(secret), step);
    }

    /** Enrols and confirms with the current step's code; answers the secret. */
    private String enabled() {
        String secret = twoFactor.enrol(account).secret();
        twoFactor.confirm(account, code(secret, step()), ADDRESS);
        return secret;
    }

    @Test
    void enrolmentStoresTheSecretEncryptedAndConfirmationTurnsItOn() {
        TwoFactor.Enrolment enrolment = twoFactor.enrol(account);
        assertThat(enrolment.secret()).matches("[A-Z2-7]{32}");
        assertThat(enrolment.otpauthUri()).isEqualTo("otpauth://totp/IMEI%20Shop:user-" + account + "?secret="
                + enrolment.secret() + "&issuer=IMEI%20Shop&algorithm=SHA1&digits=6&period=30");
        String stored = jdbc.sql("SELECT totp_secret_encrypted FROM account WHERE account_id = ?").param(account)
                            .query(String.class).single();
        assertThat(stored).startsWith("v1:").doesNotContain(enrolment.secret());
        assertThat(vault.decrypt(account, stored)).contains(enrolment.secret());

        assertThat(twoFactor.isEnabled(account)).as("pending until confirmed").isFalse();
        assertThat(twoFactor.verify(account, code(enrolment.secret(), step()), ADDRESS)).isEqualTo(Check.NOT_ENABLED);
        assertProblem(() -> twoFactor.confirm(account, code(enrolment.secret(), step() - 2), ADDRESS),
                ProblemType.INVALID_OTP);
        assertProblem(() -> twoFactor.confirm(account, "12345", ADDRESS), ProblemType.INVALID_OTP);
        assertThat(published).isEmpty();

        twoFactor.confirm(account, code(enrolment.secret(), step()), ADDRESS);
        assertThat(twoFactor.isEnabled(account)).isTrue();
        assertThat(published).containsExactly(new TwoFactorEnabled(account));
        assertProblem(() -> twoFactor.enrol(account), ProblemType.CONFLICT);
        assertProblem(() -> twoFactor.confirm(account, code(enrolment.secret(), step() + 1), ADDRESS),
                ProblemType.CONFLICT);
        assertThat(published).hasSize(1);
    }

    @Test
    void confirmingNeedsAPendingEnrolmentAndANewOneReplacesIt() {
        assertProblem(() -> twoFactor.confirm(account, "123456", ADDRESS), ProblemType.CONFLICT);
        String first = twoFactor.enrol(account).secret();
        String second = twoFactor.enrol(account).secret();
        assertThat(second).isNotEqualTo(first);
        assertProblem(() -> twoFactor.confirm(account, code(first, step()), ADDRESS), ProblemType.INVALID_OTP);
        twoFactor.confirm(account, code(second, step()), ADDRESS);
        assertThat(twoFactor.isEnabled(account)).isTrue();
    }

    @Test
    void oneStepOfDriftEitherWayIsAcceptedTwoAreRefused() {
        String secret = enabled();
        long confirmed = step();
        clock.advance(Duration.ofMinutes(5));
        long now = step();
        assertThat(now).isEqualTo(confirmed + 10);
        assertThat(twoFactor.verify(account, code(secret, now - 2), ADDRESS)).isEqualTo(Check.INVALID);
        assertThat(twoFactor.verify(account, code(secret, now + 2), ADDRESS)).isEqualTo(Check.INVALID);
        assertThat(twoFactor.verify(account, code(secret, now - 1), ADDRESS)).isEqualTo(Check.ACCEPTED);
        assertThat(twoFactor.verify(account, code(secret, now), ADDRESS)).isEqualTo(Check.ACCEPTED);
        assertThat(twoFactor.verify(account, code(secret, now + 1), ADDRESS)).isEqualTo(Check.ACCEPTED);
        assertThat(twoFactor.verify(account, null, ADDRESS)).isEqualTo(Check.MISSING);
        assertThat(twoFactor.verify(account, " ", ADDRESS)).isEqualTo(Check.MISSING);
        assertThat(twoFactor.verify(UUID.randomUUID(), "123456", ADDRESS)).isEqualTo(Check.NOT_ENABLED);
    }

    @Test
    void aCodeIsAcceptedOnceAndNoEarlierCodeAfterIt() {
        String secret = enabled();
        assertThat(twoFactor.verify(account, code(secret, step()), ADDRESS))
                .as("the confirmation used the current step").isEqualTo(Check.INVALID);
        clock.advance(Duration.ofSeconds(30));
        String current = code(secret, step());
        assertThat(twoFactor.verify(account, current, ADDRESS)).isEqualTo(Check.ACCEPTED);
        assertThat(twoFactor.verify(account, current, ADDRESS)).as("replay").isEqualTo(Check.INVALID);
        assertThat(twoFactor.check(account, current)).as("replay, without the throttle").isEqualTo(Check.INVALID);
        assertThat(twoFactor.verify(account, code(secret, step() + 1), ADDRESS)).isEqualTo(Check.ACCEPTED);
        assertThat(twoFactor.verify(account, code(secret, step()), ADDRESS))
                .as("a step before the last accepted one").isEqualTo(Check.INVALID);
        assertThat(jdbc.sql("SELECT totp_last_step FROM account WHERE account_id = ?").param(account)
                       .query(Long.class).single()).isEqualTo(step() + 1);
    }

    @Test
    void twoConcurrentUsesOfOneCodeNeverBothPass() throws Exception {
        String secret = enabled();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 25; round++) {
                clock.advance(Duration.ofSeconds(30));
                String current = code(secret, step());
                CountDownLatch start = new CountDownLatch(1);
                Future<Check> a = pool.submit(() -> {
                    start.await();
                    return twoFactor.verify(account, current, ADDRESS);
                });
                Future<Check> b = pool.submit(() -> {
                    start.await();
                    return twoFactor.verify(account, current, ADDRESS);
                });
                start.countDown();
                assertThat(List.of(a.get(), b.get())).as("round " + round)
                                                     .containsExactlyInAnyOrder(Check.ACCEPTED, Check.INVALID);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void codeGuessingIsThrottledPerAccount() {
        twoFactor = twoFactor(ThrottleSettings.defaults(), SimpleEventBus.builder().build());
        String secret = enabled();
        clock.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
            assertThat(twoFactor.verify(account, wrong(secret), ADDRESS)).isEqualTo(Check.INVALID);
        }
        String right = code(secret, step());
        assertThatThrownBy(() -> twoFactor.verify(account, right, ADDRESS)).isInstanceOf(TooManyAttempts.class);
        // from elsewhere too: the account's budget is spent
        assertThatThrownBy(() -> twoFactor.verify(account, right, "203.0.113.9")).isInstanceOf(TooManyAttempts.class);
        clock.advance(Duration.ofMinutes(15));
        assertThat(twoFactor.verify(account, code(secret, step()), ADDRESS)).isEqualTo(Check.ACCEPTED);
    }

    @Test
    void confirmationGuessingIsThrottledToo() {
        twoFactor = twoFactor(ThrottleSettings.defaults(), SimpleEventBus.builder().build());
        String secret = twoFactor.enrol(account).secret();
        for (int i = 0; i < 5; i++) {
            assertProblem(() -> twoFactor.confirm(account, wrong(secret), ADDRESS), ProblemType.INVALID_OTP);
        }
        assertThatThrownBy(() -> twoFactor.confirm(account, code(secret, step()), ADDRESS))
                .isInstanceOf(TooManyAttempts.class)
                .satisfies(e -> assertThat(((RuleViolation) e).problem()).isEqualTo(ProblemType.TOO_MANY_REQUESTS));
        assertThat(twoFactor.isEnabled(account)).isFalse();
    }

    @Test
    void anErasedAccountsCodesAreNeverAccepted() {
        String secret = enabled();
        vault.erase(account);
        clock.advance(Duration.ofSeconds(30));
        assertThat(twoFactor.verify(account, code(secret, step()), ADDRESS)).isEqualTo(Check.INVALID);
    }

    /** A code that is none of the three acceptable ones. */
    private String wrong(String secret) {
        long now = step();
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!code.equals(code(secret, now - 1)) && !code.equals(code(secret, now)) && !code.equals(code(secret, now + 1))) {
                return code;
            }
        }
    }

    private static void assertProblem(Runnable action, ProblemType expected) {
        assertThatThrownBy(action::run).isInstanceOf(RuleViolation.class)
                                       .satisfies(e -> assertThat(((RuleViolation) e).problem()).isEqualTo(expected));
    }
}
