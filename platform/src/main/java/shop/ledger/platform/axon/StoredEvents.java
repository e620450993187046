package shop.ledger.platform.axon;

import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

import java.util.ArrayList;
import java.util.List;

/**
 * The identifiers of the events appended in a root unit of work (its transaction), noted by the event store as it
 * appends them, so that a request can name the highest position it stored through the unique index on
 * {@code eventIdentifier} instead of scanning the table. Guarded by IdempotencyContractTest.
 */
public final class StoredEvents {

    private static final String RESOURCE = StoredEvents.class.getName();

    private StoredEvents() {
    }

    static void note(List<? extends EventMessage<?>> events) {
        if (!events.isEmpty() && CurrentUnitOfWork.isStarted()) {
            List<String> identifiers = CurrentUnitOfWork.get().root()
                                                        .getOrComputeResource(RESOURCE, key -> new ArrayList<String>());
            events.forEach(event -> identifiers.add(event.getIdentifier()));
        }
    }

    /** What the given unit of work's root has appended so far; empty when nothing. */
    public static List<String> identifiers(UnitOfWork<?> unitOfWork) {
        List<String> identifiers = unitOfWork.root().getResource(RESOURCE);
        return identifiers == null ? List.of() : List.copyOf(identifiers);
    }
}
