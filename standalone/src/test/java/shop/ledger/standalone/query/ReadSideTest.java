package shop.ledger.standalone.query;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;
import shop.ledger.standalone.StandaloneTest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * {@link StandaloneTest} for the read side, which is tested with order and refund-case histories written
 * straight into the event store ({@link OrderEventsFixture}). The command side's sagas would take those for
 * real ones: the order fulfilment saga would send orders to the simulated supplier, the refund-case saga
 * would schedule the decision deadline and close cases, the withdrawal saga would pay out withdrawals
 * ({@link WithdrawalEventsFixture}), each appending events of its own. Here they do not
 * see events the fixture marked, so every history stays exactly as written. Everything else runs as usual.
 * Live streams send their heartbeat every second here (15 s by default), so a test can wait for one.
 * Test classes with this annotation share one context (apart from the plain {@code StandaloneTest} one).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@StandaloneTest
@Import(ReadSideTest.FixtureEventsBypassTheSaga.class)
@TestPropertySource(properties = "ledger.live.heartbeat=1s")
public @interface ReadSideTest {

    /**
     * The processing groups of the command side's sagas: order fulfilment, the refund-case window, withdrawals
     * (the payout). A group no saga uses yet is harmless here.
     */
    String[] SAGA_PROCESSORS = {"order-fulfilment", "refund-case", "withdrawal"};

    @TestConfiguration(proxyBeanMethods = false)
    class FixtureEventsBypassTheSaga {

        @Bean
        ConfigurerModule fixtureEventsBypassTheSaga() {
            MessageHandlerInterceptor<EventMessage<?>> skipFixtureEvents = (unitOfWork, chain) ->
                    unitOfWork.getMessage().getMetaData().containsKey(OrderEventsFixture.MARKER) ? null : chain.proceed();
            return configurer -> {
                for (String saga : SAGA_PROCESSORS) {
                    configurer.eventProcessing().registerHandlerInterceptor(saga, config -> skipFixtureEvents);
                }
            };
        }
    }
}
