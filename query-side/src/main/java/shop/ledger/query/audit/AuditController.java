package shop.ledger.query.audit;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.platform.axon.EventTable;
import shop.ledger.platform.axon.EventTable.StoredEvent;
import shop.ledger.query.position.NoReadModel;
import shop.ledger.query.position.ReadModel;
import shop.ledger.query.wallet.JournalProjection;
import shop.ledger.query.wallet.WalletProjection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The auditor's view (API.md, Audit): everything computed from the event store, never from the read models
 * (except verify, which compares the two). Long results are streamed page by page (keyset paging), so a wallet
 * with 100,000 events or the whole store never sits in memory at once.
 */
@RestController
@NoReadModel("the event store")
@Tag(name = "Audit")
public class AuditController {

    static final int PAGE = 1000;
    static final MediaType NDJSON = MediaType.parseMediaType("application/x-ndjson");

    private final JdbcClient jdbc;
    private final EventTable events;
    private final LedgerVerifier verifier;

    public AuditController(JdbcClient jdbc, DataSource dataSource) {
        this.jdbc = jdbc;
        this.events = new EventTable(jdbc);
        this.verifier = new LedgerVerifier(dataSource);
    }

    @GetMapping("/api/audit/wallets/{walletId}/history")
    @Operation(summary = "Every money event of a wallet, in order, from the event store (AUDITOR)")
    public ResponseEntity<StreamingResponseBody> history(@PathVariable UUID walletId,
                                                         @RequestParam(required = false) String from,
                                                         @RequestParam(required = false) String to) {
        String fromTime = time("from", from);
        String toTime = time("to", to);
        requireWallet(walletId);
        String stream = walletId.toString();
        EventTable.Filter moneyEvents = EventTable.Filter.timeStamps(fromTime, toTime).payloadTypes(AuditEvents.MONEY_TYPES);
        StreamingResponseBody body = out -> {
            out.write(("{\"walletId\":\"" + stream + "\",\"items\":[").getBytes(StandardCharsets.UTF_8));
            boolean first = true;
            long after = -1;
            while (true) {
                List<StoredEvent> rows = events.streamPage(stream, after, moneyEvents, PAGE);
                for (StoredEvent row : rows) {
                    out.write(first ? new byte[0] : new byte[]{','});
                    first = false;
                    out.write(AuditEvents.JSON.writeValueAsBytes(historyItem(row)));
                }
                if (rows.size() < PAGE) {
                    break;
                }
                after = rows.get(rows.size() - 1).sequenceNumber();
                out.flush();
            }
            out.write("]}".getBytes(StandardCharsets.UTF_8));
        };
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    @GetMapping("/api/audit/wallets/{walletId}/balance")
    @Operation(summary = "A wallet's balance as of an instant, from its last money event at or before it (AUDITOR)")
    public Map<String, Object> balance(@PathVariable UUID walletId, @RequestParam String asOf) {
        Instant instant = instant("asOf", asOf);
        requireWallet(walletId);
        // the first entry of a backward scan of (aggregateIdentifier, timeStamp, sequenceNumber), V14; Axon's
        // timeStamp text sorts as time
        var last = jdbc.sql("""
                                SELECT %1$s, %2$s, %3$s FROM %4$s
                                WHERE %5$s = :stream AND %6$s <= :asOf AND %2$s IN (:moneyTypes)
                                ORDER BY %6$s DESC, %7$s DESC LIMIT 1""".formatted(EventTable.GLOBAL_INDEX,
                                EventTable.PAYLOAD_TYPE, EventTable.PAYLOAD, EventTable.TABLE,
                                EventTable.AGGREGATE_IDENTIFIER, EventTable.TIME_STAMP, EventTable.SEQUENCE_NUMBER))
                       .param("stream", walletId.toString())
                       .param("asOf", AuditEvents.axonTime(instant))
                       .param("moneyTypes", AuditEvents.MONEY_TYPES)
                       .query((rs, n) -> new LastMovement(rs.getLong(1),
                               AuditEvents.Movement.of(rs.getString(2), AuditEvents.parse(rs.getBytes(3)))))
                       .optional()
                       .filter(found -> found.movement() != null);
        long available = 0;
        long held = 0;
        Long position = null;
        if (last.isPresent()) {
            available = last.get().movement().availableAfter();
            held = last.get().movement().heldAfter();
            position = last.get().globalIndex();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("walletId", walletId);
        result.put("available", available);
        result.put("held", held);
        result.put("balance", available + held);
        result.put("asOf", instant);
        result.put("lastGlobalPosition", position);
        return result;
    }

    /** A wallet's last money event at or before an instant: its position and the balances it left. */
    private record LastMovement(long globalIndex, AuditEvents.Movement movement) {
    }

    @ReadModel({WalletProjection.PROCESSING_GROUP, JournalProjection.PROCESSING_GROUP}) // compares them with the events
    @GetMapping("/api/audit/verify")
    @Operation(summary = "Replays every wallet against its events and the read models, checks the journal nets "
                         + "to zero and every event's hash chain (AUDITOR)")
    public LedgerVerifier.Report verify() {
        return verifier.verify();
    }

    @GetMapping("/api/audit/export")
    @Operation(summary = "The event store as NDJSON, one event per line, without personal data (AUDITOR)")
    public ResponseEntity<StreamingResponseBody> export(@RequestParam(required = false) String from,
                                                        @RequestParam(required = false) String to) {
        String fromTime = time("from", from);
        String toTime = time("to", to);
        EventTable.Filter between = EventTable.Filter.timeStamps(fromTime, toTime);
        StreamingResponseBody body = out -> {
            long after = -1;
            while (true) {
                List<StoredEvent> rows = events.page(after, between, PAGE);
                for (StoredEvent row : rows) {
                    writeLine(out, exportLine(row));
                }
                if (rows.size() < PAGE) {
                    break;
                }
                after = rows.get(rows.size() - 1).globalIndex();
                out.flush();
            }
        };
        return ResponseEntity.ok().contentType(NDJSON).body(body);
    }

    private static void writeLine(OutputStream out, JsonNode line) throws IOException {
        out.write(AuditEvents.JSON.writeValueAsBytes(line));
        out.write('\n');
    }

    private void requireWallet(UUID walletId) {
        boolean exists = jdbc.sql("SELECT count(*) FROM " + EventTable.TABLE + " WHERE "
                                  + EventTable.AGGREGATE_IDENTIFIER + " = ? AND " + EventTable.SEQUENCE_NUMBER
                                  + " = 0 AND " + EventTable.PAYLOAD_TYPE + " = ?")
                             .params(walletId.toString(), AuditEvents.WALLET_OPENED)
                             .query(Long.class).single() > 0;
        if (!exists) {
            throw new RuleViolation(ProblemType.NOT_FOUND, "no such wallet");
        }
    }

    private static ObjectNode historyItem(StoredEvent row) {
        JsonNode payload = AuditEvents.parse(row.payload());
        JsonNode metaData = AuditEvents.parse(row.metaData());
        AuditEvents.Movement movement = AuditEvents.Movement.of(row.payloadType(), payload);
        ObjectNode item = AuditEvents.JSON.createObjectNode();
        item.put("globalPosition", row.globalIndex());
        item.put("occurredAt", row.timeStamp());
        item.put("eventType", AuditEvents.simpleName(row.payloadType()));
        item.put("kind", movement.kind());
        item.put("amount", Math.abs(movement.signedAmount()));
        if (movement.currency() != null) {
            item.put("currency", movement.currency());
        }
        item.put("availableChange", movement.availableChange());
        item.put("heldChange", movement.heldChange());
        item.put("availableAfter", movement.availableAfter());
        item.put("heldAfter", movement.heldAfter());
        String reference = text(payload, "referenceId");
        if (reference != null) {
            switch (payload.path("purpose").asText("")) {
                case "ORDER" -> item.put("orderId", reference);
                case "WITHDRAWAL" -> item.put("withdrawalId", reference);
                case "REFUND_CASE_FEE" -> item.put("refundCaseId", reference);
                default -> item.put("referenceId", reference);
            }
        }
        putIfPresent(item, "depositId", text(payload, "depositId"));
        putIfPresent(item, "reason", text(payload, "reason"));
        item.put("correlationId", text(metaData, "correlationId"));
        item.put("actor", text(metaData, "actor"));
        return item;
    }

    private static ObjectNode exportLine(StoredEvent row) {
        ObjectNode line = AuditEvents.JSON.createObjectNode();
        line.put("globalPosition", row.globalIndex());
        line.put("occurredAt", row.timeStamp());
        line.put("aggregateId", row.aggregateIdentifier());
        line.put("sequence", row.sequenceNumber());
        line.put("eventType", AuditEvents.simpleName(row.payloadType()));
        JsonNode payload;
        try {
            payload = AuditEvents.parse(row.payload());
        } catch (RuntimeException notJson) {
            payload = AuditEvents.JSON.createObjectNode(); // never hand out bytes we cannot vet
        }
        // PRIVACY: fields named encrypted* (ciphertext of personal data) are dropped, see AuditEvents
        line.set("payload", AuditEvents.withoutEncrypted(payload));
        JsonNode metaData = AuditEvents.parse(row.metaData());
        ObjectNode meta = line.putObject("metadata");
        meta.put("correlationId", text(metaData, "correlationId"));
        meta.put("causationId", text(metaData, "causationId"));
        meta.put("actor", text(metaData, "actor"));
        line.put("eventHash", AuditEvents.hex(row.eventHash()));
        return line;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String time(String name, String value) {
        return value == null || value.isBlank() ? null : AuditEvents.axonTime(instant(name, value));
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException | NullPointerException e) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, name + " must be an ISO-8601 instant");
        }
    }
}
