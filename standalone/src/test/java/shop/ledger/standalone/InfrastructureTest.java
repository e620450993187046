package shop.ledger.standalone;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.modelling.saga.repository.SagaStore;
import shop.ledger.platform.axon.ExactGapEventStorageEngine;
import shop.ledger.platform.axon.SerializedSagaStore;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.jackson3.Jackson3Serializer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The measured pitfalls of DESIGN.md, checked on the running context rather than trusted. */
@StandaloneTest
class InfrastructureTest {

    @Autowired
    EventStorageEngine storageEngine;
    @Autowired
    TokenStore tokenStore;
    @Autowired
    SagaStore<?> sagaStore;
    @Autowired
    DeadlineManager deadlineManager;
    @Autowired
    Serializer serializer;
    @Autowired
    @Qualifier("eventSerializer")
    Serializer eventSerializer;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    MeterRegistry meters;

    @Test
    void axonRunsOnPostgresqlWithPersistedDeadlinesAndJackson3() {
        assertThat(storageEngine).isInstanceOf(JdbcEventStorageEngine.class).isInstanceOf(ExactGapEventStorageEngine.class);
        assertThat(tokenStore).isInstanceOf(JdbcTokenStore.class);
        assertThat(sagaStore).isInstanceOf(SerializedSagaStore.class);
        assertThat(deadlineManager).as("SimpleDeadlineManager forgets deadlines on restart")
                                   .isInstanceOf(DbSchedulerDeadlineManager.class);
        assertThat(serializer).isInstanceOf(Jackson3Serializer.class);
        assertThat(eventSerializer).isInstanceOf(Jackson3Serializer.class);
    }

    @Test
    void everyProjectionRunsInAPooledStreamingProcessor() {
        for (String name : List.of("wallets", "journal", "accounts")) {
            assertThat(processing.eventProcessor(name)).as(name).containsInstanceOf(PooledStreamingEventProcessor.class);
        }
    }

    @Test
    void eventProcessorsCarryNoPerEventMonitorsWhileTheBusesKeepTheirs() {
        List<String> names = meters.getMeters().stream().map(meter -> meter.getId().getName()).distinct().toList();
        assertThat(names).as("Axon's command bus metrics").anyMatch(name -> name.startsWith("commandBus"));
        for (String processor : processing.eventProcessors().keySet()) {
            assertThat(names).as("metrics of processor " + processor).noneMatch(name -> name.startsWith(processor + "."));
        }
    }

    @Test
    void noColumnAnywhereIsALargeObject() {
        List<String> oidColumns = jdbc.sql("""
                                               SELECT table_name || '.' || column_name FROM information_schema.columns
                                               WHERE table_schema = 'public' AND data_type = 'oid'""")
                                      .query(String.class).list();
        assertThat(oidColumns).isEmpty();
        List<String> serialized = jdbc.sql("""
                                               SELECT data_type FROM information_schema.columns
                                               WHERE table_schema = 'public'
                                                 AND (table_name, column_name) IN (('domainevententry', 'payload'),
                                                     ('domainevententry', 'metadata'), ('snapshotevententry', 'payload'),
                                                     ('tokenentry', 'token'), ('sagaentry', 'serializedsaga'),
                                                     ('deadletterentry', 'payload'), ('scheduled_tasks', 'task_data'))""")
                                      .query(String.class).list();
        assertThat(serialized).hasSize(7).containsOnly("bytea");
    }
}
