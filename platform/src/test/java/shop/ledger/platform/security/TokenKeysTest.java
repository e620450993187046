package shop.ledger.platform.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The token keys without Spring: the newest key signs and names itself in the header, a rotation keeps the old
 * tokens valid, a verifying side takes public keys only. The HTTP side of it: JwksTest, SplitDeploymentTest.
 */
class TokenKeysTest {

    @TempDir
    Path temp;

    @Test
    void theKeyFileIsCreatedOnceAndItsKeySignsWithItsKidInTheHeader() {
        Path file = temp.resolve("keys/jwt-signing.jwk");
        JwtKeys keys = new JwtKeys(null, file);
        assertThat(file).exists();
        assertThat(new JwtKeys("", file).key().getKeyID()).isEqualTo(keys.key().getKeyID());

        Jwt token = decode(verifier(keys), sign(keys, "someone"));
        assertThat(token.getHeaders()).containsEntry("kid", keys.key().getKeyID()).containsEntry("alg", "RS256");
    }

    @Test
    void thePublishedSetHoldsEveryKeysPublicPartWithItsKidAndNothingPrivate() {
        JwtKeys keys = new JwtKeys(JwtKeyRotation.add(JwtKeys.generate()), temp.resolve("unused"));
        Map<String, Object> published = keys.publicKeys().toJSONObject(false);
        assertThat(keys.publicKeys().getKeys()).hasSize(2);
        for (var key : keys.publicKeys().getKeys()) {
            Map<String, Object> fields = key.toJSONObject();
            assertThat(fields).containsKeys("kid", "n", "e").containsEntry("kty", "RSA").containsEntry("alg", "RS256")
                              .containsEntry("use", "sig").doesNotContainKeys("d", "p", "q", "dp", "dq", "qi", "oth");
        }
        assertThat(published.toString()).doesNotContain("\"d\"");
    }

    @Test
    void aKeyWithoutAKidIsNamedByItsThumbprint() throws Exception {
        RSAKey bare = new RSAKeyGenerator(2048).generate();
        assertThat(new JwtKeys(bare.toJSONString(), temp.resolve("unused")).key().getKeyID())
                .isEqualTo(bare.computeThumbprint().toString());
    }

    @Test
    void afterARotationOldAndNewTokensVerifyUntilTheOldKeyIsRetired() {
        String before = JwtKeys.generate();
        JwtKeys old = new JwtKeys(before, temp.resolve("unused"));
        String oldToken = sign(old, "signed-before");

        String rotated = JwtKeyRotation.add(before);
        JwtKeys current = new JwtKeys(rotated, temp.resolve("unused"));
        assertThat(current.key().getKeyID()).isNotEqualTo(old.key().getKeyID());
        String newToken = sign(current, "signed-after");
        // a query side given the rotated public set, as from /.well-known/jwks.json
        JwtDecoder querySide = TokenVerification.decoder(null,
                new TokenVerificationProperties(current.publicKeys().toString(), null), null);
        assertThat(decode(querySide, oldToken).getSubject()).isEqualTo("signed-before");
        assertThat(decode(querySide, newToken).getSubject()).isEqualTo("signed-after");
        assertThat(decode(querySide, newToken).getHeaders()).containsEntry("kid", current.key().getKeyID());

        JwtKeys retired = new JwtKeys(JwtKeyRotation.retire(rotated, old.key().getKeyID()), temp.resolve("unused"));
        assertThat(decode(verifier(retired), newToken).getSubject()).isEqualTo("signed-after");
        assertThatThrownBy(() -> verifier(retired).decode(oldToken)).isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> JwtKeyRotation.retire(rotated, current.key().getKeyID()))
                .hasMessageContaining("signs new tokens");
    }

    @Test
    void aTokenSignedByAKeyNotInTheSetIsRefused() throws Exception {
        JwtKeys keys = new JwtKeys(JwtKeys.generate(), temp.resolve("unused"));
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
        JwtEncoder forger = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(stranger)));
        String forged = forger.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(),
                claims("forged"))).getTokenValue();
        assertThatThrownBy(() -> verifier(keys).decode(forged)).isInstanceOf(JwtException.class);
    }

    @Test
    void aVerifyingSideTakesPublicKeysOnlyFromExactlyOneSource() throws Exception {
        JwtKeys keys = new JwtKeys(JwtKeys.generate(), temp.resolve("unused"));
        String privateSet = new JWKSet(keys.key()).toString(false);
        assertThatThrownBy(() -> TokenVerification.decoder(null, new TokenVerificationProperties(privateSet, null), null))
                .hasMessageContaining("public keys only");
        assertThatThrownBy(() -> TokenVerification.decoder(null, new TokenVerificationProperties(null, null), null))
                .hasMessageContaining("ledger.jwt.jwks-uri");
        assertThatThrownBy(() -> TokenVerification.decoder(null, new TokenVerificationProperties(
                keys.publicKeys().toString(), URI.create("http://localhost:1/.well-known/jwks.json")), null))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> TokenVerification.decoder(null,
                new TokenVerificationProperties(keys.publicKeys().toString(), null), keys.key().toJSONString()))
                .hasMessageContaining("command side only");

        Path file = Files.writeString(temp.resolve("jwks.json"), keys.publicKeys().toString());
        JwtDecoder fromFile = TokenVerification.decoder(null, new TokenVerificationProperties(file.toString(), null), null);
        assertThat(decode(fromFile, sign(keys, "from-file")).getSubject()).isEqualTo("from-file");
    }

    private static JwtDecoder verifier(JwtKeys keys) {
        return TokenVerification.decoder(keys, null, null);
    }

    private static Jwt decode(JwtDecoder decoder, String token) {
        return decoder.decode(token);
    }

    private static String sign(JwtKeys keys, String subject) {
        JwtEncoder encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(keys.signingSet()));
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(),
                claims(subject))).getTokenValue();
    }

    private static JwtClaimsSet claims(String subject) {
        Instant now = Instant.now();
        return JwtClaimsSet.builder().issuer(SecurityConfiguration.ISSUER).subject(subject).issuedAt(now)
                           .expiresAt(now.plusSeconds(600)).build();
    }
}
