package shop.ledger.command.order;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.util.UUID;

/**
 * The fulfilment saga's own command, leading to {@code OrderNeedsAttention} for an order the supplier accepted as
 * {@code supplierReference}: it answered the status query with errors too often in a row. (For a submission whose
 * answer was lost, before any reference, the saga sends {@code MarkOrderNeedsAttention}.) Internal to the command
 * side.
 */
public record MarkSubmittedOrderNeedsAttention(@TargetAggregateIdentifier UUID orderId, String supplierReference,
                                               String reason) {
}
