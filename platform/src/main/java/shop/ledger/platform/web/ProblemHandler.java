package shop.ledger.platform.web;

import jakarta.validation.ConstraintViolationException;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.common.AxonException;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import shop.ledger.api.common.ProblemType;
import shop.ledger.api.common.RuleViolation;

import java.sql.SQLTransientException;
import java.util.stream.Collectors;

/** Every error the API gives is problem+json with a contract slug; nothing else leaks out. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ProblemHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(RuleViolation.class)
    ResponseEntity<ProblemDetail> ruleViolation(RuleViolation e) {
        return Problems.response(e.problem(), e.getMessage());
    }

    @ExceptionHandler(CommandExecutionException.class)
    ResponseEntity<ProblemDetail> commandFailed(CommandExecutionException e) {
        // a rule violation that crossed Axon Server arrives with its slug as details
        ProblemType type = e.getDetails().map(Object::toString).map(ProblemType::fromSlug).orElse(null);
        if (type != null) {
            return Problems.response(type, e.getMessage());
        }
        if (e.getCause() instanceof RuleViolation violation) {
            return ruleViolation(violation);
        }
        return unexpected(e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
        return Problems.response(ProblemType.VALIDATION_FAILED, "the request body is not valid JSON of the expected shape: "
                + JsonErrors.describe(e));
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ProblemDetail> invalid(MethodArgumentNotValidException e) {
        String fields = e.getBindingResult().getFieldErrors().stream()
                         .map(ProblemHandler::describe)
                         .sorted()
                         .collect(Collectors.joining("; "));
        return Problems.response(ProblemType.VALIDATION_FAILED, fields.isEmpty() ? "the request is invalid" : fields);
    }

    @ExceptionHandler({HandlerMethodValidationException.class, ConstraintViolationException.class,
            MissingServletRequestParameterException.class, MissingRequestHeaderException.class,
            IllegalArgumentException.class})
    ResponseEntity<ProblemDetail> badRequest(Exception e) {
        return Problems.response(ProblemType.VALIDATION_FAILED, e.getMessage());
    }

    /** Tomcat could not decode a query parameter (not UTF-8): the request is malformed, not a failure. */
    @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
    ResponseEntity<ProblemDetail> undecodableParameter(Exception e) {
        return Problems.response(ProblemType.VALIDATION_FAILED, "a query parameter is not valid UTF-8");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        if (e.getParameter().hasParameterAnnotation(org.springframework.web.bind.annotation.PathVariable.class)) {
            return Problems.response(ProblemType.NOT_FOUND, "no such resource");
        }
        return Problems.response(ProblemType.VALIDATION_FAILED, "parameter '" + e.getName() + "' has the wrong type");
    }

    @ExceptionHandler({NoResourceFoundException.class, AggregateNotFoundException.class})
    ResponseEntity<ProblemDetail> notFound(Exception e) {
        return Problems.response(ProblemType.NOT_FOUND, "no such resource");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ProblemDetail> methodNotAllowed(HttpRequestMethodNotSupportedException e) {
        return Problems.response(ProblemType.METHOD_NOT_ALLOWED, e.getMessage());
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> unsupportedMediaType(HttpMediaTypeNotSupportedException e) {
        return Problems.response(ProblemType.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ProblemDetail> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return Problems.response(ProblemType.VALIDATION_FAILED, e.getMessage());
    }

    @ExceptionHandler({AccessDeniedException.class, AuthorizationDeniedException.class})
    ResponseEntity<ProblemDetail> forbidden(Exception e) {
        return Problems.response(ProblemType.FORBIDDEN, "your role does not allow this");
    }

    @ExceptionHandler(ConcurrencyException.class)
    ResponseEntity<ProblemDetail> concurrentChange(ConcurrencyException e) {
        return Problems.response(ProblemType.CONFLICT, "a concurrent change won; retry the request");
    }

    @ExceptionHandler({DataAccessResourceFailureException.class, TransientDataAccessException.class,
            CannotCreateTransactionException.class, SQLTransientException.class})
    ResponseEntity<ProblemDetail> databaseAway(Exception e) {
        log.warn("database unavailable: {}", e.getMessage());
        return Problems.response(ProblemType.SERVICE_UNAVAILABLE, "the ledger's database is unavailable; retry later");
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        if (DatabaseFailures.isDatabaseUnavailable(e)) {
            return databaseAway(e);
        }
        if (e instanceof AxonException && e.getCause() instanceof RuleViolation violation) {
            return ruleViolation(violation);
        }
        log.error("unexpected failure", e);
        return Problems.response(ProblemType.INTERNAL_ERROR, "an unexpected error occurred");
    }

    private static String describe(FieldError error) {
        return error.getField() + ": " + error.getDefaultMessage();
    }
}
