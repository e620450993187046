package shop.ledger.query.position;

import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import shop.ledger.platform.web.LedgerPosition;

import java.util.Set;

/** Wiring for reads that wait for a position ({@link MinPositionFilter}). */
@Configuration
public class ReadYourWritesConfiguration {

    /**
     * Wakes the waiting reads when a batch of this instance's processors commits, without the round trip through
     * PostgreSQL's notification ({@link TokenCommitListener} brings the other instances' commits): once per unit of
     * work, after its commit.
     */
    @Bean
    ConfigurerModule wakeWaitingReadsOnCommit(PositionWaiters waiters) {
        MessageHandlerInterceptor<EventMessage<?>> wake = new WakeAfterCommit(waiters);
        return configurer -> configurer.eventProcessing()
                                       .registerDefaultHandlerInterceptor((config, processorName) -> wake);
    }

    private record WakeAfterCommit(PositionWaiters waiters) implements MessageHandlerInterceptor<EventMessage<?>> {

        private static final String REGISTERED = WakeAfterCommit.class.getName();

        @Override
        public Object handle(UnitOfWork<? extends EventMessage<?>> unitOfWork, InterceptorChain chain)
                throws Exception {
            UnitOfWork<?> root = unitOfWork.root();
            if (root.resources().putIfAbsent(REGISTERED, Boolean.TRUE) == null) {
                root.afterCommit(committed -> waiters.wake());
            }
            return chain.proceed();
        }
    }

    /** The OpenAPI document names the header and the 503 on every endpoint that waits for a read model. */
    @Bean
    OperationCustomizer minPositionHeader() {
        return (operation, handler) -> {
            Set<String> processors = MinPositionFilter.declaredProcessors(handler).orElse(Set.of());
            if (!handler.getBeanType().getName().startsWith("shop.ledger.query.")) {
                return operation;
            }
            operation.addParametersItem(new HeaderParameter()
                    .name(LedgerPosition.MIN_HEADER)
                    .required(false)
                    .schema(new IntegerSchema().format("int64").minimum(java.math.BigDecimal.ZERO))
                    .description(processors.isEmpty()
                            ? "Checked (400 when past the event store's head) but never waited for: this endpoint "
                              + "reads no read model"
                            : "Answer once the read models " + processors + " cover this position (an "
                              + "X-Ledger-Position a write answered); 400 when past the event store's head"));
            if (!processors.isEmpty() && operation.getResponses() != null) {
                operation.getResponses().addApiResponse("503", new ApiResponse().description(
                        "The read models did not cover X-Ledger-Min-Position within the wait (5 s); Retry-After"));
            }
            return operation;
        };
    }
}
