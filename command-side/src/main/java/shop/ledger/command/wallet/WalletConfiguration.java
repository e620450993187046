package shop.ledger.command.wallet;

import org.axonframework.common.caching.Cache;
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

    @Bean
    Cache walletCache() {
        // entries go when memory is needed, so a large customer base costs no fixed heap
        return new WeakReferenceCache();
    }
}
