package shop.ledger.platform.crypto;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.api.identity.IdentityEvents.PersonalDataErased;

/**
 * Makes every instance, command side and query side alike, forget a cached data key as soon as the erasure
 * event reaches it (within the event store's polling delay), instead of using it until the cache expires.
 * Its processor is per instance: the position lives in memory and starts at the head, as every instance needs
 * each erasure itself (a cache started after an erasure never held that key).
 */
@Configuration
public class KeyEvictions {

    public static final String PROCESSING_GROUP = "data-key-evictions";

    @Bean
    Handler dataKeyEvictionHandler(KeyVault vault) {
        return new Handler(vault);
    }

    @Bean
    ConfigurerModule dataKeyEvictionProcessor() {
        return configurer -> configurer.eventProcessing()
                                       .registerTokenStore(PROCESSING_GROUP, config -> new InMemoryTokenStore())
                                       .registerPooledStreamingEventProcessorConfiguration(PROCESSING_GROUP,
                                               (config, builder) -> builder.initialToken(StreamableMessageSource::createHeadToken)
                                                                           .initialSegmentCount(1));
    }

    @ProcessingGroup(PROCESSING_GROUP)
    public static class Handler {

        private final KeyVault vault;

        Handler(KeyVault vault) {
            this.vault = vault;
        }

        @EventHandler
        void on(PersonalDataErased event) {
            vault.forget(event.customerId());
        }
    }
}
