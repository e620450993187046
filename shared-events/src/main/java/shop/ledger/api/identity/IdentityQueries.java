package shop.ledger.api.identity;

import java.util.Set;
import java.util.UUID;

public final class IdentityQueries {

    private IdentityQueries() {
    }

    /** The account behind a token subject; the email stays encrypted; the web layer decrypts it for its owner. */
    public record FindAccount(UUID accountId) {
    }

    public record AccountView(UUID accountId, String username, String encryptedEmail, Set<Role> roles,
                              boolean twoFactorEnabled, UUID walletId) {
    }
}
