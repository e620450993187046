package shop.ledger.platform.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import shop.ledger.api.common.ProblemType;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a state-changing request's body once, before anything runs: bodies are limited in size (413 above the
 * limit), JSON text the database cannot keep (NUL, unpaired surrogates) is refused (400), and so is a body declared
 * {@code multipart/form-data} that is not (400), so a refusal changes nothing and costs no transaction. Guarded by
 * HostileInputFuzzTest, JsonTextTest and MultipartBodyTest.
 */
@Component
public class RequestBodyGuard {

    static final int MAX_BODY_BYTES = 1 << 20;
    /** Provider statements are larger than any other request: a day of payouts fits well. */
    static final int MAX_STATEMENT_BYTES = 16 << 20;
    private static final String STATEMENTS = "/api/finance/reconciliations";

    private final Problems problems;

    public RequestBodyGuard(Problems problems) {
        this.problems = problems;
    }

    /** The body read, with its parts when it is multipart. */
    public record Body(byte[] bytes, Optional<MultipartBody> multipart) {
    }

    /** The body, or null once a refusal was written to {@code response}. */
    public Body read(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int limit = STATEMENTS.equals(request.getRequestURI()) ? MAX_STATEMENT_BYTES : MAX_BODY_BYTES;
        byte[] body = request.getInputStream().readNBytes(limit + 1);
        if (body.length > limit) {
            problems.write(response, ProblemType.PAYLOAD_TOO_LARGE, "request bodies are limited to " + limit + " bytes");
            return null;
        }
        String contentType = request.getContentType();
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json")
                && JsonText.holdsUnstorableText(body)) {
            problems.write(response, ProblemType.VALIDATION_FAILED,
                    "text may not contain the character U+0000 or an unpaired surrogate");
            return null;
        }
        if (MultipartBody.isMultipartFormData(contentType)) {
            try {
                return new Body(body, Optional.of(MultipartBody.parse(contentType, body)));
            } catch (MultipartBody.Malformed malformed) {
                problems.write(response, ProblemType.VALIDATION_FAILED,
                        "the multipart/form-data body is malformed: " + malformed.getMessage());
                return null;
            }
        }
        return new Body(body, Optional.empty());
    }
}
