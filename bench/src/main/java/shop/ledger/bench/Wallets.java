package shop.ledger.bench;

import org.axonframework.commandhandling.gateway.CommandGateway;
import shop.ledger.api.common.Money;
import shop.ledger.api.wallet.ReservationPurpose;
import shop.ledger.api.wallet.WalletCommands.CaptureReservation;
import shop.ledger.api.wallet.WalletCommands.DepositFunds;
import shop.ledger.api.wallet.WalletCommands.OpenWallet;
import shop.ledger.api.wallet.WalletCommands.ReserveFunds;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Wallets the benchmark drives through Axon's command gateway, each with what the harness knows of it: the
 * sequence number of its last event (every Wallet command here appends exactly one event) and where it is in
 * its cycle. The cycle is an order's money flow: deposit, reserve (the order is placed), capture (completed),
 * so reservations do not pile up in the aggregate. During a phase each wallet belongs to one client.
 */
final class Wallets {

    static final String CURRENCY = "USD";
    private static final long TIMEOUT_SECONDS = 60;

    private final UUID[] ids;
    /** Sequence number of the wallet's last event; -1 once a failed command left it unknown. */
    private final long[] lastSequence;
    private final long[] visits;
    private final UUID[] openReservation;

    Wallets(int count) {
        ids = new UUID[count];
        lastSequence = new long[count];
        visits = new long[count];
        openReservation = new UUID[count];
        for (int i = 0; i < count; i++) {
            ids[i] = UUID.randomUUID();
            lastSequence[i] = -1;
        }
    }

    int size() {
        return ids.length;
    }

    UUID id(int wallet) {
        return ids[wallet];
    }

    long lastSequence(int wallet) {
        return lastSequence[wallet];
    }

    /** Opens every wallet and funds it once, from {@code clients} threads (not measured). */
    void openAndFund(CommandGateway gateway, int clients) {
        Load.Result result = Load.run("open-wallets", clients, Duration.ZERO, Duration.ofDays(1), 0,
                (client, iteration) -> {
                    int wallet = (int) (client + iteration * clients);
                    if (wallet >= ids.length) {
                        throw new Done();
                    }
                    open(gateway, wallet);
                    command(gateway, wallet);
                });
        if (result.errors() > 0) {
            throw new IllegalStateException("opening the wallets failed: " + result.firstError());
        }
    }

    void open(CommandGateway gateway, int wallet) {
        gateway.sendAndWait(new OpenWallet(ids[wallet], UUID.randomUUID(), CURRENCY), TIMEOUT_SECONDS, TimeUnit.SECONDS);
        lastSequence[wallet] = 0;
    }

    /** The wallet {@code client} (of {@code clients}) uses on its {@code iteration}-th call: its own, round robin. */
    int walletFor(int client, int clients, long iteration) {
        int own = (ids.length - client + clients - 1) / clients;
        return (int) (client + (iteration % own) * clients);
    }

    /** The next step of the wallet's cycle through the gateway; returns once it is durable (sendAndWait). */
    void command(CommandGateway gateway, int wallet) {
        long step = visits[wallet] % 3;
        UUID id = ids[wallet];
        try {
            if (step == 0) {
                gateway.sendAndWait(new DepositFunds(id, UUID.randomUUID(), Money.of(1_000, CURRENCY),
                        "bench-" + UUID.randomUUID()), TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } else if (step == 1) {
                UUID reservation = UUID.randomUUID();
                gateway.sendAndWait(new ReserveFunds(id, reservation, Money.of(300, CURRENCY), ReservationPurpose.ORDER,
                        UUID.randomUUID()), TIMEOUT_SECONDS, TimeUnit.SECONDS);
                openReservation[wallet] = reservation;
            } else {
                gateway.sendAndWait(new CaptureReservation(id, openReservation[wallet]), TIMEOUT_SECONDS,
                        TimeUnit.SECONDS);
                openReservation[wallet] = null;
            }
        } catch (RuntimeException e) {
            // whether it committed is unknown: move on in the cycle, and no longer use this wallet for lag samples
            lastSequence[wallet] = -1;
            visits[wallet] += step == 1 ? 2 : 1;
            throw e;
        }
        visits[wallet]++;
        if (lastSequence[wallet] >= 0) {
            lastSequence[wallet]++;
        }
    }

    /** A deposit made elsewhere (over HTTP) appended one event. */
    void deposited(int wallet) {
        if (lastSequence[wallet] >= 0) {
            lastSequence[wallet]++;
        }
    }

    void unknown(int wallet) {
        lastSequence[wallet] = -1;
    }

    /** Thrown by an operation that has nothing more to do: ends that client without counting an error. */
    static final class Done extends RuntimeException {
        Done() {
            super(null, null, false, false);
        }
    }
}
