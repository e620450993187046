package shop.ledger.platform.web;

import org.springframework.http.converter.HttpMessageNotReadableException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.stream.Collectors;

/** A short, safe description of why a JSON body was refused (never echoes the body back). */
final class JsonErrors {

    private JsonErrors() {
    }

    static String describe(HttpMessageNotReadableException e) {
        Throwable cause = e.getCause();
        if (cause instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "'";
        }
        if (cause instanceof InvalidFormatException invalid) {
            return "field '" + path(invalid) + "' has an invalid value";
        }
        if (cause instanceof MismatchedInputException mismatched) {
            return "field '" + path(mismatched) + "' has the wrong type or is out of range";
        }
        if (cause instanceof JacksonException) {
            return "malformed JSON";
        }
        return "missing or unreadable body";
    }

    private static String path(JacksonException e) {
        String path = e.getPath().stream()
                       .map(ref -> ref.getPropertyName() != null ? ref.getPropertyName() : "[" + ref.getIndex() + "]")
                       .collect(Collectors.joining("."));
        return path.isEmpty() ? "(root)" : path;
    }
}
