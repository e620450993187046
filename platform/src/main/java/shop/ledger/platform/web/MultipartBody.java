package shop.ledger.platform.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code multipart/form-data} body (RFC 7578 on RFC 2046 section 5.1), read from bytes already in memory.
 *
 * <p>Why not the servlet container's {@code getParts()}: the request filter reads the whole body before the
 * controller (for the Idempotency-Key digest), so the container's stream is spent; whoever needs the parts
 * parses the bytes the filter kept, and the digest covers the parts' content, not the envelope whose boundary
 * changes on every attempt (API.md v2, Conventions).
 *
 * <p>Read strictly: the {@code boundary} parameter (quoted or not, 1 to 70 characters), a preamble before the
 * first delimiter and an epilogue after the closing one are ignored, lines of the envelope end in CRLF, every part
 * has a {@code Content-Disposition: form-data} with a {@code name}, and the closing delimiter must be there (a
 * truncated upload is refused, not read as complete). A part's content is returned byte for byte (binary safe).
 * Anything else throws {@link Malformed}, which callers answer with 400. Guarded by {@code MultipartBodyTest}.
 */
public final class MultipartBody {

    /** The most parts one body may hold: a statement upload has one; a form, a handful. */
    public static final int MAX_PARTS = 100;
    /** The most bytes of one part's header section. */
    public static final int MAX_HEADER_BYTES = 8 * 1024;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    /**
     * One part of the form.
     *
     * @param name        the form field's name ({@code Content-Disposition} {@code name})
     * @param filename    the uploaded file's name, or null when the part is no file
     * @param contentType the part's {@code Content-Type}, or null when it names none (RFC 7578: text/plain)
     * @param content     the part's bytes, exactly as sent
     */
    public record Part(String name, String filename, String contentType, byte[] content) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Part part && name.equals(part.name) && Objects.equals(filename, part.filename)
                    && Objects.equals(contentType, part.contentType) && Arrays.equals(content, part.content);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, filename, contentType, Arrays.hashCode(content));
        }

        @Override
        public String toString() {
            return "Part[name=" + name + ", filename=" + filename + ", contentType=" + contentType + ", "
                    + content.length + " bytes]";
        }
    }

    /** A body that is not a well-formed {@code multipart/form-data}: the request is answered 400. */
    public static final class Malformed extends RuntimeException {
        public Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    private final List<Part> parts;

    private MultipartBody(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /** Whether a {@code Content-Type} header names {@code multipart/form-data} (any case, any parameters). */
    public static boolean isMultipartFormData(String contentType) {
        return contentType != null && mediaType(contentType).equals("multipart/form-data");
    }

    /**
     * @param contentType the request's {@code Content-Type}, which must be {@code multipart/form-data} with a
     *                    {@code boundary}
     * @param body        the whole request body
     * @throws Malformed when either is not as RFC 7578 says
     */
    public static MultipartBody parse(String contentType, byte[] body) {
        if (!isMultipartFormData(contentType)) {
            throw new Malformed("the content type is not multipart/form-data");
        }
        String boundary = parameters(contentType).get("boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
            throw new Malformed("multipart/form-data needs a boundary parameter of 1 to 70 characters");
        }
        byte[] dashBoundary = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] delimiter = concat(CRLF, dashBoundary);

        // the first delimiter opens the body or follows the preamble's CRLF
        int position;
        if (startsWith(body, 0, dashBoundary)) {
            position = dashBoundary.length;
        } else {
            int first = indexOf(body, delimiter, 0);
            if (first < 0) {
                throw new Malformed("the body holds no delimiter --" + boundary);
            }
            position = first + delimiter.length;
        }
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, position, new byte[]{'-', '-'})) {
                if (parts.isEmpty()) {
                    throw new Malformed("the body holds no part");
                }
                return new MultipartBody(parts); // the epilogue, if any, is ignored
            }
            position = skipPadding(body, position);
            if (!startsWith(body, position, CRLF)) {
                throw new Malformed("a delimiter is not followed by CRLF");
            }
            position += CRLF.length;
            if (parts.size() == MAX_PARTS) {
                throw new Malformed("more than " + MAX_PARTS + " parts");
            }
            int headersEnd;
            if (startsWith(body, position, CRLF)) {
                headersEnd = position; // no header at all: refused below for want of a Content-Disposition
            } else {
                headersEnd = indexOf(body, HEADER_END, position);
                if (headersEnd < 0 || headersEnd - position > MAX_HEADER_BYTES) {
                    throw new Malformed("part " + (parts.size() + 1) + " has no end of its headers (CRLF CRLF) "
                            + "within " + MAX_HEADER_BYTES + " bytes");
                }
                headersEnd += CRLF.length; // the headers' last CRLF belongs to them
            }
            Map<String, String> headers = headers(parts.size() + 1,
                    new String(body, position, headersEnd - position, StandardCharsets.UTF_8));
            int contentStart = headersEnd + CRLF.length;
            int contentEnd = indexOf(body, delimiter, contentStart);
            if (contentEnd < 0) {
                throw new Malformed("part " + (parts.size() + 1) + " is not closed by a delimiter: the body is "
                        + "truncated");
            }
            parts.add(part(parts.size() + 1, headers, Arrays.copyOfRange(body, contentStart, contentEnd)));
            position = contentEnd + delimiter.length;
        }
    }

    /** Every part, in the body's order. */
    public List<Part> parts() {
        return parts;
    }

    /** The first part of that name. */
    public Optional<Part> part(String name) {
        return parts.stream().filter(part -> part.name().equals(name)).findFirst();
    }

    private static Part part(int ordinal, Map<String, String> headers, byte[] content) {
        String disposition = headers.get("content-disposition");
        if (disposition == null || !mediaType(disposition).equals("form-data")) {
            throw new Malformed("part " + ordinal + " has no Content-Disposition: form-data");
        }
        Map<String, String> parameters = parameters(disposition);
        String name = parameters.get("name");
        if (name == null || name.isEmpty()) {
            throw new Malformed("part " + ordinal + " has no name");
        }
        return new Part(name, parameters.get("filename"), headers.get("content-type"), content);
    }

    /** Header lines ({@code Name: value}, CRLF-separated); names lower-cased. */
    private static Map<String, String> headers(int ordinal, String section) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : section.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new Malformed("part " + ordinal + " has a header line without a name");
            }
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return headers;
    }

    private static String mediaType(String header) {
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /**
     * The {@code ; key=value} parameters of a header value, keys lower-cased; a value may be a quoted string
     * (RFC 9110: a backslash escapes the next character; a semicolon inside quotes belongs to the value).
     */
    static Map<String, String> parameters(String header) {
        Map<String, String> parameters = new LinkedHashMap<>();
        int i = header.indexOf(';');
        int n = header.length();
        while (i >= 0 && i < n) {
            i++; // the semicolon
            int equals = header.indexOf('=', i);
            int nextSemicolon = header.indexOf(';', i);
            if (equals < 0 || nextSemicolon >= 0 && nextSemicolon < equals) {
                i = nextSemicolon; // a parameter without a value: skipped
                continue;
            }
            String key = header.substring(i, equals).strip().toLowerCase(Locale.ROOT);
            i = equals + 1;
            while (i < n && header.charAt(i) == ' ') {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && header.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = header.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(header.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw new Malformed("parameter " + key + " opens a quote that is not closed");
                }
                i = header.indexOf(';', i);
            } else {
                int end = header.indexOf(';', i);
                value.append(header.substring(i, end < 0 ? n : end).strip()); // a token holds no space
                i = end;
            }
            parameters.putIfAbsent(key, value.toString());
        }
        return parameters;
    }

    /** RFC 2046 allows linear white space after a delimiter ("transport padding"). */
    private static int skipPadding(byte[] body, int position) {
        while (position < body.length && (body[position] == ' ' || body[position] == '\t')) {
            position++;
        }
        return position;
    }

    private static boolean startsWith(byte[] body, int position, byte[] prefix) {
        if (position < 0 || position + prefix.length > body.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[position + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] body, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i <= body.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (body[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
