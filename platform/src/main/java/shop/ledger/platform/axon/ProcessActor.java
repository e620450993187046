package shop.ledger.platform.axon;

import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import shop.ledger.api.common.Actor;

import java.util.Optional;

/**
 * The actor of a process (a saga): registered on the process's event processor, it marks the unit of work its
 * handlers run in, and {@link LedgerMetaData} stamps {@code process:<name>} as the actor of every message sent or
 * scheduled from it (commands, deadlines), instead of the actor of the event being handled. A deadline carries that
 * actor on to the messages its handler sends. The sagas therefore never stamp their actor by hand.
 */
public final class ProcessActor implements MessageHandlerInterceptor<Message<?>> {

    private static final String RESOURCE = ProcessActor.class.getName();

    private final String actor;

    public ProcessActor(String processName) {
        this.actor = Actor.process(processName);
    }

    @Override
    public Object handle(UnitOfWork<? extends Message<?>> unitOfWork, InterceptorChain interceptorChain)
            throws Exception {
        unitOfWork.resources().put(RESOURCE, actor);
        return interceptorChain.proceed();
    }

    /** The actor of the process whose handler runs in the current unit of work, if any. */
    static Optional<String> current() {
        return CurrentUnitOfWork.isStarted()
               ? Optional.ofNullable(CurrentUnitOfWork.get().getResource(RESOURCE))
               : Optional.empty();
    }
}
