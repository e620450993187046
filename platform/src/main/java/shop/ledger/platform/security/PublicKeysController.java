package shop.ledger.platform.security;

import org.springframework.context.annotation.Profile;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.util.Map;

/**
 * The command side's public token keys as a JWK set (RFC 7517), for query sides and other services that verify
 * tokens: public parts only, each with its kid. Anonymous, like any JWKS endpoint (JwksTest).
 */
@RestController
@Profile("command")
class PublicKeysController {

    static final String PATH = "/.well-known/jwks.json";

    private final JwtKeys keys;

    PublicKeysController(JwtKeys keys) {
        this.keys = keys;
    }

    @GetMapping(value = PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> publicKeys() {
        // short: a verifier that cached the set sees a rotation's new key within minutes (and at once on unknown kid)
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(Duration.ofMinutes(5)).cachePublic())
                             .body(keys.publicKeys().toJSONObject(true));
    }
}
