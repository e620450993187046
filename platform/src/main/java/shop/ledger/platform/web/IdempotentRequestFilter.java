package shop.ledger.platform.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.axonframework.common.caching.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.axon.RequestMetaData;
import shop.ledger.platform.security.Caller;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Makes every state-changing API request one database transaction, together with its stored answer.
 * <ul>
 *   <li>The request's events, projections written in-line and its Idempotency-Key record commit together;
 *   a refused (4xx) or failed (5xx) request rolls everything back, so it changes nothing.</li>
 *   <li>The same key with the same body replays the first answer (same status, same body); with another
 *   body it answers 422 {@code idempotency-key-reused}. A concurrent duplicate waits on the key's row
 *   and then replays. A process that dies before the commit leaves nothing: the retry runs afresh.</li>
 *   <li>Bodies are limited in size (413 above the limit); JSON text the database cannot keep (NUL, unpaired
 *   surrogates) is refused before anything runs.</li>
 * </ul>
 * Commands run on the request thread through Axon's local command bus and join this transaction.
 * <p>
 * A success is answered only after this request's own transaction committed: when the commit fails (the
 * connection lost during COMMIT, a failure raised at commit time) the outcome is unknown to the ledger, so the
 * answer is 503 and the client retries with the same key (a replay if it did commit, a fresh run if not); the
 * cached success is never sent and never stored. Work that something ended underneath the request (its
 * transaction marked rollback-only, or replaced by another one on the same connection) is not acknowledged either.
 */
@Component
public class IdempotentRequestFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(IdempotentRequestFilter.class);

    public static final String HEADER = "Idempotency-Key";
    static final int MAX_BODY_BYTES = 1 << 20;
    /** Provider statements are larger than any other request: a day of payouts fits well. */
    static final int MAX_STATEMENT_BYTES = 16 << 20;
    private static final String STATEMENTS = "/api/finance/reconciliations";
    private static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");
    /** Answers that hold secrets are never stored. */
    private static final Set<String> NOT_STORED = Set.of("/api/auth/token", "/api/me/2fa");

    private final PlatformTransactionManager transactions;
    private final JdbcClient jdbc;
    private final Problems problems;
    private final ObjectProvider<Cache> aggregateCaches;

    public IdempotentRequestFilter(PlatformTransactionManager transactions, JdbcClient jdbc, Problems problems,
                                   ObjectProvider<Cache> aggregateCaches) {
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.problems = problems;
        this.aggregateCaches = aggregateCaches;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !STATE_CHANGING.contains(request.getMethod()) || !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader(RequestMetaData.CORRELATION_HEADER, RequestMetaData.correlationId(request));
        int limit = STATEMENTS.equals(request.getRequestURI()) ? MAX_STATEMENT_BYTES : MAX_BODY_BYTES;
        byte[] body = readLimited(request.getInputStream(), limit);
        if (body == null) {
            problems.write(response, ProblemType.PAYLOAD_TOO_LARGE, "request bodies are limited to " + limit + " bytes");
            return;
        }
        String contentType = request.getContentType();
        if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("json")
                && JsonText.holdsUnstorableText(body)) {
            problems.write(response, ProblemType.VALIDATION_FAILED,
                    "text may not contain the character U+0000 or an unpaired surrogate");
            return;
        }
        String key = request.getHeader(HEADER);
        if (key != null && (key.isBlank() || key.length() > 255)) {
            problems.write(response, ProblemType.VALIDATION_FAILED, "Idempotency-Key must be 1 to 255 characters");
            return;
        }
        boolean stored = key != null && !NOT_STORED.contains(request.getRequestURI());
        String caller = callerScope();
        String hash = hash(request, body);

        CachedBodyRequest wrappedRequest = new CachedBodyRequest(request, body);
        ContentCachingResponseWrapper wrappedResponse = new ContentCachingResponseWrapper(response);
        TransactionStatus tx;
        try {
            tx = transactions.getTransaction(new DefaultTransactionDefinition());
        } catch (RuntimeException e) {
            // no connection within the pool's timeout (the database is away, or every connection is busy under
            // load): nothing began, so the client may simply retry; never a bare 500
            if (DatabaseFailures.isDatabaseUnavailable(e)) {
                problems.write(response, ProblemType.SERVICE_UNAVAILABLE, "the ledger's database is unavailable or busy; retry later");
                return;
            }
            throw e;
        }
        try {
            Long transactionId;
            if (stored) {
                Optional<Long> claimed = claim(caller, key, hash);
                if (claimed.isEmpty()) {
                    transactions.rollback(tx);
                    replay(caller, key, hash, response);
                    return;
                }
                transactionId = claimed.get();
            } else {
                transactionId = transactionId();
            }
            chain.doFilter(wrappedRequest, wrappedResponse);
            int status = wrappedResponse.getStatus();
            if (status < 400) {
                acknowledgeOnlyOwnWork(tx, transactionId, stored ? () -> record(caller, key, wrappedResponse) : () -> 1);
                commit(tx);
            } else {
                rollback(tx);
                if (stored && status < 500) {
                    recordRefusal(caller, key, hash, wrappedResponse);
                }
            }
        } catch (CommitOutcomeUnknown e) {
            // nothing is answered as done unless it was: the retry with the same key finds out which
            log.warn("commit failed, outcome unknown ({}): answering 503", e.getCause().toString());
            wrappedResponse.resetBuffer();
            problems.write(wrappedResponse, ProblemType.SERVICE_UNAVAILABLE,
                    "the ledger could not confirm that this request was stored; retry it with the same Idempotency-Key");
        } catch (WorkNotInTransaction e) {
            rollback(tx);
            log.error("a successful request is not acknowledged: {}", e.getMessage());
            wrappedResponse.resetBuffer();
            problems.write(wrappedResponse, ProblemType.INTERNAL_ERROR,
                    "the request's work could not be stored as one transaction; nothing changed, retry it");
        } catch (RuntimeException | ServletException | IOException | Error e) {
            rollback(tx);
            // whatever the handler wrote (a success, if the failure came after it) must not reach the client
            wrappedResponse.resetBuffer();
            if (DatabaseFailures.isDatabaseUnavailable(e)) {
                problems.write(wrappedResponse, ProblemType.SERVICE_UNAVAILABLE, "the ledger's database is unavailable; retry later");
            } else {
                throw e;
            }
        } finally {
            wrappedResponse.copyBodyToResponse();
        }
    }

    /**
     * Before a success is committed and stored: the request's work must still be in the transaction this filter
     * began. A transaction marked rollback-only, a stored answer whose claim is gone, or another transaction id on
     * the connection (something committed or rolled back the connection underneath, e.g. a unit of work of the
     * framework ending it directly) would commit only part of the work, or none, behind a success.
     */
    private void acknowledgeOnlyOwnWork(TransactionStatus tx, long transactionId, java.util.function.IntSupplier record) {
        if (tx.isRollbackOnly()) {
            throw new WorkNotInTransaction("the request succeeded but its transaction was marked rollback-only");
        }
        if (record.getAsInt() != 1) {
            throw new WorkNotInTransaction("the request's Idempotency-Key claim is no longer in its transaction");
        }
        Long current = jdbc.sql("SELECT txid_current_if_assigned()").query(Long.class).single();
        if (current == null || current != transactionId) {
            throw new WorkNotInTransaction("the request's transaction " + transactionId
                                            + " was ended underneath it (now " + current + ")");
        }
    }

    /** Commits; a failure leaves the outcome unknown (COMMIT may or may not have reached the disk). */
    private void commit(TransactionStatus tx) {
        try {
            transactions.commit(tx);
        } catch (RuntimeException e) {
            // the commit failed: Spring has ended the transaction; cached aggregates may hold its events
            aggregateCaches.forEach(Cache::removeAll);
            throw new CommitOutcomeUnknown(e);
        }
    }

    /** The id of the request's transaction, taken at its start. */
    private long transactionId() {
        return jdbc.sql("SELECT txid_current()").query(Long.class).single();
    }

    /**
     * Inserts the key's row and answers the id of the transaction that holds it; empty when the row exists (a
     * concurrent holder is waited for by the database).
     */
    private Optional<Long> claim(String caller, String key, String hash) {
        return jdbc.sql("""
                        INSERT INTO idempotency_record (caller, idem_key, request_hash, status)
                        VALUES (?, ?, ?, 0) ON CONFLICT (caller, idem_key) DO NOTHING RETURNING txid_current()""")
                   .params(caller, key, hash)
                   .query(Long.class)
                   .optional();
    }

    /** The answer to the key, in the request's transaction; how many rows it updated (1 unless the claim is gone). */
    private int record(String caller, String key, ContentCachingResponseWrapper response) {
        return jdbc.sql("UPDATE idempotency_record SET status = ?, content_type = ?, body = ? WHERE caller = ? AND idem_key = ?")
                   .params(response.getStatus(), response.getContentType(), response.getContentAsByteArray(), caller, key)
                   .update();
    }

    /** A refused request changed nothing, but its answer is still the answer to that key. */
    private void recordRefusal(String caller, String key, String hash, ContentCachingResponseWrapper response) {
        new TransactionTemplate(transactions, new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW))
                .executeWithoutResult(status -> jdbc.sql("""
                                INSERT INTO idempotency_record (caller, idem_key, request_hash, status, content_type, body)
                                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (caller, idem_key) DO NOTHING""")
                        .params(caller, key, hash, response.getStatus(), response.getContentType(),
                                response.getContentAsByteArray())
                        .update());
    }

    private void replay(String caller, String key, String hash, HttpServletResponse response) throws IOException {
        Optional<StoredAnswer> answer = jdbc.sql(
                        "SELECT request_hash, status, content_type, body FROM idempotency_record WHERE caller = ? AND idem_key = ?")
                .params(caller, key)
                .query((rs, n) -> new StoredAnswer(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBytes(4)))
                .optional();
        if (answer.isEmpty() || answer.get().status() == 0) {
            problems.write(response, ProblemType.CONFLICT, "a request with this Idempotency-Key is still being processed");
            return;
        }
        StoredAnswer stored = answer.get();
        if (!stored.requestHash().equals(hash)) {
            problems.write(response, ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used with a different request");
            return;
        }
        response.setStatus(stored.status());
        if (stored.contentType() != null) {
            response.setContentType(stored.contentType());
        }
        response.setHeader("Idempotent-Replayed", "true");
        if (stored.body() != null) {
            response.getOutputStream().write(stored.body());
        }
    }

    private void rollback(TransactionStatus tx) {
        if (!tx.isCompleted()) {
            try {
                transactions.rollback(tx);
            } catch (TransactionException e) {
                // a connection lost with the database cannot roll back, but nothing of it was committed either:
                // the request's own outcome (its error, or 503 when the database is away) is the answer
                log.warn("rollback failed: {}", e.getMessage());
            } finally {
                // an aggregate cached by the rolled-back work would be ahead of the event store
                aggregateCaches.forEach(Cache::removeAll);
            }
        }
    }

    private static String callerScope() {
        return Caller.from(SecurityContextHolder.getContext().getAuthentication())
                     .map(caller -> caller.accountId().toString())
                     .orElse("anonymous");
    }

    private static String hash(HttpServletRequest request, byte[] body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((request.getMethod() + " " + request.getRequestURI() + "\n").getBytes(StandardCharsets.UTF_8));
            digest.update(body);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The body, or null when it is larger than the limit. */
    private static byte[] readLimited(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit + 1);
        return bytes.length > limit ? null : bytes;
    }

    /** A success whose work is not (or not wholly) in the transaction about to commit. */
    private static final class WorkNotInTransaction extends RuntimeException {
        WorkNotInTransaction(String message) {
            super(message);
        }
    }

    /** A commit that failed: the request's work may or may not be stored. */
    private static final class CommitOutcomeUnknown extends RuntimeException {
        CommitOutcomeUnknown(RuntimeException cause) {
            super(cause);
        }
    }

    private record StoredAnswer(String requestHash, int status, String contentType, byte[] body) {
    }

    private static final class CachedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        CachedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
