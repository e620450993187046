package shop.ledger.platform.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import shop.ledger.api.common.Actor;
import shop.ledger.api.identity.Role;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller, read from a verified access token.
 *
 * @param accountId the customer id for customers, the staff account id for staff
 * @param walletId  the customer's wallet, null for staff
 */
public record Caller(UUID accountId, Set<Role> roles, UUID walletId) {

    public static final String ROLES_CLAIM = "roles";
    public static final String WALLET_CLAIM = "wallet";

    public static Optional<Caller> from(Authentication authentication) {
        if (!(authentication instanceof JwtAuthenticationToken token)) {
            return Optional.empty();
        }
        Jwt jwt = token.getToken();
        Set<Role> roles = EnumSet.noneOf(Role.class);
        List<String> claimed = jwt.getClaimAsStringList(ROLES_CLAIM);
        if (claimed != null) {
            claimed.forEach(role -> roles.add(Role.valueOf(role)));
        }
        String wallet = jwt.getClaimAsString(WALLET_CLAIM);
        return Optional.of(new Caller(UUID.fromString(jwt.getSubject()), roles,
                wallet == null ? null : UUID.fromString(wallet)));
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean isStaff() {
        return has(Role.ADMIN) || has(Role.FINANCE) || has(Role.AUDITOR);
    }

    public String actor() {
        return isStaff() ? Actor.staff(accountId) : Actor.customer(accountId);
    }
}
