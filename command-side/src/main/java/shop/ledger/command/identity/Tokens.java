package shop.ledger.command.identity;

import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Service;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.Role;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.SecondFactor;
import shop.ledger.platform.security.SecurityConfiguration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/** Issues signed access tokens (RS256) for a username and password, and a one-time code once 2FA is on. */
@Service
public class Tokens {

    public record AccessToken(String accessToken, String tokenType, long expiresIn) {
        @Override
        public String toString() {
            return "AccessToken[accessToken=(hidden), tokenType=" + tokenType + ", expiresIn=" + expiresIn + "]";
        }
    }

    private final Accounts accounts;
    private final PasswordEncoder passwords;
    private final JwtEncoder encoder;
    private final LedgerProperties properties;
    private final Clock clock;
    private final LoginThrottle throttle;
    private final TwoFactor twoFactor;
    /** Checked when the username is unknown, so both failures take the same time. */
    private final String decoyHash;

    public Tokens(Accounts accounts, PasswordEncoder passwords, JwtEncoder encoder, LedgerProperties properties,
                  Clock clock, LoginThrottle throttle, TwoFactor twoFactor) {
        this.accounts = accounts;
        this.throttle = throttle;
        this.twoFactor = twoFactor;
        this.passwords = passwords;
        this.encoder = encoder;
        this.properties = properties;
        this.clock = clock;
        this.decoyHash = passwords.encode(UUID.randomUUID().toString());
    }

    /**
     * A token for a username and password, and the current one-time code once the account has a second factor.
     * Every attempt goes through the guessing throttle first (429 before anything is checked); wrong passwords
     * and wrong codes count as failures, a full login clears the account's count.
     */
    public AccessToken issue(String username, String password, String otp, String clientAddress) {
        var credentials = username == null ? java.util.Optional.<Accounts.Credentials>empty()
                : accounts.credentials(username);
        // unknown usernames are throttled like accounts, so 429 answers do not tell which usernames exist; kept
        // as a digest only: people type their email (or a password) into the username field
        String throttled = credentials.map(found -> found.accountId().toString()).orElse("?" + digest(username));
        try (LoginThrottle.Attempt attempt = throttle.begin(throttled, clientAddress)) {
            boolean matches = passwords.matches(password == null ? "" : password,
                    credentials.map(Accounts.Credentials::passwordHash).orElse(decoyHash));
            if (credentials.isEmpty() || !matches) {
                attempt.failed();
                throw new RuleViolation(ProblemType.UNAUTHORIZED, "wrong username or password");
            }
            UUID accountId = credentials.get().accountId();
            if (twoFactor.isEnabled(accountId)) {
                if (otp == null || otp.isBlank()) {
                    // not a failure: clients learn here that a code is needed
                    throw new RuleViolation(ProblemType.OTP_REQUIRED,
                            "this account has two-factor authentication: send the current code as otp");
                }
                if (twoFactor.check(accountId, otp) != SecondFactor.Check.ACCEPTED) {
                    attempt.failed();
                    throw new RuleViolation(ProblemType.INVALID_OTP, "the code is wrong, expired or already used");
                }
            }
            attempt.succeeded();
            return sign(credentials.get());
        }
    }

    private static String digest(String username) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                                       .digest(String.valueOf(username).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private AccessToken sign(Accounts.Credentials account) {
        Instant now = clock.instant();
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
                                                  .issuer(SecurityConfiguration.ISSUER)
                                                  .audience(List.of(SecurityConfiguration.ISSUER))
                                                  .subject(account.accountId().toString())
                                                  .id(UUID.randomUUID().toString())
                                                  .issuedAt(now)
                                                  .expiresAt(now.plus(properties.tokenTtl()))
                                                  .claim(Caller.ROLES_CLAIM, account.roles().stream().map(Role::name).sorted().toList());
        if (account.walletId() != null) {
            claims.claim(Caller.WALLET_CLAIM, account.walletId().toString());
        }
        String token = encoder.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(),
                claims.build())).getTokenValue();
        return new AccessToken(token, "Bearer", properties.tokenTtl().toSeconds());
    }
}
