package shop.ledger.platform.axon;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.ListenerInvocationErrorHandler;
import org.axonframework.eventhandling.LoggingErrorHandler;
import shop.ledger.platform.web.DatabaseFailures;

/**
 * What a saga's handler failure means for its processor (projections retry every failure: see
 * {@link AxonInfrastructure}). A command the saga sends can be refused after a race it lost: that is logged and
 * passed over, so it cannot hold the saga's segment forever. A failure that is only a missing database
 * connection (the database away, or every connection busy under load) is rethrown, so the processor rolls the
 * batch back and handles the same events again once the database answers: no saga step is lost.
 */
public final class RetryWhenDatabaseIsAway implements ListenerInvocationErrorHandler {

    private final ListenerInvocationErrorHandler otherwise = new LoggingErrorHandler();

    @Override
    public void onError(Exception exception, EventMessage<?> event, EventMessageHandler eventHandler) throws Exception {
        if (DatabaseFailures.isDatabaseUnavailable(exception)) {
            throw exception;
        }
        otherwise.onError(exception, event, eventHandler);
    }
}
