package shop.ledger.simulator;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The GARBAGE fault of both simulators: instead of the protocol's answer, the page a broken proxy in front of the
 * party serves (nginx's 502), with status 200, so a client that trusts the status alone is caught
 * (DhruSimulatorTest, PayoutSimulatorTest).
 */
public final class BrokenGateway {

    private static final String PAGE = """
            <!DOCTYPE html>
            <html><head><title>502 Bad Gateway</title></head>
            <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>
            """;

    private BrokenGateway() {
    }

    public static ResponseEntity<String> page() {
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body(PAGE);
    }
}
