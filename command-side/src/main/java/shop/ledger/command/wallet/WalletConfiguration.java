package shop.ledger.command.wallet;

import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.NoCache;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.SnapshotterSpanFactory;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.annotation.HandlerDefinition;
import org.axonframework.messaging.annotation.ParameterResolverFactory;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.platform.DaemonThreads;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
    Cache walletCache(@Value("${ledger.wallet.cache:true}") boolean enabled,
                      @Value("${ledger.wallet.cache-pinned:4096}") int pinned) {
        // the most recently used wallets stay; the others go when memory is needed, so a large customer base
        // costs no fixed heap
        return enabled ? new PinnedAggregateCache(pinned) : NoCache.INSTANCE;
    }

    /**
     * Snapshots are taken off the command's thread. Axon's default snapshotter runs in the committing thread,
     * so every 250th command on a wallet waited for a re-read of its recent events and a second durable commit
     * (bench/run: the latency tail). A snapshot is only a shortcut for loading: one not taken (queue full, or
     * the process stops first) costs a longer load later, never correctness.
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService snapshotExecutor() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1_000),
                DaemonThreads.named("wallet-snapshotter"), new ThreadPoolExecutor.DiscardPolicy());
        return executor;
    }

    /** Axon's auto-configured snapshotter, with the executor above instead of the committing thread. */
    @Bean
    SpringAggregateSnapshotter walletSnapshotter(org.axonframework.config.Configuration configuration,
                                                    HandlerDefinition handlerDefinition,
                                                    ParameterResolverFactory parameterResolverFactory,
                                                    EventStore eventStore, TransactionManager transactionManager,
                                                    SnapshotterSpanFactory spanFactory,
                                                    ExecutorService snapshotExecutor) {
        return SpringAggregateSnapshotter.builder()
                                         .repositoryProvider(configuration::repository)
                                         .transactionManager(transactionManager)
                                         .eventStore(eventStore)
                                         .parameterResolverFactory(parameterResolverFactory)
                                         .handlerDefinition(handlerDefinition)
                                         .spanFactory(spanFactory)
                                         .executor(snapshotExecutor)
                                         .build();
    }
}
