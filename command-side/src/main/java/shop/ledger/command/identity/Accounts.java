package shop.ledger.command.identity;

import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.messaging.MetaData;
import shop.ledger.api.common.Actor;
import org.axonframework.eventhandling.gateway.EventGateway;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.IdentityEvents.CustomerRegistered;
import shop.ledger.api.identity.IdentityEvents.PersonalDataErased;
import shop.ledger.api.identity.IdentityEvents.StaffAccountCreated;
import shop.ledger.api.identity.Role;
import shop.ledger.api.wallet.WalletCommands.OpenWallet;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.web.ShopCurrency;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Customer and staff accounts. Registration is one transaction: the account row, the customer's data
 * key, the email encrypted under it (R11), the Wallet opened and the registration event all commit together.
 */
@Service
public class Accounts {

    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._-]{3,64}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
    static final int MIN_PASSWORD = 12;
    static final int MAX_PASSWORD = 1024;

    public record Registered(UUID customerId, UUID walletId) {
    }

    /** What a login needs; never leaves the command side. */
    public record Credentials(UUID accountId, String passwordHash, Set<Role> roles, UUID walletId) {
    }

    private final JdbcClient jdbc;
    private final PasswordEncoder passwords;
    private final KeyVault vault;
    private final CommandGateway commands;
    private final EventGateway events;
    private final ShopCurrency currency;
    private final Clock clock;

    /** Stands where an erased account's password hash was: no password matches it. */
    static final String NO_PASSWORD = "!erased";

    public Accounts(JdbcClient jdbc, PasswordEncoder passwords, KeyVault vault, CommandGateway commands,
                    EventGateway events, ShopCurrency currency, Clock clock) {
        this.clock = clock;
        this.jdbc = jdbc;
        this.passwords = passwords;
        this.vault = vault;
        this.commands = commands;
        this.events = events;
        this.currency = currency;
    }

    @Transactional
    public Registered registerCustomer(String username, String email, String password) {
        validate(username, email, password);
        UUID customerId = UUID.randomUUID();
        UUID walletId = UUID.randomUUID();
        String encryptedEmail = insert(customerId, username, email, password, EnumSet.of(Role.CUSTOMER), walletId);
        // the new customer is the actor of their own registration
        MetaData actor = MetaData.with(Actor.ACTOR, Actor.customer(customerId));
        commands.sendAndWait(GenericCommandMessage.asCommandMessage(new OpenWallet(walletId, customerId, currency.code()))
                                                  .andMetaData(actor));
        events.publish(GenericEventMessage.asEventMessage(new CustomerRegistered(customerId, walletId, username,
                encryptedEmail)).andMetaData(actor));
        return new Registered(customerId, walletId);
    }

    @Transactional
    public UUID createStaff(String username, String email, String password, Set<Role> roles) {
        validate(username, email, password);
        if (roles == null || roles.isEmpty() || roles.contains(Role.CUSTOMER)) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "staff roles are one or more of ADMIN, FINANCE, AUDITOR");
        }
        UUID accountId = UUID.randomUUID();
        String encryptedEmail = insert(accountId, username, email, password, roles, null);
        events.publish(new StaffAccountCreated(accountId, username, encryptedEmail, EnumSet.copyOf(roles)));
        return accountId;
    }

    public boolean exists(String username) {
        return jdbc.sql("SELECT count(*) FROM account WHERE username = ?").param(username).query(Long.class).single() > 0;
    }

    /**
     * Erases a customer's personal data (R11), in one transaction: the data key is destroyed, so every copy
     * of their email, IMEIs and payout destinations (events, read models, sagas) is unreadable from now on;
     * the account can no longer log in (password hash and second-factor secret removed); and
     * {@link PersonalDataErased} records who did it and when. Amounts and the audit trail stay.
     * Idempotent: erasing an erased customer changes nothing and records no second event.
     *
     * @return false when the customer is unknown (staff accounts are not customers)
     */
    @Transactional
    public boolean erasePersonalData(UUID customerId, UUID erasedBy) {
        // the row lock orders concurrent erasures of one customer: exactly one records the event
        Optional<Boolean> erased = jdbc.sql("""
                                                SELECT erased_at IS NOT NULL FROM account
                                                WHERE account_id = ? AND roles = 'CUSTOMER' FOR UPDATE""")
                                       .param(customerId)
                                       .query(Boolean.class)
                                       .optional();
        if (erased.isEmpty()) {
            return false;
        }
        if (erased.get()) {
            return true;
        }
        Instant now = clock.instant();
        vault.erase(customerId);
        jdbc.sql("""
                     UPDATE account SET erased_at = ?, password_hash = ?, totp_secret_encrypted = NULL
                     WHERE account_id = ?""")
            .params(Timestamp.from(now), NO_PASSWORD, customerId)
            .update();
        events.publish(new PersonalDataErased(customerId, erasedBy, now));
        return true;
    }

    public Optional<Credentials> credentials(String username) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            // no account has such a name; and an email typed into the field is not even sent to the database
            return Optional.empty();
        }
        // an erased account logs in no more: it answers like an unknown username
        return jdbc.sql("""
                            SELECT account_id, password_hash, roles, wallet_id FROM account
                            WHERE username = ? AND erased_at IS NULL""")
                   .param(username)
                   .query((rs, n) -> new Credentials(rs.getObject(1, UUID.class), rs.getString(2),
                           roles(rs.getString(3)), rs.getObject(4, UUID.class)))
                   .optional();
    }

    private String insert(UUID accountId, String username, String email, String password, Set<Role> roles,
                          UUID walletId) {
        vault.createKey(accountId);
        String encryptedEmail = vault.encrypt(accountId, email.strip());
        try {
            jdbc.sql("""
                         INSERT INTO account (account_id, username, password_hash, encrypted_email, roles, wallet_id)
                         VALUES (?, ?, ?, ?, ?, ?)""")
                .params(accountId, username, passwords.encode(password), encryptedEmail,
                        roles.stream().map(Role::name).sorted().collect(Collectors.joining(",")), walletId)
                .update();
        } catch (DuplicateKeyException e) {
            throw new RuleViolation(ProblemType.CONFLICT, "the username '" + username + "' is taken");
        }
        return encryptedEmail;
    }

    private static void validate(String username, String email, String password) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "username: 3 to 64 letters, digits, '.', '_' or '-'");
        }
        if (email == null || email.length() > 254 || !EMAIL.matcher(email.strip()).matches()) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED, "email: not a valid address");
        }
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw new RuleViolation(ProblemType.VALIDATION_FAILED,
                    "password: at least " + MIN_PASSWORD + " characters");
        }
    }

    private static Set<Role> roles(String csv) {
        return Arrays.stream(csv.split(",")).map(Role::valueOf)
                     .collect(Collectors.toCollection(() -> EnumSet.noneOf(Role.class)));
    }
}
