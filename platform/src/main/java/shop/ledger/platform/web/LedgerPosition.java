package shop.ledger.platform.web;

/**
 * The read-your-writes headers of API.md (Conventions, "Read your own writes"): a state-changing request's 2xx
 * answer carries {@link #HEADER}, the position its transaction reached in the event store; a read sent with
 * {@link #MIN_HEADER} waits until what feeds it covers that position.
 */
public final class LedgerPosition {

    /** On every 2xx answer of a state-changing request, replays included: a global index of the event store. */
    public static final String HEADER = "X-Ledger-Position";
    /** On a read: answer once the endpoint's processors cover this global index. */
    public static final String MIN_HEADER = "X-Ledger-Min-Position";

    private LedgerPosition() {
    }
}
