package shop.ledger.command.payout;

import shop.ledger.api.common.Money;

import java.util.Optional;

/**
 * The payout provider, as the withdrawal saga needs it. The withdrawal id is the provider's idempotency
 * reference: submitting the same withdrawal again returns the first payout, so a lost answer can be retried
 * without ever paying twice.
 */
public interface PayoutPort {

    record PayoutRequest(String idempotencyReference, Money amount, String method, String destination) {
    }

    enum PayoutState {
        PENDING,
        PAID,
        FAILED
    }

    /** {@code reason} is set for FAILED. */
    record Payout(String payoutReference, PayoutState state, String reason) {
    }

    /** Empty when no answer came (timeout, connection, garbage): safe to submit again with the same reference. */
    Optional<Payout> submit(PayoutRequest request);

    /** The provider's view of a payout by our idempotency reference; empty when it could not be asked. */
    Optional<Payout> status(String idempotencyReference);
}
