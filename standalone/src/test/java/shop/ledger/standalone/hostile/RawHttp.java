package shop.ledger.standalone.hostile;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * HTTP/1.1 over a plain socket, byte for byte as given: a hostile client is not bound by what a polite client
 * library lets it send (invalid UTF-8 in the target or a header, any Content-Type, no body at all). One
 * connection per request ({@code Connection: close}); a streamed answer (Server-Sent Events) is cut after its
 * head.
 */
final class RawHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_ANSWER_BYTES = 8 << 20;

    record Header(String name, byte[] value) {
        static Header of(String name, String value) {
            return new Header(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What is sent: the method and target exactly, the headers as bytes, the body (null: no body at all). */
    record Request(String method, byte[] target, List<Header> headers, byte[] body) {

        static Request of(String method, String target) {
            return new Request(method, target.getBytes(StandardCharsets.UTF_8), new ArrayList<>(), null);
        }

        Request header(String name, String value) {
            headers.add(Header.of(name, value));
            return this;
        }

        Request header(String name, byte[] value) {
            headers.add(new Header(name, value));
            return this;
        }

        Request body(byte[] bytes) {
            return new Request(method, target, headers, bytes);
        }

        String targetText() {
            return new String(target, StandardCharsets.ISO_8859_1);
        }

        String headerText(String name) {
            return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).findFirst()
                          .map(h -> new String(h.value(), StandardCharsets.ISO_8859_1)).orElse(null);
        }
    }

    /** The answer; {@code resetWhileSending} when the server closed the connection before taking the whole body. */
    record Reply(int status, Map<String, String> headers, byte[] body, boolean resetWhileSending) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String contentType() {
            String type = header("content-type");
            return type == null ? "" : type;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (RuntimeException notJson) {
                return JSON.missingNode();
            }
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + contentType() + " " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
        }
    }

    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    Reply send(Request request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(60_000);
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.write(request.method().getBytes(StandardCharsets.US_ASCII));
            head.write(' ');
            head.write(request.target());
            head.write(" HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            line(head, "Host", ("localhost:" + port).getBytes(StandardCharsets.US_ASCII));
            line(head, "Connection", "close".getBytes(StandardCharsets.US_ASCII));
            for (Header header : request.headers()) {
                line(head, header.name(), header.value());
            }
            if (request.body() != null) {
                line(head, "Content-Length", Integer.toString(request.body().length).getBytes(StandardCharsets.US_ASCII));
            }
            head.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // the body is written beside the reading: a server may answer (413) before taking all of it
            CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    out.write(head.toByteArray());
                    if (request.body() != null) {
                        out.write(request.body());
                    }
                    out.flush();
                    return true;
                } catch (IOException closedByServer) {
                    return false;
                }
            });
            byte[] raw = readAnswer(in);
            boolean complete = sent.join();
            return parse(raw, !complete);
        } catch (IOException e) {
            throw new IllegalStateException("no answer to " + request.method() + " " + request.targetText(), e);
        }
    }

    private static void line(ByteArrayOutputStream head, String name, byte[] value) throws IOException {
        head.write(name.getBytes(StandardCharsets.US_ASCII));
        head.write(": ".getBytes(StandardCharsets.US_ASCII));
        head.write(value);
        head.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Everything up to the server's close, or the head alone for an event stream. */
    private static byte[] readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                raw.write(buffer, 0, n);
                if (raw.size() > MAX_ANSWER_BYTES) {
                    break;
                }
                String sofar = raw.toString(StandardCharsets.ISO_8859_1);
                int end = sofar.indexOf("\r\n\r\n");
                if (end > 0 && sofar.substring(0, end).toLowerCase(Locale.ROOT).contains("content-type: text/event-stream")) {
                    break;
                }
            }
        } catch (SocketException reset) {
            if (raw.size() == 0) {
                throw reset;
            }
        }
        return raw.toByteArray();
    }

    private static Reply parse(byte[] raw, boolean resetWhileSending) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("an answer without a complete head: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Reply(status, headers, body, resetWhileSending);
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, at);
            if (lineEnd < 0) {
                break;
            }
            String sizeText = new String(chunked, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].strip();
            int size = Integer.parseInt(sizeText, 16);
            if (size == 0) {
                break;
            }
            int start = lineEnd + 2;
            body.write(chunked, start, Math.min(size, chunked.length - start));
            at = start + size + 2;
        }
        return body.toByteArray();
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
