package shop.ledger.platform.security;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * Chooses the public keys a side verifies tokens with. A side that signs (command side, standalone) uses its own
 * keys' public parts; any other side needs {@code ledger.jwt.public-keys} or {@code ledger.jwt.jwks-uri} and
 * refuses to start when given a private key: a query side must never be able to mint a token
 * (SplitDeploymentTest, JwksTest).
 */
final class TokenVerification {

    private TokenVerification() {
    }

    static NimbusJwtDecoder decoder(JwtKeys signingKeys, TokenVerificationProperties verification, String jwtKey) {
        String publicKeys = verification == null ? null : verification.publicKeys();
        boolean hasPublicKeys = publicKeys != null && !publicKeys.isBlank();
        boolean hasJwksUri = verification != null && verification.jwksUri() != null;
        if (signingKeys != null) {
            return withKeys(signingKeys.publicKeys());
        }
        if (jwtKey != null && !jwtKey.isBlank()) {
            throw new IllegalStateException("ledger.jwt-key (LEDGER_JWT_KEY) is the private signing key and belongs to "
                    + "the command side only: give this side ledger.jwt.public-keys or ledger.jwt.jwks-uri instead");
        }
        if (hasPublicKeys == hasJwksUri) {
            throw new IllegalStateException("this side verifies tokens with the command side's public keys: set exactly "
                    + "one of ledger.jwt.public-keys (LEDGER_JWT_PUBLIC_KEYS) and ledger.jwt.jwks-uri (LEDGER_JWT_JWKS_URI)");
        }
        if (hasJwksUri) {
            return NimbusJwtDecoder.withJwkSetUri(verification.jwksUri().toString())
                                   .jwsAlgorithm(SignatureAlgorithm.RS256).build();
        }
        return withKeys(publicOnly(read(publicKeys)));
    }

    private static NimbusJwtDecoder withKeys(JWKSet keys) {
        // the JWK set source picks the key by the token's kid; a kid not in the set is refused (401)
        return NimbusJwtDecoder.withJwkSource(new com.nimbusds.jose.jwk.source.ImmutableJWKSet<>(keys))
                               .jwsAlgorithm(SignatureAlgorithm.RS256).build();
    }

    static JWKSet publicOnly(JWKSet keys) {
        if (keys.getKeys().isEmpty()) {
            throw new IllegalStateException("ledger.jwt.public-keys holds no key");
        }
        for (JWK key : keys.getKeys()) {
            if (key.isPrivate()) {
                throw new IllegalStateException("ledger.jwt.public-keys holds the private part of key " + key.getKeyID()
                        + ": a verifying side must be given the public keys only (/.well-known/jwks.json)");
            }
            if (!(key instanceof RSAKey) || key.getKeyID() == null) {
                throw new IllegalStateException("ledger.jwt.public-keys must hold RSA keys, each with a kid");
            }
        }
        return keys;
    }

    private static JWKSet read(String publicKeys) {
        String json = publicKeys.trim();
        if (!json.startsWith("{")) {
            try {
                json = Files.readString(Path.of(json), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read ledger.jwt.public-keys from " + json, e);
            }
        }
        try {
            return JWKSet.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException("ledger.jwt.public-keys is not a JWK set", e);
        }
    }
}
