package shop.ledger.query.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.messaging.responsetypes.ResponseTypes;
import org.axonframework.queryhandling.QueryGateway;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;
import shop.ledger.api.identity.IdentityQueries.AccountView;
import shop.ledger.api.identity.IdentityQueries.FindAccount;
import shop.ledger.api.identity.Role;
import shop.ledger.platform.crypto.KeyVault;
import shop.ledger.platform.security.Caller;
import shop.ledger.platform.security.CurrentCaller;
import shop.ledger.query.position.ReadModel;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

@RestController
@ReadModel(AccountProjection.PROCESSING_GROUP)
@Tag(name = "Identity")
public class MeController {

    public record Me(UUID customerId, String username, String email, Set<Role> roles, boolean twoFactorEnabled) {
        @Override
        public String toString() {
            return "Me[customerId=" + customerId + ", username=" + username + ", email=(hidden), roles=" + roles
                    + ", twoFactorEnabled=" + twoFactorEnabled + "]";
        }
    }

    private final QueryGateway queries;
    private final KeyVault vault;

    public MeController(QueryGateway queries, KeyVault vault) {
        this.queries = queries;
        this.vault = vault;
    }

    @GetMapping("/api/me")
    @Operation(summary = "The caller's account; the email is decrypted for its owner only")
    public Me me() {
        Caller caller = CurrentCaller.get();
        Optional<AccountView> account = queries.query(new FindAccount(caller.accountId()),
                ResponseTypes.optionalInstanceOf(AccountView.class)).join();
        AccountView view = account.orElseThrow(() -> new RuleViolation(ProblemType.NOT_FOUND, "no such account"));
        return new Me(view.accountId(), view.username(), vault.reveal(view.accountId(), view.encryptedEmail()),
                view.roles(), view.twoFactorEnabled());
    }
}
