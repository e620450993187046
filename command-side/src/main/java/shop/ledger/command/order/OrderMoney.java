package shop.ledger.command.order;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.Aggregate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.ReleaseReservation;
import shop.ledger.command.order.Order.Settlement;

import java.util.UUID;

/**
 * Carries out what an order's decision means for its reservation (R2), within the caller's unit of work:
 * capture on completion, release on rejection or cancellation, and the IMEI freed for a new order.
 */
@Component
public class OrderMoney {

    private final CommandGateway commands;
    private final JdbcClient jdbc;

    public OrderMoney(CommandGateway commands, JdbcClient jdbc) {
        this.commands = commands;
        this.jdbc = jdbc;
    }

    public void settle(Aggregate<Order> order, Settlement settlement, String reason) {
        if (settlement == Settlement.NONE) {
            return;
        }
        UUID orderId = UUID.fromString(order.identifierAsString());
        UUID walletId = order.invoke(Order::walletId);
        if (settlement == Settlement.CAPTURE) {
            commands.sendAndWait(new CaptureReservation(walletId, orderId));
        } else {
            commands.sendAndWait(new ReleaseReservation(walletId, orderId, reason));
        }
        jdbc.sql("DELETE FROM open_order WHERE order_id = ?").param(orderId).update();
    }
}
