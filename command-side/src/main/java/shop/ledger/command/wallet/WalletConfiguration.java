package shop.ledger.command.wallet;

import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.axonframework.common.caching.WeakReferenceCache;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps a Wallet command's cost flat however long its history grows: a snapshot every N events bounds
 * what a cold load replays, and the cache makes a hot wallet need no load at all.
 */
@Configuration
public class WalletConfiguration {

    @Bean
    SnapshotTriggerDefinition walletSnapshotTrigger(Snapshotter snapshotter,
                                                    @Value("${ledger.wallet.snapshot-every:250}") int threshold) {
        return new EventCountSnapshotTriggerDefinition(snapshotter, threshold);
    }

    /**
     * {@code ledger.wallet.cache=false} for several command-side instances on one database: each instance's cache
     * would hold a wallet as it last changed it, so every command after another instance's change would lose the
     * append race (409), and a saga's deadline that lost it would wait for db-scheduler's retry.
     */
    @Bean
    Cache walletCache(@Value("${ledger.wallet.cache:true}") boolean enabled) {
        // entries go when memory is needed, so a large customer base costs no fixed heap
        return enabled ? new WeakReferenceCache() : NoCache.INSTANCE;
    }
}
