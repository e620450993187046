package shop.ledger.command.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import shop.ledger.command.identity.totp.Totp;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 6238 (and the RFC 4226 HOTP underneath) against the RFCs' own test vectors. */
class TotpTest {

    /** The SHA1 seed of RFC 6238 Appendix B and RFC 4226 Appendix D. */
    static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest(name = "T = {0} s -> {1}")
    @CsvSource({
            "59,          94287082",
            "1111111109,  07081804",
            "1111111111,  14050471",
            "1234567890,  89005924",
            "2000000000,  69279037",
            "20000000000, 65353130"})
    void rfc6238AppendixBSha1Vectors(long unixSeconds, String expected) {
        long step = Totp.step(Instant.ofEpochSecond(unixSeconds));
        assertThat(Totp.code(RFC_SECRET, step, 8)).isEqualTo(expected);
        // 6 digits: the same truncated value modulo 10^6, i.e. the last six digits
        assertThat(Totp.code(RFC_SECRET, step)).hasSize(6).isEqualTo(expected.substring(2));
    }

    @Test
    void rfc6238StepsAreThirtySecondsFromTheEpoch() {
        assertThat(Totp.step(Instant.ofEpochSecond(59))).isEqualTo(1);
        assertThat(Totp.step(Instant.ofEpochSecond(1111111109))).isEqualTo(0x23523EC);
        assertThat(Totp.step(Instant.ofEpochSecond(20000000000L))).isEqualTo(0x27BC86AA);
        assertThat(Totp.step(Instant.ofEpochSecond(29))).isZero();
        assertThat(Totp.step(Instant.ofEpochSecond(30))).isEqualTo(1);
    }

    @Test
    void rfc4226AppendixDHotpVectors() {
        String[] expected = {"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
                "399871", "520489"};
        for (int counter = 0; counter < expected.length; counter++) {
            assertThat(Totp.code(RFC_SECRET, counter)).as("counter " + counter).isEqualTo(expected[counter]);
        }
    }

    @Test
    void oneStepOfDriftEitherWayIsAcceptedTwoAreNot() {
        long now = 1_000_000;
        for (int drift = -1; drift <= 1; drift++) {
            assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now + drift), now, 1, 0))
                    .as("drift " + drift).hasValue(now + drift);
        }
        assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now - 2), now, 1, 0)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now + 2), now, 1, 0)).isEmpty();
    }

    @Test
    void aStepAtOrBeforeTheLastUsedOneIsRefused() {
        long now = 1_000_000;
        assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now), now, 1, now)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now - 1), now, 1, now - 1)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now), now, 1, now - 1)).hasValue(now);
        assertThat(Totp.match(RFC_SECRET, Totp.code(RFC_SECRET, now + 1), now, 1, now)).hasValue(now + 1);
    }

    @Test
    void onlySixDigitsAreACode() {
        long now = 1_000_000;
        String code = Totp.code(RFC_SECRET, now);
        assertThat(Totp.match(RFC_SECRET, null, now, 1, 0)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, "", now, 1, 0)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, code + "0", now, 1, 0)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, code.substring(1), now, 1, 0)).isEmpty();
        assertThat(Totp.match(RFC_SECRET, "abcdef", now, 1, 0)).isEmpty();
        assertThat(Totp.normalise(" " + code.substring(0, 3) + " " + code.substring(3) + " ")).isEqualTo(code);
        assertThat(Totp.normalise(code.substring(0, 3) + "-" + code.substring(3))).isEqualTo(code);
    }

    @Test
    void secretsAreTwentyRandomBytesInBase32() {
        byte[] secret = Totp.newSecret();
        assertThat(secret).hasSize(20);
        assertThat(Totp.newSecret()).isNotEqualTo(secret);
        String base32 = Totp.base32(secret);
        assertThat(base32).hasSize(32).matches("[A-Z2-7]+");
        assertThat(Totp.fromBase32(base32)).isEqualTo(secret);
        assertThat(Totp.fromBase32(base32.toLowerCase())).isEqualTo(secret);
        assertThat(Totp.base32(RFC_SECRET)).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    @Test
    void theOtpauthUriIsTheKeyUriFormat() {
        assertThat(Totp.otpauthUri("jane.doe", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).isEqualTo(
                "otpauth://totp/IMEI%20Shop:jane.doe?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                        + "&issuer=IMEI%20Shop&algorithm=SHA1&digits=6&period=30");
    }
}
