package shop.ledger.command.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.api.identity.Role;

import java.util.Set;
import java.util.UUID;

@RestController
@Tag(name = "Identity")
public class IdentityController {

    public record RegisterRequest(@NotBlank String username, @NotBlank String email, @NotBlank String password) {
        @Override
        public String toString() {
            return "RegisterRequest[username=" + username + ", email=(hidden), password=(hidden)]";
        }
    }

    public record TokenRequest(@NotBlank String username, @NotBlank String password, String otp) {
        @Override
        public String toString() {
            // people type their email into the username field
            return "TokenRequest[username=(hidden), password=(hidden), otp=(hidden)]";
        }
    }

    public record StaffRequest(@NotBlank String username, @NotBlank String email, @NotBlank String password,
                               @NotEmpty Set<Role> roles) {
        @Override
        public String toString() {
            return "StaffRequest[username=" + username + ", email=(hidden), password=(hidden), roles=" + roles + "]";
        }
    }

    public record StaffCreated(UUID accountId) {
    }

    private final Accounts accounts;
    private final Tokens tokens;

    public IdentityController(Accounts accounts, Tokens tokens) {
        this.accounts = accounts;
        this.tokens = tokens;
    }

    @PostMapping("/api/auth/register")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register a customer; a wallet is opened for every customer")
    public Accounts.Registered register(@Valid @RequestBody RegisterRequest request) {
        return accounts.registerCustomer(request.username(), request.email(), request.password());
    }

    @PostMapping("/api/auth/token")
    @Operation(summary = "Exchange username and password (and the current one-time code once 2FA is on) for a "
            + "bearer token; repeated failures answer 429 with Retry-After")
    public Tokens.AccessToken token(@Valid @RequestBody TokenRequest request, HttpServletRequest http) {
        return tokens.issue(request.username(), request.password(), request.otp(), http.getRemoteAddr());
    }

    @PostMapping("/api/admin/staff")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a staff account (ADMIN)")
    public StaffCreated createStaff(@Valid @RequestBody StaffRequest request) {
        return new StaffCreated(accounts.createStaff(request.username(), request.email(), request.password(),
                request.roles()));
    }
}
