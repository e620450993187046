package shop.ledger.reliability;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Locale;

/**
 * A customer's authenticator app (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits). The ledger accepts a code for the
 * current step or one either side, each step once and in increasing order, so this hands out the next usable one.
 */
final class Totp {

    private final byte[] key;
    private long lastStep = Long.MIN_VALUE;

    Totp(String base32Secret) {
        this.key = base32(base32Secret);
    }

    static long stepNow() {
        return Instant.now().getEpochSecond() / 30;
    }

    /** The code of the earliest step from now on the ledger has not seen from us; waits when none is left. */
    synchronized String nextCode() {
        while (true) {
            long now = stepNow();
            // the current step first: a code of the previous one may expire on its way under load
            long step = Math.max(now, lastStep + 1);
            if (step <= now + 1) {
                lastStep = step;
                return code(step);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Whether {@link #nextCode()} would answer without waiting. */
    synchronized boolean codeAvailable() {
        return lastStep + 1 <= stepNow() + 1;
    }

    String code(long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = hash[hash.length - 1] & 0xf;
            int value = (ByteBuffer.wrap(hash, offset, 4).getInt() & 0x7fffffff) % 1_000_000;
            return String.format(Locale.ROOT, "%06d", value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] base32(String text) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : text.replace("=", "").toUpperCase(Locale.ROOT).toCharArray()) {
            int value = alphabet.indexOf(c);
            if (value < 0) {
                continue;
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }
}
