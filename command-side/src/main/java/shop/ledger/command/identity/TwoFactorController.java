package shop.ledger.command.identity;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.platform.security.CurrentCaller;

/** Enrolment in the second factor (RFC 6238 TOTP) for the calling customer or staff member. */
@RestController
@Tag(name = "Identity")
public class TwoFactorController {

    public record ConfirmRequest(@NotBlank String otp) {
        @Override
        public String toString() {
            return "ConfirmRequest[otp=(hidden)]";
        }
    }

    private final TwoFactor twoFactor;

    public TwoFactorController(TwoFactor twoFactor) {
        this.twoFactor = twoFactor;
    }

    @PostMapping("/api/me/2fa")
    @Operation(summary = "Start two-factor enrolment: a new TOTP secret (SHA1, 6 digits, 30 s) and its otpauth URI; "
            + "replaces a pending enrolment; 409 once 2FA is on")
    public TwoFactor.Enrolment enrol() {
        return twoFactor.enrol(CurrentCaller.get().accountId());
    }

    @PostMapping("/api/me/2fa/confirm")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Turn two-factor authentication on with a current code of the pending secret")
    public void confirm(@Valid @RequestBody ConfirmRequest request, HttpServletRequest http) {
        twoFactor.confirm(CurrentCaller.get().accountId(), request.otp(), http.getRemoteAddr());
    }
}
