package shop.ledger.query.withdrawal;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.Money;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.withdrawal.Withdrawals.FindWithdrawal;
import shop.ledger.api.withdrawal.Withdrawals.FindWithdrawals;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalPage;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalStatus;
import shop.ledger.api.withdrawal.Withdrawals.WithdrawalView;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.platform.web.Cursors;
import shop.ledger.platform.web.Page;
import shop.ledger.query.position.ReadModel;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Withdrawals as their owner and staff read them (R10). A customer reaches only their own withdrawals (another's
 * id is 404, so ids cannot be probed); staff (ADMIN, FINANCE, AUDITOR) may read any by id. No answer holds the
 * payout destination: the read model does not have it (R11).
 */
@RestController
@ReadModel(WithdrawalProjection.PROCESSING_GROUP)
@Tag(name = "Withdrawals")
public class WithdrawalQueryController {

    /**
     * A withdrawal. {@code payoutReference} is set once the payout was submitted to the provider, {@code paidAt}
     * once paid, {@code failureReason} once failed; {@code reconciled} once finance matched it to the provider's
     * statement; {@code needsAttention} while the payout provider keeps refusing it and staff must look.
     */
    public record WithdrawalResponse(UUID withdrawalId, UUID customerId, Money amount, String method,
                                     WithdrawalStatus status, Instant requestedAt, String payoutReference,
                                     Instant paidAt, String failureReason, boolean reconciled, boolean needsAttention) {

        static WithdrawalResponse of(WithdrawalView view) {
            return new WithdrawalResponse(view.withdrawalId(), view.customerId(), view.amount(), view.method(),
                    view.status(), view.requestedAt(), view.payoutReference(), view.paidAt(), view.failureReason(),
                    view.reconciled(), view.needsAttention());
        }
    }

    private final QueryGateway queries;

    public WithdrawalQueryController(QueryGateway queries) {
        this.queries = queries;
    }

    @GetMapping("/api/withdrawals/{withdrawalId}")
    @Operation(summary = "One withdrawal: the caller's own, or any for staff")
    public WithdrawalResponse withdrawal(@PathVariable UUID withdrawalId) {
        Caller caller = CurrentCaller.get();
        UUID restriction = caller.isStaff() ? null : caller.accountId();
        Optional<WithdrawalView> found = queries.query(new FindWithdrawal(withdrawalId, restriction),
                ResponseTypes.optionalInstanceOf(WithdrawalView.class)).join();
        return found.map(WithdrawalResponse::of)
                    .orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such withdrawal"));
    }

    @GetMapping("/api/me/withdrawals")
    @Operation(summary = "The caller's withdrawals, newest first")
    public Page<WithdrawalResponse> myWithdrawals(@RequestParam(required = false) WithdrawalStatus status,
                                                  @RequestParam(required = false) Integer limit,
                                                  @RequestParam(required = false) String cursor) {
        Caller caller = CurrentCaller.get();
        WithdrawalPage page = queries.query(new FindWithdrawals(caller.accountId(), status, null, null,
                Cursors.limit(limit), Cursors.decode(cursor), null), WithdrawalPage.class).join();
        return new Page<>(page.items().stream().map(WithdrawalResponse::of).toList(),
                Cursors.encode(page.nextBeforePosition()));
    }
}
