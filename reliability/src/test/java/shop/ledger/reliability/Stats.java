package shop.ledger.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** What the clients and the fault injectors saw: the figures RELIABILITY.md reports. */
final class Stats {

    final AtomicLong operations = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong unanswered = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong serverErrors = new AtomicLong();
    final AtomicLong kills = new AtomicLong();
    final AtomicLong restarts = new AtomicLong();
    final AtomicLong databaseOutages = new AtomicLong();
    final AtomicLong needsAttention = new AtomicLong();
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());

    void note(String note) {
        if (notes.size() < 50) {
            notes.add(note);
        }
    }

    List<String> notes() {
        synchronized (notes) {
            return List.copyOf(notes);
        }
    }

    String summary() {
        return "operations=" + operations + " acknowledged=" + acknowledged + " refused=" + refused
               + " retries=" + retries + " unanswered=" + unanswered + " 503s=" + unavailable
               + " other5xx=" + serverErrors + " kills=" + kills + " restarts=" + restarts
               + " databaseOutages=" + databaseOutages + " needsAttention=" + needsAttention;
    }
}
