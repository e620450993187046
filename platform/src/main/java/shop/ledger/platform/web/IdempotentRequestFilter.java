package shop.ledger.platform.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import shop.ledger.api.common.ProblemType;
import shop.ledger.platform.axon.RequestMetaData;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.web.IdempotencyRecords.Claim;
import shop.ledger.platform.web.IdempotencyRecords.Found;
import shop.ledger.platform.web.IdempotencyRecords.Free;
import shop.ledger.platform.web.IdempotencyRecords.Stored;
import shop.ledger.platform.web.RequestTransactions.CommitOutcomeUnknown;
import shop.ledger.platform.web.RequestTransactions.RequestTransaction;
import shop.ledger.platform.web.RequestTransactions.WorkNotInTransaction;

import java.io.IOException;
import java.util.Set;

/**
 * Makes every state-changing API request one database transaction, together with its stored answer:
 * <ul>
 *   <li>the body is read once and checked ({@link RequestBodyGuard});</li>
 *   <li>the request runs in one root unit of work that owns its transaction ({@link RequestTransactions}): its
 *   events, projections written in-line and its Idempotency-Key record commit together, and the aggregates it
 *   touched stay locked until then; a refused (4xx) or failed (5xx) request rolls everything back, so it changes
 *   nothing;</li>
 *   <li>its Idempotency-Key decides whether it runs at all ({@link IdempotencyRecords}): a replay, 422
 *   {@code idempotency-key-reused}, or 409 {@code request-in-progress} at once while the key is running;</li>
 *   <li>a 2xx answer carries {@link LedgerPosition#HEADER}, set before anything of the answer reaches the client.</li>
 * </ul>
 * A success is answered only after this request's own transaction committed: when the commit fails (the connection
 * lost during COMMIT, a failure raised at commit time) the outcome is unknown to the ledger, so the answer is 503 and
 * the client retries with the same key (a replay if it did commit, a fresh run if not); the cached success is never
 * sent and never stored (CommitFailureTest). Work that something ended underneath the request (its transaction marked
 * rollback-only, or replaced by another one on the same connection) is not acknowledged either. No connection (the
 * database away, or every connection busy) is 503 before anything began.
 */
@Component
public class IdempotentRequestFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(IdempotentRequestFilter.class);

    public static final String HEADER = IdempotencyRecords.HEADER;
    private static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final RequestBodyGuard bodies;
    private final IdempotencyRecords records;
    private final RequestTransactions transactions;
    private final Problems problems;

    public IdempotentRequestFilter(RequestBodyGuard bodies, IdempotencyRecords records,
                                   RequestTransactions transactions, Problems problems) {
        this.bodies = bodies;
        this.records = records;
        this.transactions = transactions;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !STATE_CHANGING.contains(request.getMethod()) || !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader(RequestMetaData.CORRELATION_HEADER, RequestMetaData.correlationId(request));
        RequestBodyGuard.Body body = bodies.read(request, response);
        if (body == null) {
            return;
        }
        String key = request.getHeader(HEADER);
        if (key != null && (key.isBlank() || key.length() > 255)) {
            problems.write(response, ProblemType.VALIDATION_FAILED, "Idempotency-Key must be 1 to 255 characters");
            return;
        }
        Claim claim = key == null ? null : records.claimFor(callerScope(), key, request, body);

        RequestTransaction work;
        try {
            work = transactions.begin(request);
        } catch (RuntimeException e) {
            // no connection within the pool's timeout (the database is away, or every connection is busy under
            // load): nothing began, so the client may simply retry; never a bare 500
            if (DatabaseFailures.isDatabaseUnavailable(e)) {
                problems.write(response, ProblemType.SERVICE_UNAVAILABLE, "the ledger's database is unavailable or busy; retry later");
                return;
            }
            throw e;
        }
        ContentCachingResponseWrapper answer = new ContentCachingResponseWrapper(response);
        try (work) { // closing it rolls back whatever did not commit, before any catch below answers
            Found found = claim == null ? new Free() : records.take(claim);
            if (found instanceof Free) {
                run(chain, new CachedBodyRequest(request, body.bytes()), answer, work, claim);
            } else if (found instanceof Stored stored) {
                work.rollback();
                records.replay(stored, claim, answer);
            } else {
                work.rollback();
                records.answerInProgress(answer);
            }
        } catch (CommitOutcomeUnknown e) {
            // nothing is answered as done unless it was: the retry with the same key finds out which
            log.warn("commit failed, outcome unknown ({}): answering 503", e.getCause().toString());
            problems.write(answer, ProblemType.SERVICE_UNAVAILABLE,
                    "the ledger could not confirm that this request was stored; retry it with the same Idempotency-Key");
        } catch (WorkNotInTransaction e) {
            log.error("a successful request is not acknowledged: {}", e.getMessage());
            problems.write(answer, ProblemType.INTERNAL_ERROR,
                    "the request's work could not be stored as one transaction; nothing changed, retry it");
        } catch (RuntimeException | ServletException | IOException | Error e) {
            // whatever the handler wrote (a success, if the failure came after it) must not reach the client
            answer.resetBuffer();
            if (DatabaseFailures.isDatabaseUnavailable(e)) {
                problems.write(answer, ProblemType.SERVICE_UNAVAILABLE, "the ledger's database is unavailable; retry later");
            } else if (isConcurrentChange(e)) {
                // the events met another writer's at the stream's sequence when the root appended them
                problems.write(answer, ProblemType.CONFLICT, "a concurrent change won; retry the request");
            } else {
                throw e;
            }
        } finally {
            answer.copyBodyToResponse();
        }
    }

    /**
     * The request itself: a success commits with its answer stored and answers with its position; a refusal rolls back
     * and, when it depends only on the request, is stored on its own.
     */
    private void run(FilterChain chain, CachedBodyRequest request, ContentCachingResponseWrapper answer,
                     RequestTransaction work, Claim claim) throws ServletException, IOException {
        chain.doFilter(request, answer);
        int status = answer.getStatus();
        if (status < 400) {
            long position = work.commit(reached -> claim == null ? 1 : records.storeSuccess(claim, answer, reached));
            if (status < 300) {
                answer.setHeader(LedgerPosition.HEADER, Long.toString(position));
            }
        } else {
            work.rollback();
            if (claim != null && IdempotencyRecords.storesRefusal(status)) {
                records.storeRefusal(claim, answer);
            }
        }
    }

    private static boolean isConcurrentChange(Throwable failure) {
        return DatabaseFailures.anyInChain(failure, ConcurrencyException.class::isInstance);
    }

    private static String callerScope() {
        return Caller.from(SecurityContextHolder.getContext().getAuthentication())
                     .map(caller -> caller.accountId().toString())
                     .orElse("anonymous");
    }
}
