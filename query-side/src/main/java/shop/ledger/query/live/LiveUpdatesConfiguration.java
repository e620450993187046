package shop.ledger.query.live;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The live-updates processor is per instance: its position lives in memory (not in the shared token store,
 * where instances would split the segments among them) and starts at the head of the event stream.
 * Its batch size and segment count are in application-query.yaml like every other processor's.
 */
@Configuration
public class LiveUpdatesConfiguration {

    @Bean
    ConfigurerModule liveUpdatesProcessor() {
        return configurer -> configurer.eventProcessing()
                                       .registerTokenStore(LiveUpdates.PROCESSING_GROUP, config -> new InMemoryTokenStore())
                                       .registerPooledStreamingEventProcessorConfiguration(LiveUpdates.PROCESSING_GROUP,
                                               (config, builder) -> builder.initialToken(StreamableMessageSource::createHeadToken));
    }
}
