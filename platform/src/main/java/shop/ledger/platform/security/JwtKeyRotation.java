package shop.ledger.platform.security;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The two steps of a signing key rotation, on a copy of {@code LEDGER_JWT_KEY} or {@code keys/jwt-signing.jwk}
 * (docs/operations.md, "Token keys"); prints the new JWK set (private parts included) and changes nothing else:
 * <ul>
 *   <li>{@code add FILE}: a fresh key first (it signs from the next start on), every key of FILE after it (they
 *       keep verifying the tokens they signed);</li>
 *   <li>{@code retire FILE KID}: FILE without the key KID, once the token lifetime has passed since it stopped
 *       signing; the key that signs cannot be retired.</li>
 * </ul>
 */
public final class JwtKeyRotation {

    private JwtKeyRotation() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("add")) {
            System.out.println(add(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8)));
        } else if (args.length == 3 && args[0].equals("retire")) {
            System.out.println(retire(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8), args[2]));
        } else {
            System.err.println("usage: JwtKeyRotation add FILE | retire FILE KID   (prints the new key set)");
            System.exit(2);
        }
    }

    static String add(String current) {
        List<JWK> keys = new ArrayList<>();
        keys.add(JwtKeys.newKey());
        keys.addAll(JwtKeys.parse(current));
        return new JWKSet(keys).toString(false);
    }

    static String retire(String current, String kid) {
        List<RSAKey> keys = JwtKeys.parse(current);
        if (keys.get(0).getKeyID().equals(kid)) {
            throw new IllegalArgumentException("key " + kid + " signs new tokens: add a newer key first");
        }
        List<JWK> kept = keys.stream().filter(key -> !key.getKeyID().equals(kid)).map(key -> (JWK) key).toList();
        if (kept.size() == keys.size()) {
            throw new IllegalArgumentException("no key " + kid);
        }
        return new JWKSet(kept).toString(false);
    }
}
