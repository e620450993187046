package shop.ledger.command.identity;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.api.common.ProblemType;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The guessing throttle (R9) on a real PostgreSQL: per account, per address, a sliding window, never a lock. */
class LoginThrottleTest {

    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    MutableClock clock = new MutableClock(START);
    LoginThrottle throttle = new LoginThrottle(PooledTestDatabase.ownTransaction(),
            new ThrottleSettings(Duration.ofMinutes(15), 5, 20), clock);
    JdbcClient jdbc = PooledTestDatabase.jdbc();
    String address;

    @BeforeEach
    void freshAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        address = "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(1, 255);
        jdbc.sql("DELETE FROM auth_failure WHERE scope = ? AND subject = ?").params(LoginThrottle.ADDRESS, address).update();
    }

    @Test
    void theSixthAttemptAfterFiveFailuresIsRefusedUntilTheOldestFailureLeavesTheWindow() {
        String account = UUID.randomUUID().toString();
        for (int i = 0; i < 5; i++) {
            throttle.begin(account, address).failed();
            clock.advance(Duration.ofMinutes(1));
        }
        // now = START + 5 min; the oldest failure (START) leaves the window at START + 15 min
        TooManyAttempts refused = refused(() -> throttle.begin(account, address));
        assertThat(refused.problem()).isEqualTo(ProblemType.TOO_MANY_REQUESTS);
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(10));

        // knocking while throttled neither counts nor extends the wait
        for (int i = 0; i < 10; i++) {
            refused(() -> throttle.begin(account, address));
        }
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        assertThat(refused(() -> throttle.begin(account, address)).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        throttle.begin(account, address).failed();
        // five failures in the window again (minutes 1-4 and now): the next waits for the one of minute 1
        assertThat(refused(() -> throttle.begin(account, address)).retryAfter()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void theWindowIsConfigurableAndExpires() {
        LoginThrottle quick = new LoginThrottle(PooledTestDatabase.ownTransaction(),
                new ThrottleSettings(Duration.ofSeconds(2), 2, 100), clock);
        String account = UUID.randomUUID().toString();
        quick.begin(account, address).failed();
        quick.begin(account, address).failed();
        assertThat(refused(() -> quick.begin(account, address)).retryAfter()).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        quick.begin(account, address).close();
    }

    @Test
    void aCorrectLoginClearsTheAccountsFailuresButNotTheAddresss() {
        String account = UUID.randomUUID().toString();
        for (int i = 0; i < 4; i++) {
            throttle.begin(account, address).failed();
        }
        throttle.begin(account, address).succeeded();
        for (int i = 0; i < 5; i++) {
            throttle.begin(account, address).failed();
        }
        refused(() -> throttle.begin(account, address));
        assertThat(count(LoginThrottle.ADDRESS, address)).as("the address keeps every failure").isEqualTo(9);
    }

    @Test
    void anotherAccountFromTheSameAddressIsNotLockedBelowTheAddressLimit() {
        String victim = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        for (int i = 0; i < 5; i++) {
            throttle.begin(victim, address).failed();
        }
        refused(() -> throttle.begin(victim, address));
        throttle.begin(other, address).succeeded();
        // a customer elsewhere is not affected by the address either
        refused(() -> throttle.begin(victim, "192.0.2.7"));
        throttle.begin(UUID.randomUUID().toString(), "192.0.2.7").close();
    }

    @Test
    void anAddressIsRefusedAfterTwentyFailuresOverAnyAccounts() {
        for (int i = 0; i < 20; i++) {
            throttle.begin(UUID.randomUUID().toString(), address).failed();
            clock.advance(Duration.ofSeconds(10));
        }
        TooManyAttempts refused = refused(() -> throttle.begin(UUID.randomUUID().toString(), address));
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(15).minusSeconds(200));
        throttle.begin(UUID.randomUUID().toString(), "10.255.255.254").close();
    }

    @Test
    void attemptsThatAreNeitherFailuresNorLoginsLeaveNoTrace() {
        String account = UUID.randomUUID().toString();
        for (int i = 0; i < 30; i++) {
            try (LoginThrottle.Attempt attempt = throttle.begin(account, address)) {
                assertThat(attempt).isNotNull();
            }
        }
        assertThat(count(LoginThrottle.ACCOUNT, account)).isZero();
        assertThat(count(LoginThrottle.ADDRESS, address)).isZero();
    }

    @Test
    void parallelGuessesCannotSlipPastTheLimitTogether() throws Exception {
        String account = UUID.randomUUID().toString();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<Boolean> guess = () -> {
                    start.await();
                    try {
                        LoginThrottle.Attempt attempt = throttle.begin(account, address);
                        Thread.sleep(50); // the password check
                        attempt.failed();
                        return true;
                    } catch (TooManyAttempts refused) {
                        return false;
                    }
                };
                results.add(pool.submit(guess));
            }
            start.countDown();
            int checked = 0;
            for (Future<Boolean> result : results) {
                checked += result.get() ? 1 : 0;
            }
            // at most the limit: every attempt is written down before it is counted (a burst may even be refused whole)
            assertThat(checked).isLessThanOrEqualTo(5);
            assertThat(count(LoginThrottle.ACCOUNT, account)).isEqualTo(checked);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oldFailuresArePruned() {
        String account = UUID.randomUUID().toString();
        throttle.begin(account, address).failed();
        clock.advance(Duration.ofMinutes(16));
        throttle.prune();
        assertThat(count(LoginThrottle.ACCOUNT, account)).isZero();
    }

    @Test
    void addressesAreCountedAsTheServletGivesThemIPv6PerSlash64() {
        assertThat(LoginThrottle.addressKey("192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(LoginThrottle.addressKey("2001:db8:1:2:aaaa::1"))
                .isEqualTo(LoginThrottle.addressKey("2001:db8:1:2:bbbb::99"))
                .isEqualTo("20010db800010002::/64")
                .isNotEqualTo(LoginThrottle.addressKey("2001:db8:1:3::1"));
        assertThat(LoginThrottle.addressKey("[::1]")).isEqualTo(LoginThrottle.addressKey("0:0:0:0:0:0:0:1"));
        assertThat(LoginThrottle.addressKey("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(LoginThrottle.addressKey(null)).isEqualTo("unknown");
        assertThat(LoginThrottle.addressKey("unix-socket")).isEqualTo("unix-socket");
    }

    private long count(String scope, String subject) {
        return jdbc.sql("SELECT count(*) FROM auth_failure WHERE scope = ? AND subject = ?").params(scope, subject)
                   .query(Long.class).single();
    }

    private static TooManyAttempts refused(Runnable attempt) {
        try {
            attempt.run();
        } catch (TooManyAttempts e) {
            return e;
        }
        throw new AssertionError("the attempt was not refused");
    }
}
