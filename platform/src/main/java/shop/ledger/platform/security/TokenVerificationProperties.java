package shop.ledger.platform.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;

/**
 * How a side without the signing keys (a query side, another service) gets the PUBLIC keys that verify tokens
 * ({@code ledger.jwt.*}); exactly one of them on a query side, neither on a command side, which uses its own.
 *
 * @param publicKeys a JWK set with public parts only, as JSON or the path of a file holding it
 *                   ({@code LEDGER_JWT_PUBLIC_KEYS}); a copy of the command side's {@code /.well-known/jwks.json}
 * @param jwksUri    the command side's {@code /.well-known/jwks.json} ({@code LEDGER_JWT_JWKS_URI}), fetched,
 *                   cached and fetched again when a token names a kid it does not know (a rotation)
 */
@ConfigurationProperties("ledger.jwt")
public record TokenVerificationProperties(String publicKeys, URI jwksUri) {
}
