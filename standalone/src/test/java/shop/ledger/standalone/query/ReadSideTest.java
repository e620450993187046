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
 * {@link StandaloneTest} for the read side, which is tested with order histories written straight into
 * the event store ({@link OrderEventsFixture}). The order fulfilment saga would take those for real orders,
 * send them to the simulated supplier and append events of its own to them; here it does not see events
 * the fixture marked, so every history stays exactly as written. Everything else runs as usual.
 * Live streams send their heartbeat every second here (15 s by default), so a test can wait for one.
 * Test classes with this annotation share one context (apart from the plain {@code StandaloneTest} one).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@StandaloneTest
@Import(ReadSideTest.FixtureEventsBypassTheSaga.class)
@TestPropertySource(properties = "ledger.live.heartbeat=1s")
public @interface ReadSideTest {

    /** The processing group of the command side's order fulfilment saga. */
    String SAGA_PROCESSOR = "order-fulfilment";

    @TestConfiguration(proxyBeanMethods = false)
    class FixtureEventsBypassTheSaga {

        @Bean
        ConfigurerModule fixtureEventsBypassTheSaga() {
            MessageHandlerInterceptor<EventMessage<?>> skipFixtureEvents = (unitOfWork, chain) ->
                    unitOfWork.getMessage().getMetaData().containsKey(OrderEventsFixture.MARKER) ? null : chain.proceed();
            return configurer -> configurer.eventProcessing()
                                           .registerHandlerInterceptor(SAGA_PROCESSOR, config -> skipFixtureEvents);
        }
    }
}
