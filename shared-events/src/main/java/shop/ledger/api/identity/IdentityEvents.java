package shop.ledger.api.identity;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.axonframework.serialization.Revision;

/**
 * Identity events. The email travels only as ciphertext under the owner's data key (R11):
 * erasing that key makes every copy unreadable, in the event store as in the read models.
 */
public final class IdentityEvents {

    private IdentityEvents() {
    }

    @Revision("1")
    public record CustomerRegistered(UUID customerId, UUID walletId, String username, String encryptedEmail) {
    }

    @Revision("1")
    public record StaffAccountCreated(UUID accountId, String username, String encryptedEmail, Set<Role> roles) {
    }

    /** The account confirmed its second factor (RFC 6238 TOTP); the secret never leaves the command side. */
    @Revision("1")
    public record TwoFactorEnabled(UUID accountId) {
    }

    /**
     * The customer's personal data was erased (R11): their data key is destroyed, so every copy of their
     * email, IMEIs and payout destinations reads {@code [erased]} from now on. Records who erased it and
     * when, and nothing personal. Recorded once per customer: a second erasure changes nothing.
     *
     * @param erasedBy the staff account that asked for it
     */
    @Revision("1")
    public record PersonalDataErased(UUID customerId, UUID erasedBy, Instant erasedAt) {
    }
}
