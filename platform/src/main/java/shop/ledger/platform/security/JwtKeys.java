package shop.ledger.platform.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.KeyFiles;

import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The RSA keys that sign access tokens (RS256), on the command side only: a query side never holds a private
 * key, it verifies with {@link #publicKeys()} (served at {@code /.well-known/jwks.json}) or a configured copy.
 * <p>
 * {@code LEDGER_JWT_KEY} holds one RSA JWK or a JWK set ({@code {"keys":[...]}}), private parts included; when
 * empty, {@code keys/jwt-signing.jwk} in the data directory (created with one key on first start) does. The
 * FIRST key signs; the others only verify, so a rotation puts the new key first and keeps the old one listed
 * until its last token expired ({@link JwtKeyRotation}, docs/operations.md; JwksTest).
 */
@Component
@Profile("command")
public class JwtKeys {

    private final List<RSAKey> keys;

    @Autowired
    public JwtKeys(LedgerProperties properties) {
        this(properties.jwtKey(), properties.keysDir().resolve("jwt-signing.jwk"));
    }

    JwtKeys(String configured, Path keyFile) {
        if (configured == null || configured.isBlank()) {
            configured = KeyFiles.readOrCreate(keyFile, JwtKeys::generate);
        }
        this.keys = parse(configured);
        for (RSAKey key : keys) {
            if (!key.isPrivate()) {
                throw new IllegalStateException("the token signing key " + key.getKeyID() + " has no private part");
            }
        }
    }

    /** The key that signs new tokens. */
    public RSAKey key() {
        return keys.get(0);
    }

    /** The newest key alone, private part included: the only one the encoder may sign with. */
    public JWKSet signingSet() {
        return new JWKSet(List.<JWK>of(key()));
    }

    /** The public parts of every key, the newest first: what any verifier may be given. */
    public JWKSet publicKeys() {
        return new JWKSet(keys.stream().map(key -> (JWK) key.toPublicJWK()).toList());
    }

    /**
     * One RSA JWK or a JWK set. Every key gets a {@code kid} (its RFC 7638 thumbprint when it has none), the use
     * {@code sig} and the algorithm RS256, so verifiers pick the key by the token's header.
     */
    static List<RSAKey> parse(String json) {
        List<JWK> parsed;
        try {
            String trimmed = json.trim();
            parsed = trimmed.contains("\"keys\"") ? JWKSet.parse(trimmed).getKeys() : List.of(JWK.parse(trimmed));
        } catch (ParseException e) {
            throw new IllegalStateException("the token keys are not a valid JWK or JWK set", e);
        }
        if (parsed.isEmpty()) {
            throw new IllegalStateException("the token key set is empty");
        }
        List<RSAKey> keys = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (JWK jwk : parsed) {
            if (!(jwk instanceof RSAKey rsa)) {
                throw new IllegalStateException("the token keys must be RSA keys (RS256), found " + jwk.getKeyType());
            }
            try {
                String kid = rsa.getKeyID() != null ? rsa.getKeyID() : rsa.computeThumbprint().toString();
                if (!ids.add(kid)) {
                    throw new IllegalStateException("two token keys have the kid " + kid);
                }
                keys.add(new RSAKey.Builder(rsa).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                                                .build());
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot compute the thumbprint of a token key", e);
            }
        }
        return List.copyOf(keys);
    }

    static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).keyUse(KeyUse.SIGNATURE)
                                            .algorithm(JWSAlgorithm.RS256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a token signing key", e);
        }
    }

    static String generate() {
        return newKey().toJSONString();
    }
}
