package shop.ledger.platform.web;

import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import shop.ledger.api.common.ProblemType;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;

/** Builds RFC 9457 problem+json answers with the contract's {@code /problems/<slug>} types. */
@Component
public class Problems {

    private final JsonMapper json = JsonMapper.builder().build();

    public static ProblemDetail detail(ProblemType type, String detail) {
        ProblemDetail problem = ProblemDetail.forStatus(type.status());
        problem.setType(URI.create(type.type()));
        problem.setTitle(type.title());
        problem.setDetail(detail);
        return problem;
    }

    public static ResponseEntity<ProblemDetail> response(ProblemType type, String detail) {
        return ResponseEntity.status(type.status())
                             .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                             .body(detail(type, detail));
    }

    /** For filters and security handlers that answer before Spring MVC is reached. */
    public void write(HttpServletResponse response, ProblemType type, String detail) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(type.status());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        ProblemDetail problem = detail(type, detail);
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        response.getOutputStream().write(json.writeValueAsBytes(body));
    }
}
