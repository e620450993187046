package shop.ledger.platform.web;

import jakarta.servlet.http.Part;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code multipart/form-data} body (RFC 7578) parsed from the bytes the request filter has already read: the
 * container can no longer parse the consumed stream, so the parts Spring's multipart resolution asks for come from
 * here, and the Idempotency-Key digest covers the parts (names, file names, content), not the boundary that changes on
 * every attempt. Guarded by IdempotencyContractTest and MultipartBodyTest.
 */
public record MultipartBody(List<FormPart> parts) {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};

    public static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    /** The parts, or empty when the body is not well-formed multipart (the handler then refuses it). */
    public static Optional<MultipartBody> parse(String contentType, byte[] body) {
        String boundary = boundary(contentType);
        if (boundary == null) {
            return Optional.empty();
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] nextDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int at = startsWith(body, 0, delimiter) ? 0 : indexOf(body, nextDelimiter, 0);
        if (at < 0) {
            return Optional.empty();
        }
        at += at == 0 && startsWith(body, 0, delimiter) ? delimiter.length : nextDelimiter.length;
        List<FormPart> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, at, new byte[]{'-', '-'})) {
                return Optional.of(new MultipartBody(List.copyOf(parts)));
            }
            while (at < body.length && (body[at] == ' ' || body[at] == '\t')) {
                at++; // transport padding (RFC 2046)
            }
            if (!startsWith(body, at, CRLF)) {
                return Optional.empty();
            }
            at += CRLF.length;
            int headersEnd = startsWith(body, at, CRLF) ? at : indexOf(body, HEADERS_END, at);
            if (headersEnd < 0) {
                return Optional.empty();
            }
            Map<String, String> headers = headers(new String(body, at, headersEnd - at, StandardCharsets.UTF_8));
            int contentStart = headersEnd + (headersEnd == at ? CRLF.length : HEADERS_END.length);
            int contentEnd = indexOf(body, nextDelimiter, contentStart);
            if (contentEnd < 0) {
                return Optional.empty();
            }
            String disposition = headers.get("content-disposition");
            String name = disposition == null ? null : parameter(disposition, "name");
            if (name == null) {
                return Optional.empty();
            }
            byte[] content = new byte[contentEnd - contentStart];
            System.arraycopy(body, contentStart, content, 0, content.length);
            parts.add(new FormPart(name, parameter(disposition, "filename"), headers, content));
            at = contentEnd + nextDelimiter.length;
        }
    }

    /** The part of that name, if any. */
    public Optional<FormPart> part(String name) {
        return parts.stream().filter(part -> part.getName().equals(name)).findFirst();
    }

    private static String boundary(String contentType) {
        if (!isMultipart(contentType)) {
            return null;
        }
        String boundary = parameter(contentType, "boundary");
        return boundary == null || boundary.isEmpty() || boundary.length() > 70 ? null : boundary;
    }

    private static Map<String, String> headers(String block) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : block.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    /** A parameter of a header value ({@code ; name="value"} or {@code ; name=token}), unquoted; null if absent. */
    static String parameter(String headerValue, String name) {
        int at = headerValue.indexOf(';');
        while (at >= 0 && at < headerValue.length()) {
            int start = at + 1;
            while (start < headerValue.length() && headerValue.charAt(start) == ' ') {
                start++;
            }
            int equals = headerValue.indexOf('=', start);
            if (equals < 0) {
                return null;
            }
            String key = headerValue.substring(start, equals).trim();
            StringBuilder value = new StringBuilder();
            int i = equals + 1;
            if (i < headerValue.length() && headerValue.charAt(i) == '"') {
                for (i++; i < headerValue.length() && headerValue.charAt(i) != '"'; i++) {
                    char c = headerValue.charAt(i);
                    if (c == '\\' && i + 1 < headerValue.length()) {
                        c = headerValue.charAt(++i);
                    }
                    value.append(c);
                }
                i++;
            } else {
                for (; i < headerValue.length() && headerValue.charAt(i) != ';'; i++) {
                    value.append(headerValue.charAt(i));
                }
            }
            if (key.equalsIgnoreCase(name)) {
                return value.toString().trim();
            }
            at = headerValue.indexOf(';', i);
        }
        return null;
    }

    private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
        if (at < 0 || at + prefix.length > bytes.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, byte[] target, int from) {
        outer:
        for (int i = Math.max(0, from); i <= bytes.length - target.length; i++) {
            for (int j = 0; j < target.length; j++) {
                if (bytes[i + j] != target[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** One part, as the servlet API hands it to Spring's multipart resolution. */
    public static final class FormPart implements Part {
        private final String name;
        private final String fileName;
        private final Map<String, String> headers;
        private final byte[] content;

        FormPart(String name, String fileName, Map<String, String> headers, byte[] content) {
            this.name = name;
            this.fileName = fileName;
            this.headers = headers;
            this.content = content;
        }

        public byte[] content() {
            return content.clone();
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(content);
        }

        @Override
        public String getContentType() {
            return headers.get("content-type");
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getSubmittedFileName() {
            return fileName;
        }

        @Override
        public long getSize() {
            return content.length;
        }

        @Override
        public void write(String file) throws IOException {
            Files.write(Path.of(file), content);
        }

        @Override
        public void delete() {
        }

        @Override
        public String getHeader(String header) {
            return headers.get(header.toLowerCase(Locale.ROOT));
        }

        @Override
        public Collection<String> getHeaders(String header) {
            String value = getHeader(header);
            return value == null ? List.of() : List.of(value);
        }

        @Override
        public Collection<String> getHeaderNames() {
            return Collections.unmodifiableSet(headers.keySet());
        }
    }
}
