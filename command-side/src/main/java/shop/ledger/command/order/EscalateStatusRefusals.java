package shop.ledger.command.order;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.util.UUID;

/**
 * The fulfilment saga's own command: the supplier answered the status query for {@code supplierReference} with
 * errors too often in a row, so the order in process goes to NEEDS_ATTENTION. Internal to the command side.
 */
public record EscalateStatusRefusals(@TargetAggregateIdentifier UUID orderId, String supplierReference, String reason) {
}
