package shop.ledger.platform.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.web.util.ContentCachingResponseWrapper;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.DaemonThreads;
import shop.ledger.platform.crypto.MasterKey;
import shop.ledger.platform.db.OwnTransaction;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The stored answers of state-changing requests, per caller and Idempotency-Key (API.md Conventions, v2, Stripe's
 * semantics). Guarded by IdempotencyContractTest.
 * <ul>
 *   <li>A key is remembered for 24 hours: an older record is absent (and deleted), and a purge deletes old ones.</li>
 *   <li>2xx answers are stored in the request's own transaction, with the position it reached; the 4xx answers that
 *   depend only on the request (400, 403, 404, 413, 415, 422) are stored after the rollback, in a transaction of
 *   their own; 409, 429 and 5xx are not stored, so a retry runs afresh.</li>
 *   <li>A request whose key is held by a running request answers at once 409 {@code request-in-progress}: the key
 *   is a transaction-scoped advisory lock taken with a try, so nothing waits on it and a process that dies lets go of
 *   it.</li>
 *   <li>An answer that holds a secret (a token, a TOTP secret) is remembered without its body: a retry with the same
 *   key answers 409 {@code conflict}.</li>
 *   <li>The request's digest is an HMAC under a key derived from the newest master key (so a rotation makes retries
 *   of requests from before it answer 422 for the records' 24 hours: decision 08) (a stored digest of a password
 *   request is no offline oracle for the password), over the method, path and body; for {@code multipart/form-data}
 *   over each part's name, file name and content, not the boundary.</li>
 * </ul>
 */
@Component
public class IdempotencyRecords implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyRecords.class);

    public static final String HEADER = "Idempotency-Key";
    private static final String KEPT_FOR = "24 hours";
    private static final Set<Integer> STORED_REFUSALS = Set.of(400, 403, 404, 413, 415, 422);
    /** Answers that hold secrets: never stored. */
    private static final Set<String> SECRET_ANSWERS = Set.of("/api/auth/token", "/api/me/2fa");
    private static final int PURGE_BATCH = 10_000;

    private final JdbcClient jdbc;
    private final OwnTransaction ownTransaction;
    private final Problems problems;
    private final SecretKey digestKey;
    private final ScheduledExecutorService purger = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("idempotency-purge"));

    public IdempotencyRecords(JdbcClient jdbc, OwnTransaction ownTransaction, Problems problems,
                              MasterKey masterKey) {
        this.jdbc = jdbc;
        this.ownTransaction = ownTransaction;
        this.problems = problems;
        this.digestKey = masterKey.derive("idempotency-request-digest");
        purger.scheduleWithFixedDelay(this::purgeExpired, 1, 10, TimeUnit.MINUTES);
    }

    /** A request's key, scoped to its caller, with the digest of what it asks. */
    public record Claim(String caller, String key, String digest, boolean withholdsAnswer) {
    }

    /** What the key holds when a request with it starts. */
    public sealed interface Found {
    }

    /** Nobody holds the key and no answer is stored: the request runs, holding the key until its transaction ends. */
    public record Free() implements Found {
    }

    /** A request with the key is running now. */
    public record InProgress() implements Found {
    }

    public record Stored(String digest, int status, String contentType, byte[] body, Long position,
                         boolean withheld) implements Found {
    }

    public Claim claimFor(String caller, String key, HttpServletRequest request, RequestBodyGuard.Body body) {
        return new Claim(caller, key, digest(request, body.bytes(), body.multipart()),
                SECRET_ANSWERS.contains(request.getRequestURI()));
    }

    /**
     * In the request's transaction: takes the key if nobody runs with it, then reads what it holds. Two statements,
     * in that order: the read's snapshot is taken after the lock, so it sees the answer of a request that held the
     * key and committed meanwhile (one statement would read with a snapshot from before the lock).
     */
    public Found take(Claim claim) {
        if (!tryLock(jdbc, claim)) {
            return new InProgress();
        }
        record Row(Stored stored, boolean expired) {
        }
        Optional<Row> row = jdbc.sql("""
                        SELECT request_hash, status, content_type, body, ledger_position, answer_withheld,
                               created_at < now() - CAST(? AS interval) AS expired
                        FROM idempotency_record WHERE caller = ? AND idem_key = ?""")
                .params(KEPT_FOR, claim.caller(), claim.key())
                .query((rs, n) -> new Row(new Stored(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBytes(4),
                        rs.getObject(5, Long.class), rs.getBoolean(6)), rs.getBoolean(7)))
                .optional();
        if (row.isEmpty()) {
            return new Free();
        }
        if (!row.get().expired()) {
            return row.get().stored();
        }
        // past its 24 hours the record is absent: deleted in the transaction that takes the key again
        jdbc.sql("DELETE FROM idempotency_record WHERE caller = ? AND idem_key = ?")
            .params(claim.caller(), claim.key()).update();
        return new Free();
    }

    /**
     * In the request's transaction, before it commits: its success and the position it reached; how many rows it
     * wrote (1, unless the work is no longer in the transaction that took the key).
     */
    public int storeSuccess(Claim claim, ContentCachingResponseWrapper response, long position) {
        boolean withheld = claim.withholdsAnswer();
        return jdbc.sql("""
                        INSERT INTO idempotency_record (caller, idem_key, request_hash, status, content_type, body,
                                                        ledger_position, answer_withheld)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                   .params(claim.caller(), claim.key(), claim.digest(), response.getStatus(),
                           withheld ? null : response.getContentType(),
                           withheld ? null : response.getContentAsByteArray(), position, withheld)
                   .update();
    }

    /** Whether a refusal with this status is the key's answer for good (it depends only on the request). */
    public static boolean storesRefusal(int status) {
        return STORED_REFUSALS.contains(status);
    }

    /**
     * After the request's transaction rolled back: its refusal, in a transaction of its own. Skipped when another
     * request took the key meanwhile (its answer is the key's answer then).
     */
    public void storeRefusal(Claim claim, ContentCachingResponseWrapper response) {
        ownTransaction.run(own -> {
            if (tryLock(own, claim)) {
                own.sql("""
                               INSERT INTO idempotency_record (caller, idem_key, request_hash, status, content_type, body)
                               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (caller, idem_key) DO NOTHING""")
                   .params(claim.caller(), claim.key(), claim.digest(), response.getStatus(),
                           response.getContentType(), response.getContentAsByteArray())
                   .update();
            }
        });
    }

    /** The answer to a request whose key holds a stored answer. */
    public void replay(Stored stored, Claim claim, HttpServletResponse response) throws IOException {
        if (!stored.digest().equals(claim.digest())) {
            problems.write(response, ProblemType.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used with a different request");
            return;
        }
        if (stored.withheld()) {
            problems.write(response, ProblemType.CONFLICT,
                    "the answer to this request held a secret and is not kept; send a new request with a new Idempotency-Key");
            return;
        }
        response.setStatus(stored.status());
        if (stored.contentType() != null) {
            response.setContentType(stored.contentType());
        }
        response.setHeader("Idempotent-Replayed", "true");
        if (stored.position() != null) {
            response.setHeader(LedgerPosition.HEADER, Long.toString(stored.position()));
        }
        if (stored.body() != null) {
            response.getOutputStream().write(stored.body());
        }
    }

    /** The answer to a request whose key a running request holds: the client retries it like a lost answer. */
    public void answerInProgress(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", "1");
        problems.write(response, ProblemType.REQUEST_IN_PROGRESS,
                "a request with this Idempotency-Key is still running; retry it in a second");
    }

    /** Deletes records past their 24 hours, in batches; returns how many. */
    public int purgeExpired() {
        int deleted = 0;
        try {
            int batch;
            do {
                batch = jdbc.sql("""
                                DELETE FROM idempotency_record WHERE ctid IN (
                                    SELECT ctid FROM idempotency_record WHERE created_at < now() - CAST(? AS interval)
                                    LIMIT ?)""")
                            .params(KEPT_FOR, PURGE_BATCH).update();
                deleted += batch;
            } while (batch == PURGE_BATCH);
        } catch (RuntimeException e) {
            log.debug("idempotency records not purged this time: {}", e.toString());
        }
        return deleted;
    }

    @Override
    public void destroy() {
        purger.shutdownNow();
    }

    /** The key's advisory lock for the rest of the current transaction, if nobody else holds it. */
    private static boolean tryLock(JdbcClient jdbc, Claim claim) {
        return Boolean.TRUE.equals(jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))")
                                       .param("idempotency " + claim.caller() + " " + claim.key())
                                       .query(Boolean.class).single());
    }

    private String digest(HttpServletRequest request, byte[] body, Optional<MultipartBody> multipart) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(digestKey);
            mac.update((request.getMethod() + " " + request.getRequestURI() + "\n").getBytes(StandardCharsets.UTF_8));
            if (multipart.isPresent()) {
                mac.update("multipart/form-data\n".getBytes(StandardCharsets.UTF_8));
                for (MultipartBody.Part part : multipart.get().parts()) {
                    field(mac, part.name().getBytes(StandardCharsets.UTF_8));
                    String fileName = part.filename();
                    field(mac, fileName == null ? new byte[0] : ("file:" + fileName).getBytes(StandardCharsets.UTF_8));
                    field(mac, part.content());
                }
            } else {
                mac.update(body);
            }
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Length-prefixed, so that no two different part lists digest alike. */
    private static void field(Mac mac, byte[] value) {
        mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(value.length).array());
        mac.update(value);
    }
}
