package shop.ledger.api.wallet;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import shop.ledger.api.common.Money;

import java.util.UUID;

/** Commands the Wallet aggregate decides on (R1). Amounts are in minor units of the wallet's currency. */
public final class WalletCommands {

    private WalletCommands() {
    }

    public record OpenWallet(@TargetAggregateIdentifier UUID walletId, UUID customerId, String currency) {
    }

    /** Credit from the payment provider; {@code providerReference} makes it idempotent. */
    public record DepositFunds(@TargetAggregateIdentifier UUID walletId, UUID depositId, Money amount,
                               String providerReference) {
    }

    /** Hold funds for an order, a withdrawal or a refund-case fee; the reservation id is chosen by the caller. */
    public record ReserveFunds(@TargetAggregateIdentifier UUID walletId, UUID reservationId, Money amount,
                               ReservationPurpose purpose, UUID referenceId) {
    }

    /** The held funds leave the wallet for good (order completed, payout paid). */
    public record CaptureReservation(@TargetAggregateIdentifier UUID walletId, UUID reservationId) {
    }

    /** The held funds return to available (order rejected or cancelled, payout failed). */
    public record ReleaseReservation(@TargetAggregateIdentifier UUID walletId, UUID reservationId, String reason) {
    }

    /** A staff correction, credit (positive) or debit (negative), always with a reason (R7). */
    public record AdjustBalance(@TargetAggregateIdentifier UUID walletId, UUID adjustmentId, Money amount,
                                String reason) {
    }
}
