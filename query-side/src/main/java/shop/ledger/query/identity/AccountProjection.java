package shop.ledger.query.identity;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.queryhandling.QueryHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import shop.ledger.query.support.BatchedWrites;
import shop.ledger.api.identity.IdentityEvents.CustomerRegistered;
import shop.ledger.api.identity.IdentityEvents.PersonalDataErased;
import shop.ledger.api.identity.IdentityEvents.StaffAccountCreated;
import shop.ledger.api.identity.IdentityEvents.TwoFactorEnabled;
import shop.ledger.api.identity.IdentityQueries.AccountView;
import shop.ledger.api.identity.IdentityQueries.FindAccount;
import shop.ledger.api.identity.Role;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import shop.ledger.query.support.ReadModelTables;

/** Accounts as the query side sees them; the email stays encrypted here and is decrypted for its owner only. */
@Component
@ProcessingGroup(AccountProjection.PROCESSING_GROUP)
@ReadModelTables("account_view")
public class AccountProjection {

    public static final String PROCESSING_GROUP = "accounts";

    private static final String ADD_ACCOUNT = """
            INSERT INTO account_view (account_id, username, encrypted_email, roles, wallet_id)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO NOTHING""";

    private final JdbcClient jdbc;
    private final BatchedWrites writes;

    public AccountProjection(JdbcClient jdbc, BatchedWrites writes) {
        this.jdbc = jdbc;
        this.writes = writes;
    }

    @EventHandler
    void on(CustomerRegistered event) {
        upsert(event.customerId(), event.username(), event.encryptedEmail(), EnumSet.of(Role.CUSTOMER), event.walletId());
    }

    @EventHandler
    void on(StaffAccountCreated event) {
        upsert(event.accountId(), event.username(), event.encryptedEmail(), event.roles(), null);
    }

    @EventHandler
    void on(TwoFactorEnabled event) {
        writes.write(event.accountId(), "UPDATE account_view SET two_factor = TRUE WHERE account_id = ?",
                event.accountId());
    }

    /** The email's ciphertext stays: its key is gone, so it reads [erased] (and so does a replay). */
    @EventHandler
    void on(PersonalDataErased event) {
        // queued on the account's row: it must follow the account's insert when both are in one batch
        writes.write(event.customerId(), "UPDATE account_view SET erased_at = ? WHERE account_id = ?",
                java.sql.Timestamp.from(event.erasedAt()), event.customerId());
    }

    @QueryHandler
    public Optional<AccountView> handle(FindAccount query) {
        return jdbc.sql("SELECT * FROM account_view WHERE account_id = ?")
                   .param(query.accountId())
                   .query((rs, n) -> new AccountView(rs.getObject("account_id", UUID.class), rs.getString("username"),
                           rs.getString("encrypted_email"), roles(rs.getString("roles")), rs.getBoolean("two_factor"),
                           rs.getObject("wallet_id", UUID.class)))
                   .optional();
    }

    private void upsert(UUID accountId, String username, String encryptedEmail, Set<Role> roles, UUID walletId) {
        writes.write(accountId, ADD_ACCOUNT, accountId, username, encryptedEmail,
                roles.stream().map(Role::name).sorted().collect(Collectors.joining(",")), walletId);
    }

    private static Set<Role> roles(String csv) {
        return Arrays.stream(csv.split(",")).map(Role::valueOf)
                     .collect(Collectors.toCollection(() -> EnumSet.noneOf(Role.class)));
    }
}
