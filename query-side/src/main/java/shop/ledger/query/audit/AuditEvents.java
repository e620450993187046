package shop.ledger.query.audit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reading wallet events straight from the event store (platform.axon.EventTable): payload and metadata are
 * the serializer's JSON, so the audit parses them as JSON trees and never depends on the read models.
 */
final class AuditEvents {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static final String WALLET_EVENTS = "shop.ledger.api.wallet.WalletEvents$";
    static final String WALLET_OPENED = WALLET_EVENTS + "WalletOpened";

    /** The money events (MoneyMoved) by payload type, with their statement kind. */
    static final Map<String, String> MONEY_KINDS = Map.of(
            WALLET_EVENTS + "FundsDeposited", "DEPOSIT",
            WALLET_EVENTS + "FundsReserved", "RESERVE",
            WALLET_EVENTS + "ReservationCaptured", "CAPTURE",
            WALLET_EVENTS + "ReservationReleased", "RELEASE",
            WALLET_EVENTS + "BalanceAdjusted", "ADJUSTMENT");

    static final List<String> MONEY_TYPES = List.copyOf(MONEY_KINDS.keySet());

    /** Axon's timeStamp column: fixed-width ISO-8601 in UTC, so text order is time order. */
    private static final DateTimeFormatter AXON_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private AuditEvents() {
    }

    static String axonTime(Instant instant) {
        return AXON_TIME.format(instant);
    }

    static JsonNode parse(byte[] json) {
        if (json == null || json.length == 0) {
            return JSON.createObjectNode();
        }
        return JSON.readTree(new String(json, StandardCharsets.UTF_8));
    }

    static String simpleName(String payloadType) {
        int dollar = payloadType.lastIndexOf('$');
        int dot = payloadType.lastIndexOf('.');
        return payloadType.substring(Math.max(dollar, dot) + 1);
    }

    static String hex(byte[] bytes) {
        return bytes == null ? null : HexFormat.of().formatHex(bytes);
    }

    /** A money event as the audit reads it from its payload. */
    record Movement(String kind, long signedAmount, long availableChange, long heldChange, long availableAfter,
                    long heldAfter, String currency, JsonNode payload) {

        static Movement of(String payloadType, JsonNode payload) {
            String kind = MONEY_KINDS.get(payloadType);
            if (kind == null) {
                return null;
            }
            JsonNode money = payload.path("amount");
            long amount = money.isObject() ? money.path("amount").asLong() : money.asLong();
            String currency = money.isObject() ? money.path("currency").asText(null) : null;
            long availableChange;
            long heldChange;
            switch (kind) {
                case "DEPOSIT", "ADJUSTMENT" -> {
                    availableChange = amount;
                    heldChange = 0;
                }
                case "RESERVE" -> {
                    availableChange = -amount;
                    heldChange = amount;
                }
                case "CAPTURE" -> {
                    availableChange = 0;
                    heldChange = -amount;
                }
                default -> { // RELEASE
                    availableChange = amount;
                    heldChange = -amount;
                }
            }
            return new Movement(kind, amount, availableChange, heldChange, payload.path("availableAfter").asLong(),
                    payload.path("heldAfter").asLong(), currency, payload);
        }
    }

    /**
     * PRIVACY RULE for everything the audit hands out: personal data is never exported in clear. Payload
     * fields whose name starts with "encrypted" hold ciphertext of personal data (crypto-shredding); they are
     * omitted anyway, at every depth, so neither ciphertext nor a decryption by mistake ever leaves the ledger.
     */
    static JsonNode withoutEncrypted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<String> names = object.propertyNames().iterator();
            List<String> drop = new java.util.ArrayList<>();
            while (names.hasNext()) {
                String name = names.next();
                if (name.startsWith("encrypted")) {
                    drop.add(name);
                } else {
                    withoutEncrypted(object.get(name));
                }
            }
            object.remove(drop);
        } else if (node != null && node.isArray()) {
            node.forEach(AuditEvents::withoutEncrypted);
        }
        return node;
    }
}
