package shop.ledger.platform.web;

/**
 * Finds text in a JSON body that is valid JSON but no text the ledger can keep: the escape {@code \u0000}
 * (PostgreSQL text cannot hold NUL, so a read model would fail on it long after the request was accepted) and
 * unpaired surrogate escapes (no Unicode character at all). Escapes are ASCII, so the bytes are scanned as
 * they are, whatever UTF-8 surrounds them.
 */
final class JsonText {

    private JsonText() {
    }

    static boolean holdsUnstorableText(byte[] json) {
        for (int i = 0; i < json.length; i++) {
            if (json[i] != '\\' || i + 1 >= json.length) {
                continue;
            }
            if (json[i + 1] != 'u') {
                i++; // an escaped character, perhaps a backslash: not the start of another escape
                continue;
            }
            int unit = hex4(json, i + 2);
            if (unit < 0) {
                continue;
            }
            i += 5;
            if (unit == 0 || Character.isLowSurrogate((char) unit)) {
                return true;
            }
            if (Character.isHighSurrogate((char) unit)) {
                boolean escapeFollows = i + 2 < json.length && json[i + 1] == '\\' && json[i + 2] == 'u';
                int low = escapeFollows ? hex4(json, i + 3) : -1;
                if (low < 0 || !Character.isLowSurrogate((char) low)) {
                    return true;
                }
                i += 6;
            }
        }
        return false;
    }

    private static int hex4(byte[] bytes, int from) {
        if (from + 4 > bytes.length) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < from + 4; i++) {
            int digit = Character.digit(bytes[i], 16);
            if (digit < 0) {
                return -1;
            }
            value = value * 16 + digit;
        }
        return value;
    }
}
