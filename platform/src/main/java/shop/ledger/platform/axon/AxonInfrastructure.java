package shop.ledger.platform.axon;

import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.monitoring.NoOpMessageMonitor;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.serialization.jackson3.Jackson3SerializerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.EventBusSpanFactory;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcSQLErrorCodesResolver;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.deadletter.jdbc.DeadLetterSchema;
import org.axonframework.eventhandling.deadletter.jdbc.JdbcSequencedDeadLetterQueue;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.axonframework.modelling.saga.repository.jdbc.GenericSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.JdbcSagaStore;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.axonframework.springboot.EventProcessorProperties;
import org.axonframework.springboot.util.DeadLetterQueueProviderConfigurerModule;
import shop.ledger.platform.web.DatabaseFailures;

import javax.sql.DataSource;
import java.time.Duration;

/**
 * Axon on PostgreSQL without Axon Server: the JDBC event store, token store, saga store and dead-letter
 * queue come from Axon's JDBC auto-configuration over the Flyway-owned bytea tables; every processor is a pooled
 * streaming one. Deadlines are persisted by db-scheduler, run by the command side only (command.DeadlineScheduling).
 */
@Configuration
public class AxonInfrastructure {

    /**
     * Axon's JDBC auto-configuration is skipped when the DataSource comes from Spring Boot's own
     * auto-configuration (it is evaluated first), which would silently leave tokens and sagas in memory.
     * So the PostgreSQL-backed pieces are declared here, explicitly.
     */
    @Bean
    ConnectionProvider connectionProvider(DataSource dataSource) {
        return new UnitOfWorkAwareConnectionProviderWrapper(new SpringDataSourceConnectionProvider(dataSource));
    }

    /**
     * Axon's units of work in Spring transactions, declared here because Axon's auto-configuration names Spring
     * Boot 3's transaction auto-configuration and so falls back to its NoTransactionManager on Spring Boot 4. Rule: a
     * processor batch, saga step or deadline commits its token, saga, deadline, events and read-model rows together
     * or not at all. Guarded by AxonTransactionsTest (RELIABILITY.md, process-level finding 7).
     */
    @Bean
    TransactionManager axonTransactionManager(PlatformTransactionManager transactions) {
        return new SpringTransactionManager(transactions);
    }

    /**
     * Tokens in PostgreSQL. A segment's claim names its owner, by default the JVM ({@code pid@host});
     * {@code ledger.token-store.owner} names it otherwise, for several instances in one JVM (ReadYourWritesTest),
     * which would each take the other's claims for their own.
     */
    @Bean
    TokenStore tokenStore(ConnectionProvider connectionProvider, Serializer serializer,
                          @Value("${ledger.token-store.owner:}") String owner) {
        JdbcTokenStore.Builder builder = JdbcTokenStore.builder()
                                                       .connectionProvider(connectionProvider)
                                                       .schema(new TokenSchema())
                                                       .serializer(serializer)
                                                       .claimTimeout(Duration.ofSeconds(10));
        if (!owner.isBlank()) {
            builder.nodeId(owner);
        }
        return builder.build();
    }

    /** Sagas in PostgreSQL, each taken by one transaction at a time across instances ({@link SerializedSagaStore}). */
    @Bean
    SagaStore<Object> sagaStore(ConnectionProvider connectionProvider, Serializer serializer) {
        return new SerializedSagaStore(JdbcSagaStore.builder()
                                                    .connectionProvider(connectionProvider)
                                                    .sqlSchema(new GenericSagaSqlSchema())
                                                    .serializer(serializer)
                                                    .build(), connectionProvider);
    }

    /** Dead letters in PostgreSQL for any processing group that enables its dead-letter queue. */
    @Bean
    DeadLetterQueueProviderConfigurerModule deadLetterQueueProvider(EventProcessorProperties processorProperties,
                                                                    ConnectionProvider connectionProvider,
                                                                    TransactionManager transactionManager,
                                                                    @Qualifier("eventSerializer") Serializer eventSerializer,
                                                                    Serializer genericSerializer) {
        return new DeadLetterQueueProviderConfigurerModule(processorProperties,
                processingGroup -> config -> JdbcSequencedDeadLetterQueue.builder()
                                                                         .processingGroup(processingGroup)
                                                                         .connectionProvider(connectionProvider)
                                                                         .transactionManager(transactionManager)
                                                                         .schema(DeadLetterSchema.defaultSchema())
                                                                         .genericSerializer(genericSerializer)
                                                                         .eventSerializer(eventSerializer)
                                                                         .build());
    }

    /**
     * The JDBC event store, declared here rather than left to Axon's auto-configuration so that its
     * producer polls every {@code ledger.events.fetch-delay} (Axon's default is a second): the query side,
     * in this JVM or another, sees a committed event within that delay.
     * <p>
     * {@code ledger.events.fetch-size} is how many events one query reads (Axon's default is 100): a processor
     * that is behind (a replay, a restart after a pause) reads the store in pages of that size, so fewer,
     * larger queries; a processor at the head reads only what is new, whatever the size.
     * <p>
     * Its reads never skip an event that commits late ({@link ExactGapEventStorageEngine}).
     */
    @Bean
    @ConditionalOnProperty(name = "axon.axonserver.enabled", havingValue = "false", matchIfMissing = true)
    EventStorageEngine eventStorageEngine(Serializer defaultSerializer,
                                          @Qualifier("eventSerializer") Serializer eventSerializer,
                                          org.axonframework.config.Configuration configuration,
                                          ConnectionProvider connectionProvider,
                                          TransactionManager transactionManager,
                                          @Value("${ledger.events.fetch-size:1000}") int fetchSize) {
        JdbcEventStorageEngine.Builder builder = JdbcEventStorageEngine.builder()
                                     .batchSize(fetchSize)
                                     .snapshotSerializer(defaultSerializer)
                                     .upcasterChain(configuration.upcasterChain())
                                     .persistenceExceptionResolver(AxonInfrastructure::isDuplicateKey)
                                     .eventSerializer(eventSerializer)
                                     .snapshotFilter(configuration.snapshotFilter())
                                     .connectionProvider(connectionProvider)
                                     .transactionManager(transactionManager)
                                     .schema(EventTable.SCHEMA);
        return new ExactGapEventStorageEngine(builder, transactionManager);
    }

    /**
     * Two appends at the same sequence of one aggregate (two command-side instances, or a cached aggregate behind the
     * store) are a concurrent change, which Axon reports as a ConcurrencyException (409, retry). PostgreSQL says so
     * with SQLSTATE 23505 anywhere in the cause chain, also on a batch's next exception, where Axon's error-code
     * resolver does not look. Guarded by ScaleOutTest (RELIABILITY.md, process-level finding 4).
     */
    static boolean isDuplicateKey(Exception exception) {
        // 40001: the hash-chain trigger (V13) found the previous event of the stream rolled back
        return DatabaseFailures.hasSqlState(exception, "23505", "40001")
               || new JdbcSQLErrorCodesResolver().isDuplicateKeyViolation(exception);
    }

    @Qualifier("eventStore")
    @Bean(name = "eventBus")
    @ConditionalOnProperty(name = "axon.axonserver.enabled", havingValue = "false", matchIfMissing = true)
    EmbeddedEventStore eventStore(EventStorageEngine storageEngine, org.axonframework.config.Configuration configuration,
                                  @Value("${ledger.events.fetch-delay:50ms}") Duration fetchDelay) {
        return EmbeddedEventStore.builder()
                                 .storageEngine(storageEngine)
                                 .messageMonitor(configuration.messageMonitor(EventStore.class, "eventStore"))
                                 .spanFactory(configuration.getComponent(EventBusSpanFactory.class))
                                 .fetchDelay(fetchDelay.toMillis())
                                 .build();
    }

    @Bean
    CorrelationDataProvider ledgerMetaData() {
        return new LedgerMetaData();
    }

    /** Who and why, on every command and event dispatched while serving a request. */
    @Bean
    ConfigurerModule requestMetaDataModule() {
        return configurer -> configurer.onInitialize(config -> config.onStart(() -> {
            config.commandBus().registerDispatchInterceptor(new RequestMetaData<CommandMessage<?>>());
            config.commandBus().registerHandlerInterceptor(new RuleViolationInterceptor());
            config.eventBus().registerDispatchInterceptor(new RequestMetaData<EventMessage<?>>());
        }));
    }

    /**
     * A handler that fails fails its batch: the transaction rolls back, the token stays, and the processor tries the
     * batch again after a backoff. Axon's default (log and go on) would skip the event for good: a saga would
     * never take its next step after a moment without the database, and a projection whose statement failed would
     * lose the rest of its batch. Sagas relax this per processing group ({@link RetryWhenDatabaseIsAway}): a
     * command a saga sends can be refused after a race it lost, and that must not hold its segment forever.
     */
    @Bean
    ConfigurerModule propagatingHandlerFailures() {
        return configurer -> configurer.eventProcessing()
                                       .registerDefaultListenerInvocationErrorHandler(config -> PropagatingErrorHandler.instance());
    }

    /**
     * No per-message monitors on the event processors. Axon's Micrometer module times, counts and measures the
     * capacity of every event every processor sees, also the ones it ignores; with a dozen processors reading the
     * whole stream that was about a sixth of the JVM's CPU in a replay (BENCHMARKS.md). A processor's position and
     * lag are in {@code GET /api/admin/projections}; the command bus, query bus and event store keep their metrics.
     * Ordered last, so it is the one that counts whatever the metrics module registers for processors.
     */
    @Bean
    ConfigurerModule noPerEventProcessorMonitors() {
        return new ConfigurerModule() {
            @Override
            public void configureModule(org.axonframework.config.Configurer configurer) {
                configurer.configureMessageMonitor(EventProcessor.class,
                        (config, componentType, componentName) -> NoOpMessageMonitor.instance());
            }

            @Override
            public int order() {
                return Integer.MAX_VALUE;
            }
        };
    }

    /**
     * Pooled streaming processors everywhere: segments are claimed in parallel and spread over instances.
     * They read the event store through {@link PromptEventSource}, so they see new events within a tick.
     */
    @Bean
    ConfigurerModule pooledProcessorsModule(ObjectProvider<PromptEventSource> promptEventSource) {
        return configurer -> configurer.eventProcessing()
                                       .usingPooledStreamingEventProcessors()
                                       .configureDefaultStreamableMessageSource(config -> promptEventSource.getObject());
    }

    /** Named as the {@code source} of each processor declared in properties. */
    @Bean(destroyMethod = "close")
    PromptEventSource promptEventSource(EventStore eventStore,
                                        @Value("${ledger.events.tick:10ms}") Duration tick) {
        return new PromptEventSource(eventStore, tick);
    }

    @Bean
    Jackson3SerializerCustomizer serializerCustomizer() {
        // Axon's tokens (ReplayToken's context is typed Object) carry their class name; Jackson 3 refuses
        // polymorphic Object by default, so name exactly which packages may be instantiated that way.
        PolymorphicTypeValidator ownTypesOnly = BasicPolymorphicTypeValidator.builder()
                                                                             .allowIfSubType("org.axonframework.")
                                                                             .allowIfSubType("shop.ledger.")
                                                                             .allowIfSubType("java.util.")
                                                                             .allowIfSubType("java.lang.")
                                                                             .allowIfSubType("java.time.")
                                                                             .build();
        return builder -> builder
                // events written by an older version stay readable after fields are added
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .polymorphicTypeValidator(ownTypesOnly);
    }
}
