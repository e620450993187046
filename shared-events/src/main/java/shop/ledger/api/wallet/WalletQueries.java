package shop.ledger.api.wallet;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Queries answered by the wallet projection, and the views they return. */
public final class WalletQueries {

    private WalletQueries() {
    }

    public record FindWallet(UUID walletId) {
    }

    public record FindWalletOfCustomer(UUID customerId) {
    }

    /** Newest first; {@code beforeSequence} is the paging cursor (null for the first page). */
    public record FindStatement(UUID walletId, int limit, Long beforeSequence) {
    }

    public record WalletView(UUID walletId, UUID customerId, String currency, long available, long held,
                             long balance) {
    }

    public record StatementLine(UUID lineId, long sequence, Instant occurredAt, String kind, long amount,
                                long availableChange, long heldChange, long availableAfter, long heldAfter,
                                UUID orderId, UUID withdrawalId, UUID refundCaseId, UUID depositId,
                                String reason) {
    }

    public record StatementPage(List<StatementLine> lines, Long nextBeforeSequence) {
    }

    /** The double-entry trial balance of one currency: the sum of all journal postings, always zero. */
    public record TrialBalance(String currency, long debits, long credits, long net) {
    }

    public record FindTrialBalance() {
    }

    public record TrialBalances(List<TrialBalance> currencies) {
    }
}
