package shop.ledger.command.identity.totp;

import org.apache.commons.codec.binary.Base32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * RFC 6238 time-based one-time passwords as authenticator apps implement them: HMAC-SHA1, 30-second steps
 * from the Unix epoch, 6 digits (RFC 4226 dynamic truncation).
 * <p>
 * Written here on {@code javax.crypto} rather than taken from a library: the algorithm is a few lines around the
 * JDK's HMAC, which is the part that matters; no TOTP library is among the packages this (offline) build can
 * resolve, and the common ones bring QR-code or HTTP dependencies the ledger does not need. Base32 comes from
 * Apache Commons Codec (version managed by Spring Boot). The RFC 6238 Appendix B vectors are in {@code TotpTest}.
 */
public final class Totp {

    public static final int DIGITS = 6;
    public static final long PERIOD_SECONDS = 30;
    /** 160 bits, the HMAC-SHA1 block-friendly size RFC 4226 recommends. */
    public static final int SECRET_BYTES = 20;
    public static final String ISSUER = "IMEI Shop";

    private static final Pattern CODE = Pattern.compile("[0-9]{" + DIGITS + "}");
    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};
    private static final SecureRandom RANDOM = new SecureRandom();

    private Totp() {
    }

    public static byte[] newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /** The time step of an instant: whole periods since the Unix epoch. */
    public static long step(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), PERIOD_SECONDS);
    }

    /** The code of one time step with the given number of digits (RFC 4226 section 5.3, RFC 6238 section 4). */
    public static String code(byte[] secret, long step, int digits) {
        if (digits < 1 || digits > 8) {
            throw new IllegalArgumentException("digits: 1 to 8");
        }
        byte[] counter = new byte[8];
        for (int i = 7; i >= 0; i--) {
            counter[i] = (byte) (step & 0xff);
            step >>>= 8;
        }
        byte[] hash;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            hash = mac.doFinal(counter);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is not available", e);
        }
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
        String code = Integer.toString(binary % POWERS[digits]);
        return "0".repeat(digits - code.length()) + code;
    }

    public static String code(byte[] secret, long step) {
        return code(secret, step, DIGITS);
    }

    /**
     * The step whose code this is, among {@code current - drift .. current + drift} and only later than
     * {@code lastUsedStep} (so a code is never accepted twice). Every candidate is compared in constant time.
     */
    public static OptionalLong match(byte[] secret, String code, long current, int drift, long lastUsedStep) {
        if (code == null || !CODE.matcher(code).matches()) {
            return OptionalLong.empty();
        }
        byte[] given = code.getBytes(StandardCharsets.US_ASCII);
        long found = Long.MIN_VALUE;
        for (long step = current - drift; step <= current + drift; step++) {
            boolean equal = MessageDigest.isEqual(given, code(secret, step).getBytes(StandardCharsets.US_ASCII));
            if (equal && step > lastUsedStep && found == Long.MIN_VALUE) {
                found = step;
            }
        }
        return found == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(found);
    }

    /** Codes as people type them: spaces and dashes between digit groups are ignored. */
    public static String normalise(String code) {
        return code == null ? null : code.replaceAll("[\\s-]", "");
    }

    public static String base32(byte[] secret) {
        return new Base32().encodeToString(secret).replace("=", "");
    }

    public static byte[] fromBase32(String secret) {
        return new Base32().decode(secret.toUpperCase(java.util.Locale.ROOT));
    }

    /** The Key Uri Format authenticator apps read (usually from a QR code). */
    public static String otpauthUri(String accountName, String base32Secret) {
        String issuer = encode(ISSUER);
        return "otpauth://totp/" + issuer + ":" + encode(accountName) + "?secret=" + base32Secret + "&issuer=" + issuer
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + PERIOD_SECONDS;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
