package shop.ledger.api.wallet;

import org.axonframework.serialization.Revision;
import shop.ledger.api.common.Money;

import java.util.UUID;

/**
 * Events of the Wallet aggregate. Every money movement states the balances it leaves behind
 * ({@code availableAfter}, {@code heldAfter}), so statements and audits read a running balance
 * from one event instead of summing a whole stream.
 */
public final class WalletEvents {

    private WalletEvents() {
    }

    @Revision("1")
    public record WalletOpened(UUID walletId, UUID customerId, String currency) {
    }

    /** A movement of money in a wallet: the contract the statement, the journal and the audit read. */
    public sealed interface MoneyMoved permits FundsDeposited, FundsReserved, ReservationCaptured,
            ReservationReleased, BalanceAdjusted {
        UUID walletId();

        /** The size of the movement, always positive except for a debit adjustment. */
        Money amount();

        long availableChange();

        long heldChange();

        long availableAfter();

        long heldAfter();
    }

    @Revision("1")
    public record FundsDeposited(UUID walletId, UUID depositId, Money amount, String providerReference,
                                 long availableAfter, long heldAfter) implements MoneyMoved {
        public long availableChange() {
            return amount.amount();
        }

        public long heldChange() {
            return 0;
        }
    }

    @Revision("1")
    public record FundsReserved(UUID walletId, UUID reservationId, Money amount, ReservationPurpose purpose,
                                UUID referenceId, long availableAfter, long heldAfter) implements MoneyMoved {
        public long availableChange() {
            return -amount.amount();
        }

        public long heldChange() {
            return amount.amount();
        }
    }

    @Revision("1")
    public record ReservationCaptured(UUID walletId, UUID reservationId, Money amount, ReservationPurpose purpose,
                                      UUID referenceId, long availableAfter, long heldAfter) implements MoneyMoved {
        public long availableChange() {
            return 0;
        }

        public long heldChange() {
            return -amount.amount();
        }
    }

    @Revision("1")
    public record ReservationReleased(UUID walletId, UUID reservationId, Money amount, ReservationPurpose purpose,
                                      UUID referenceId, String reason, long availableAfter, long heldAfter)
            implements MoneyMoved {
        public long availableChange() {
            return amount.amount();
        }

        public long heldChange() {
            return -amount.amount();
        }
    }

    /** A staff correction; {@code amount} is signed: positive credits, negative debits. */
    @Revision("1")
    public record BalanceAdjusted(UUID walletId, UUID adjustmentId, Money amount, String reason,
                                  long availableAfter, long heldAfter) implements MoneyMoved {
        public long availableChange() {
            return amount.amount();
        }

        public long heldChange() {
            return 0;
        }
    }
}
