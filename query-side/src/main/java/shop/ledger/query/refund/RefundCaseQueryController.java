package shop.ledger.query.refund;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.refund.RefundCases.CaseStatus;
import shop.ledger.api.refund.RefundCases.FindRefundCase;
import shop.ledger.api.refund.RefundCases.FindRefundCaseQueue;
import shop.ledger.api.refund.RefundCases.FindRefundCases;
import shop.ledger.api.refund.RefundCases.Outcome;
import shop.ledger.api.refund.RefundCases.RefundCasePage;
import shop.ledger.api.refund.RefundCases.RefundCaseView;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.platform.web.Cursors;
import shop.ledger.platform.web.Page;
import shop.ledger.query.position.ReadModel;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Refund cases (verification and refund requests, R5, R6) as their owner and staff read them. A customer
 * reaches only their own cases (another's id is 404, so ids cannot be probed); staff (ADMIN, FINANCE,
 * AUDITOR) see all. Administrators work the queue of cases still waiting for the supplier's decision.
 */
@RestController
@ReadModel(RefundCaseProjection.PROCESSING_GROUP)
@Tag(name = "Refund cases")
public class RefundCaseQueryController {

    public record RefundCaseResponse(UUID refundCaseId, UUID orderId, CaseStatus status, Instant openedAt,
                                     Instant decisionDueBy, Instant decidedAt, Outcome outcome, String note) {

        static RefundCaseResponse of(RefundCaseView view) {
            return new RefundCaseResponse(view.refundCaseId(), view.orderId(), view.status(), view.openedAt(),
                    view.decisionDueBy(), view.decidedAt(), view.outcome(), view.note());
        }
    }

    /** A queue entry: the case as above, whose it is, and whether its decision is late (now past the due date). */
    public record QueuedRefundCase(UUID refundCaseId, UUID orderId, UUID customerId, CaseStatus status,
                                   Instant openedAt, Instant decisionDueBy, Instant decidedAt, Outcome outcome,
                                   String note, boolean overdueForDecision) {

        static QueuedRefundCase of(RefundCaseView view, Instant now) {
            return new QueuedRefundCase(view.refundCaseId(), view.orderId(), view.customerId(), view.status(),
                    view.openedAt(), view.decisionDueBy(), view.decidedAt(), view.outcome(), view.note(),
                    now.isAfter(view.decisionDueBy()));
        }
    }

    private final QueryGateway queries;
    private final Clock clock;

    /** The command side's clock when it runs in this JVM (the standalone), the system's otherwise. */
    public RefundCaseQueryController(QueryGateway queries, ObjectProvider<Clock> clock) {
        this.queries = queries;
        this.clock = clock.getIfAvailable(Clock::systemUTC);
    }

    @GetMapping("/api/refund-cases/{refundCaseId}")
    @Operation(summary = "One refund case: the caller's own, or any for staff")
    public RefundCaseResponse refundCase(@PathVariable UUID refundCaseId) {
        Caller caller = CurrentCaller.get();
        Optional<RefundCaseView> found = queries.query(new FindRefundCase(refundCaseId, restriction(caller)),
                ResponseTypes.optionalInstanceOf(RefundCaseView.class)).join();
        return found.map(RefundCaseResponse::of)
                    .orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such refund case"));
    }

    @GetMapping("/api/refund-cases")
    @Operation(summary = "The caller's refund cases, newest first; staff see all")
    public Page<RefundCaseResponse> refundCases(@RequestParam(required = false) CaseStatus status,
                                                @RequestParam(required = false) Integer limit,
                                                @RequestParam(required = false) String cursor) {
        Caller caller = CurrentCaller.get();
        RefundCasePage page = queries.query(new FindRefundCases(restriction(caller), status, Cursors.limit(limit),
                Cursors.decode(cursor)), RefundCasePage.class).join();
        return new Page<>(page.items().stream().map(RefundCaseResponse::of).toList(),
                Cursors.encode(page.nextBeforePosition()));
    }

    /**
     * OPEN and ESCALATED cases, the earliest due first: the first {@code limit} of them, so there is no next
     * page ({@code nextCursor} is always null); a case leaves the queue once decided or closed.
     */
    @GetMapping("/api/admin/refund-cases/queue")
    @Operation(summary = "Staff queue: refund cases waiting for the supplier's decision, the earliest due first")
    public Page<QueuedRefundCase> queue(@RequestParam(required = false) Integer limit) {
        List<RefundCaseView> cases = queries.query(new FindRefundCaseQueue(Cursors.limit(limit)),
                ResponseTypes.multipleInstancesOf(RefundCaseView.class)).join();
        Instant now = clock.instant();
        return new Page<>(cases.stream().map(view -> QueuedRefundCase.of(view, now)).toList(), null);
    }

    /** Customers are restricted to their own cases; staff are not restricted. */
    private static UUID restriction(Caller caller) {
        return caller.isStaff() ? null : caller.accountId();
    }
}
