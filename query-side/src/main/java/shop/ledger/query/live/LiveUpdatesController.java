package shop.ledger.query.live;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.query.position.NoReadModel;

/** The caller's live updates as Server-Sent Events. */
@RestController
@NoReadModel("a live stream of what this instance's live-updates processor sees from now on")
@Tag(name = "Live updates")
public class LiveUpdatesController {

    private final LiveSubscriptions subscriptions;

    public LiveUpdatesController(LiveSubscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    @GetMapping(path = "/api/me/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "The caller's order status changes (event 'order': {orderId, status, at}) and wallet "
            + "balance changes (event 'wallet': {walletId, available, held, balance}) as they happen; "
            + "a comment line every 15 s keeps the stream open")
    public SseEmitter events() {
        Caller caller = CurrentCaller.get();
        // staff have no orders or wallet of their own: their stream carries heartbeats only
        return subscriptions.subscribe(caller.accountId(), caller.walletId());
    }

    /**
     * A client that goes away is the normal end of a stream, not a failure: nothing to answer and nothing to
     * log (the stream is already dropped). Local, so it comes before the application-wide problem handler.
     */
    @ExceptionHandler(AsyncRequestNotUsableException.class)
    void clientGone() {
        // the response can no longer be written
    }
}
