package shop.ledger.command.identity;

import shop.ledger.platform.db.OwnTransaction;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Throttles password and one-time-code guessing (R9) per account and per client address, in a sliding window
 * kept in PostgreSQL ({@code auth_failure}) so that it holds across instances and restarts.
 * <p>
 * An attempt is written down <em>before</em> the password or code is checked, and counted with every attempt
 * still in flight: parallel guesses cannot slip past the limit together. The row stays if the attempt fails,
 * and goes if it succeeds or is refused for another reason. An attempt over either limit is refused with 429
 * before anything is checked (so the answer says nothing about the password), and is not counted itself: a
 * client that keeps knocking does not extend its wait, and the limit lifts as soon as enough failures have
 * left the window. A correct login clears the account's failures, never the address's.
 * <p>
 * The client address is the servlet's remote address. Behind a reverse proxy, set Spring's
 * {@code server.forward-headers-strategy} so that it is the client's and not the proxy's; X-Forwarded-For is
 * never read here. IPv6 addresses count per /64 network, which one client usually holds entirely.
 */
public class LoginThrottle {

    static final String ACCOUNT = "account";
    static final String ADDRESS = "address";
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z._-]+)?");

    /** Every statement commits on its own: a failed attempt counts even though the refused request rolls back. */
    private final OwnTransaction ownTransaction;
    private final ThrottleSettings settings;
    private final Clock clock;
    private final AtomicReference<Instant> lastPrune = new AtomicReference<>(Instant.EPOCH);

    public LoginThrottle(OwnTransaction ownTransaction, ThrottleSettings settings, Clock clock) {
        this.ownTransaction = ownTransaction;
        this.settings = settings;
        this.clock = clock;
    }

    public ThrottleSettings settings() {
        return settings;
    }

    /**
     * Starts an attempt on an account from a client address, or refuses it with {@link TooManyAttempts}.
     *
     * @param account the account id, or for an unknown username a key derived from it (throttled the same way,
     *                so the answers do not tell which usernames exist)
     */
    public Attempt begin(String account, String clientAddress) {
        String accountKey = subject(account);
        String addressKey = addressKey(clientAddress);
        Instant now = clock.instant();
        long accountRow = insert(ACCOUNT, accountKey, now);
        long addressRow = insert(ADDRESS, addressKey, now);
        Instant since = now.minus(settings.window());
        Duration retryAfter = Duration.ZERO;
        if (count(ACCOUNT, accountKey, since) > settings.maxAccountFailures()) {
            retryAfter = retryAfter(ACCOUNT, accountKey, since, settings.maxAccountFailures(), now, accountRow);
        }
        if (count(ADDRESS, addressKey, since) > settings.maxAddressFailures()) {
            retryAfter = max(retryAfter, retryAfter(ADDRESS, addressKey, since, settings.maxAddressFailures(), now,
                    addressRow));
        }
        Attempt attempt = new Attempt(accountKey, accountRow, addressRow);
        if (!retryAfter.isZero()) {
            attempt.close();
            throw new TooManyAttempts(retryAfter);
        }
        return attempt;
    }

    /** Deletes failures that left the window (at most once a minute per instance). */
    public void prune() {
        Instant now = clock.instant();
        Instant last = lastPrune.get();
        if (Duration.between(last, now).compareTo(PRUNE_EVERY) < 0 || !lastPrune.compareAndSet(last, now)) {
            return;
        }
        ownTransaction.run(jdbc -> jdbc.sql("DELETE FROM auth_failure WHERE failed_at <= ?")
                                       .param(Timestamp.from(now.minus(settings.window())))
                                       .update());
    }

    /** One login, confirmation or code check; settle it once, or close it to leave no trace. */
    public final class Attempt implements AutoCloseable {

        private final String accountKey;
        private final long accountRow;
        private final long addressRow;
        private boolean settled;

        private Attempt(String accountKey, long accountRow, long addressRow) {
            this.accountKey = accountKey;
            this.accountRow = accountRow;
            this.addressRow = addressRow;
        }

        /** A wrong password or code: it counts for the account and the address. */
        public void failed() {
            settled = true;
            prune();
        }

        /** A correct login: the account's failures are forgiven, the address's are not. */
        public void succeeded() {
            settled = true;
            ownTransaction.run(jdbc -> jdbc.sql("DELETE FROM auth_failure WHERE id = ? OR (scope = ? AND subject = ?)")
                                           .params(addressRow, ACCOUNT, accountKey)
                                           .update());
        }

        /** Neither a failure nor a login (a correct code, a missing one, a refusal): the attempt leaves no trace. */
        @Override
        public void close() {
            if (!settled) {
                settled = true;
                ownTransaction.run(jdbc -> jdbc.sql("DELETE FROM auth_failure WHERE id IN (?, ?)")
                                               .params(accountRow, addressRow)
                                               .update());
            }
        }
    }

    private long insert(String scope, String subject, Instant at) {
        return ownTransaction.call(jdbc -> jdbc.sql(
                                         "INSERT INTO auth_failure (scope, subject, failed_at) VALUES (?, ?, ?) RETURNING id")
                                                .params(scope, subject, Timestamp.from(at))
                                                .query(Long.class)
                                                .single());
    }

    private long count(String scope, String subject, Instant since) {
        return ownTransaction.call(jdbc -> jdbc.sql(
                                         "SELECT count(*) FROM auth_failure WHERE scope = ? AND subject = ? AND failed_at > ?")
                                                .params(scope, subject, Timestamp.from(since))
                                                .query(Long.class)
                                                .single());
    }

    /**
     * When the attempt would be allowed again: once the {@code limit}-th most recent other failure has left the
     * window, fewer than {@code limit} remain.
     */
    private Duration retryAfter(String scope, String subject, Instant since, int limit, Instant now, long ownRow) {
        Instant limiting = ownTransaction.call(jdbc -> jdbc.sql("""
                                                            SELECT failed_at FROM auth_failure
                                                            WHERE scope = ? AND subject = ? AND failed_at > ? AND id <> ?
                                                            ORDER BY failed_at DESC, id DESC OFFSET ? LIMIT 1""")
                                                   .params(scope, subject, Timestamp.from(since), ownRow, limit - 1)
                                                   .query(Timestamp.class)
                                                   .optional())
                                         .map(Timestamp::toInstant)
                                         .orElse(now);
        Duration wait = Duration.between(now, limiting.plus(settings.window()));
        return wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static String subject(String value) {
        return value.length() <= 128 ? value : value.substring(0, 128);
    }

    /** The client's address as counted: IPv4 as it is, IPv6 by its /64 network. */
    static String addressKey(String remoteAddress) {
        if (remoteAddress == null || remoteAddress.isBlank()) {
            return "unknown";
        }
        String address = remoteAddress.strip();
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches()) {
            return subject(address);
        }
        try {
            // an IPv4 or IPv6 literal: no name lookup happens
            byte[] bytes = InetAddress.getByName(address).getAddress();
            if (bytes.length == 16) {
                return HexFormat.of().formatHex(Arrays.copyOf(bytes, 8)) + "::/64";
            }
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return subject(address);
        }
    }
}
