package shop.ledger.command.order;

import shop.ledger.command.supplier.SupplierPort;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** A supplier that answers what the test scripts, and remembers what it was sent. */
class ScriptedSupplier implements SupplierPort {

    final Deque<Placement> placements = new ArrayDeque<>();
    final Deque<Optional<Status>> statuses = new ArrayDeque<>();
    final List<Submission> received = new ArrayList<>();
    final List<String> polled = new ArrayList<>();

    @Override
    public Placement place(String supplier, Submission submission) {
        received.add(submission);
        return placements.isEmpty() ? new Unknown("nothing scripted") : placements.poll();
    }

    @Override
    public Optional<Status> status(String supplier, String supplierReference) {
        polled.add(supplierReference);
        return statuses.isEmpty() ? Optional.empty() : statuses.poll();
    }
}
