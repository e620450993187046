package shop.ledger.standalone.identity;

import org.apache.commons.codec.binary.Base32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Instant;

/**
 * What a customer's authenticator app does with the enrolment's secret (RFC 6238: HMAC-SHA1, 30 s, 6 digits),
 * written apart from the ledger's own implementation so the two check each other.
 */
public final class Authenticator {

    private final byte[] key;

    public Authenticator(String base32Secret) {
        this.key = new Base32().decode(base32Secret);
    }

    public static long stepNow() {
        return Instant.now().getEpochSecond() / 30;
    }

    public String code(long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = hash[19] & 0xf;
            int value = (ByteBuffer.wrap(hash, offset, 4).getInt() & 0x7fffffff) % 1_000_000;
            return String.format("%06d", value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A six-digit code that is none of the codes of the steps around now. */
    public String wrongCode() {
        long now = stepNow();
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            boolean valid = false;
            for (long step = now - 2; step <= now + 2; step++) {
                valid |= code.equals(code(step));
            }
            if (!valid) {
                return code;
            }
        }
    }
}
