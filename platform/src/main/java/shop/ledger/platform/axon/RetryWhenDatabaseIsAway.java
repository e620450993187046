package shop.ledger.platform.axon;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.ListenerInvocationErrorHandler;
import org.axonframework.eventhandling.LoggingErrorHandler;
import shop.ledger.platform.web.DatabaseFailures;

/**
 * What an event handler's failure means for its processor. Axon's default logs it and goes on with the next
 * event, which is right for a rule a saga ran into (a command an aggregate refused) but loses the event for good
 * when the failure was only that no database connection could be had (the database away, or every connection
 * busy under load): a read model row or a saga step would be missing forever. Such a failure is rethrown, so the
 * processor rolls the batch back and handles the same events again once the database answers; anything else is
 * logged and passed over as before.
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
