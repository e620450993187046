package shop.ledger.command;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.interceptors.CorrelationDataInterceptor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.command.order.OrderFulfilmentSaga;
import shop.ledger.command.refund.RefundCaseSaga;
import shop.ledger.command.withdrawal.WithdrawalSaga;
import shop.ledger.platform.axon.ProcessActor;

import java.util.List;

/**
 * What a saga sends is on its own behalf: {@code process:<processing group>} is the actor of every command and
 * deadline its handlers send ({@link ProcessActor} on each saga's processor), and a deadline's handler sends on with
 * the deadline's metadata (Axon registers no correlation data on the deadline manager). Checked by
 * {@code OrderFlowTest.anOrderIsReservedForwardedCompletedAndCapturedOnce}.
 */
@Configuration
class SagaActors {

    static final List<String> SAGAS = List.of(OrderFulfilmentSaga.PROCESSING_GROUP, RefundCaseSaga.PROCESSING_GROUP,
                                              WithdrawalSaga.PROCESSING_GROUP);

    @Bean
    ConfigurerModule sagasSendAsTheirProcess() {
        return configurer -> SAGAS.forEach(group -> configurer.eventProcessing().registerHandlerInterceptor(
                group, config -> new ProcessActor(group)));
    }

    @Bean
    SmartInitializingSingleton deadlineHandlersSendWithTheDeadlinesMetaData(ObjectProvider<DeadlineManager> deadlines,
                                                                            List<CorrelationDataProvider> providers) {
        return () -> deadlines.ifAvailable(manager -> manager.registerHandlerInterceptor(
                new CorrelationDataInterceptor<>(providers)));
    }
}
