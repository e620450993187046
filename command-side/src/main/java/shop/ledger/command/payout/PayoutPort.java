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

    /**
     * The provider refused the call itself (HTTP 4xx: a bad API key, a malformed request, the reference reused
     * with another body): nothing was created by this call, and asking again unchanged will not help until
     * someone acts. {@code httpStatus} and a message free of personal data.
     */
    class PayoutRefused extends RuntimeException {
        private final int httpStatus;

        public PayoutRefused(int httpStatus, String message) {
            super(message);
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    /**
     * Empty when no answer came (timeout, connection, garbage, 5xx): safe to submit again with the same reference.
     *
     * @throws PayoutRefused when the provider refused the request (4xx)
     */
    Optional<Payout> submit(PayoutRequest request);

    /**
     * The provider's view of a payout by our idempotency reference; empty when it could not be asked or holds no
     * payout for it.
     *
     * @throws PayoutRefused when the provider refused the query (4xx other than 404)
     */
    Optional<Payout> status(String idempotencyReference);
}
