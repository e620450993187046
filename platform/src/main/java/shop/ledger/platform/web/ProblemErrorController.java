package shop.ledger.platform.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import shop.ledger.api.common.ProblemType;

import java.io.IOException;

/**
 * The servlet container's error page ({@code /error}) as problem+json: errors raised before Spring MVC is
 * reached (a request the security firewall rejects, an unknown or TRACE method, a {@code sendError} from a
 * filter) answer in the contract's shape too, whatever the client accepts. Replaces Spring Boot's
 * {@code BasicErrorController}.
 */
@Controller
public class ProblemErrorController implements ErrorController {

    private final Problems problems;

    public ProblemErrorController(Problems problems) {
        this.problems = problems;
    }

    @RequestMapping("${server.error.path:${error.path:/error}}")
    public void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value ? value : response.getStatus();
        ProblemType type = problemType(status);
        problems.write(response, type, detail(type));
    }

    /** The contract's problem for a status; a 4xx it has no slug for is a request the ledger cannot read. */
    static ProblemType problemType(int status) {
        return switch (status) {
            case 401 -> ProblemType.UNAUTHORIZED;
            case 403 -> ProblemType.FORBIDDEN;
            case 404 -> ProblemType.NOT_FOUND;
            case 405, 501 -> ProblemType.METHOD_NOT_ALLOWED;
            case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> ProblemType.TOO_MANY_REQUESTS;
            case 503 -> ProblemType.SERVICE_UNAVAILABLE;
            default -> status >= 500 ? ProblemType.INTERNAL_ERROR : ProblemType.VALIDATION_FAILED;
        };
    }

    static String detail(ProblemType type) {
        return switch (type) {
            case VALIDATION_FAILED -> "the request is malformed";
            case NOT_FOUND -> "no such resource";
            case METHOD_NOT_ALLOWED -> "this method is not supported here";
            case PAYLOAD_TOO_LARGE -> "the request is too large";
            case UNAUTHORIZED -> "a valid bearer token is required";
            case FORBIDDEN -> "your role does not allow this";
            default -> type.title();
        };
    }
}
