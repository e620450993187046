package shop.ledger.platform.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.springframework.stereotype.Component;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.db.KeyFiles;

import java.text.ParseException;
import java.util.UUID;

/**
 * The RSA key that signs access tokens (RS256): {@code LEDGER_JWT_KEY} as a JWK, or a key generated once
 * and kept in the data directory. Every instance that validates tokens must be given the same key.
 */
@Component
public class JwtKeys {

    private final RSAKey key;

    public JwtKeys(LedgerProperties properties) {
        String jwk = properties.jwtKey();
        if (jwk == null || jwk.isBlank()) {
            jwk = KeyFiles.readOrCreate(properties.keysDir().resolve("jwt-signing.jwk"), JwtKeys::generate);
        }
        try {
            this.key = RSAKey.parse(jwk.trim());
        } catch (ParseException e) {
            throw new IllegalStateException("the token signing key is not a valid RSA JWK", e);
        }
        if (!key.isPrivate()) {
            throw new IllegalStateException("the token signing key must include its private part");
        }
    }

    public RSAKey key() {
        return key;
    }

    static String generate() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate().toJSONString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the token signing key", e);
        }
    }
}
