package shop.ledger.command.identity;

import org.axonframework.eventhandling.gateway.EventGateway;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import shop.ledger.api.identity.Role;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.db.KeyFiles;
import shop.ledger.platform.db.OwnTransaction;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.EnumSet;

@Configuration
@EnableConfigurationProperties(ThrottleSettings.class)
public class IdentityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(IdentityConfiguration.class);

    /** Argon2id with OWASP's first recommended setting: 19 MiB of memory, 2 iterations, 1 lane. */
    @Bean
    PasswordEncoder passwordEncoder() {
        return new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    LoginThrottle loginThrottle(OwnTransaction ownTransaction, ThrottleSettings settings, Clock clock) {
        return new LoginThrottle(ownTransaction, settings, clock);
    }

    @Bean
    TwoFactor twoFactor(JdbcClient jdbc, OwnTransaction ownTransaction, KeyVault vault, LoginThrottle throttle,
                        EventGateway events, Clock clock) {
        return new TwoFactor(jdbc, ownTransaction, vault, throttle, events, clock);
    }

    /**
     * The first start creates an administrator with every staff role from {@code LEDGER_ADMIN_USERNAME} /
     * {@code LEDGER_ADMIN_PASSWORD}. Without a password, one is generated and written (owner-readable only)
     * to {@code <data dir>/keys/admin-password}; it is never logged.
     */
    @Bean
    ApplicationRunner bootstrapAdmin(Accounts accounts, LedgerProperties properties,
                                     @Value("${ledger.admin.username:admin}") String username,
                                     @Value("${ledger.admin.password:}") String password,
                                     @Value("${ledger.admin.email:admin@localhost.localdomain}") String email) {
        return args -> {
            if (username.isBlank() || accounts.exists(username)) {
                return;
            }
            String initial = password;
            if (initial.isBlank()) {
                var file = properties.keysDir().resolve("admin-password");
                initial = KeyFiles.readOrCreate(file, IdentityConfiguration::randomPassword).trim();
                log.info("Created administrator '{}'; its password is in {}", username, file.toAbsolutePath());
            } else {
                log.info("Created administrator '{}' from the configured password", username);
            }
            try {
                accounts.createStaff(username, email, initial, EnumSet.of(Role.ADMIN, Role.FINANCE, Role.AUDITOR));
            } catch (shop.ledger.api.common.RuleViolation alreadyCreated) {
                // another instance starting at the same moment created it
            }
        };
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
