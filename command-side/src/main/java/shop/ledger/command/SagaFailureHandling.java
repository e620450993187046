package shop.ledger.command;

import org.axonframework.config.ConfigurerModule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.command.order.OrderFulfilmentSaga;
import shop.ledger.command.refund.RefundCaseSaga;
import shop.ledger.command.withdrawal.WithdrawalSaga;
import shop.ledger.platform.axon.RetryWhenDatabaseIsAway;

import java.util.List;

/**
 * Projections retry every failed batch (platform default). A saga retries only when the database was away: any
 * other failure is a command its aggregate refused after a race the saga lost, which is logged and passed over
 * instead of holding the saga's segment forever.
 */
@Configuration
class SagaFailureHandling {

    @Bean
    ConfigurerModule sagasRetryOnlyWhenTheDatabaseIsAway() {
        return configurer -> List.of(OrderFulfilmentSaga.PROCESSING_GROUP, RefundCaseSaga.PROCESSING_GROUP,
                                     WithdrawalSaga.PROCESSING_GROUP)
                                 .forEach(group -> configurer.eventProcessing().registerListenerInvocationErrorHandler(
                                         group, config -> new RetryWhenDatabaseIsAway()));
    }
}
