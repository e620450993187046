package shop.ledger.command.withdrawal;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.util.UUID;

/**
 * The withdrawal saga's own command: the payout provider keeps refusing, the withdrawal needs attention (staff must
 * act). Internal to the command side.
 */
public record MarkWithdrawalNeedsAttention(@TargetAggregateIdentifier UUID withdrawalId, String reason) {
}
