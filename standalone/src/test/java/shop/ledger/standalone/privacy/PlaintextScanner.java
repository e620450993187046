package shop.ledger.standalone.privacy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Looks for secrets in raw bytes: every file under a directory (or one file), read whole, with each secret in the
 * forms it could cheaply take on the way: as typed, lower and upper case, without spaces, URL-encoded, JSON-escaped,
 * hex (how PostgreSQL shows bytea) and base64 at each of the three byte alignments.
 */
final class PlaintextScanner {

    record Hit(String secretLabel, String form, Path file, long offset, String context) {
    }

    record Result(long files, long bytes, int needles, List<Hit> hits) {
    }

    /** form name to the bytes looked for, per secret */
    private final Map<String, Map<String, String>> needles = new LinkedHashMap<>();

    PlaintextScanner add(String label, String secret) {
        Map<String, String> forms = new LinkedHashMap<>();
        forms.put("plain", secret);
        forms.put("lower case", secret.toLowerCase(Locale.ROOT));
        forms.put("upper case", secret.toUpperCase(Locale.ROOT));
        forms.put("without spaces", secret.replaceAll("\\s+", ""));
        forms.put("URL-encoded", URLEncoder.encode(secret, StandardCharsets.UTF_8));
        forms.put("URL-encoded (%20)", URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
        forms.put("JSON-escaped", secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/"));
        forms.put("hex", HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)));
        byte[] utf8 = secret.getBytes(StandardCharsets.UTF_8);
        for (int alignment = 0; alignment < 3; alignment++) {
            String base64 = base64Core(utf8, alignment, Base64.getEncoder());
            if (base64 != null) {
                forms.put("base64 @" + alignment, base64);
                forms.put("base64url @" + alignment, base64Core(utf8, alignment, Base64.getUrlEncoder()));
            }
        }
        // a form too short to mean anything (e.g. "without spaces" of a one-word secret is the same) is not repeated
        Map<String, String> distinct = new LinkedHashMap<>();
        forms.forEach((form, value) -> {
            if (value.length() >= 8 && !distinct.containsValue(value)) {
                distinct.put(form, value);
            }
        });
        needles.put(label, distinct);
        return this;
    }

    int secretCount() {
        return needles.size();
    }

    int needleCount() {
        return needles.values().stream().mapToInt(Map::size).sum();
    }

    /**
     * The characters of the base64 encoding of {@code value} that depend on nothing but {@code value}, when it
     * starts {@code alignment} bytes into a 3-byte group of a larger encoded blob.
     */
    private static String base64Core(byte[] value, int alignment, Base64.Encoder encoder) {
        byte[] shifted = new byte[alignment + value.length];
        System.arraycopy(value, 0, shifted, alignment, value.length);
        String encoded = encoder.withoutPadding().encodeToString(shifted);
        int start = alignment == 0 ? 0 : 4;
        int fullGroups = shifted.length / 3;
        int end = fullGroups * 4; // a trailing partial group depends on what follows
        if (alignment == 0 && shifted.length % 3 == 0) {
            end = encoded.length();
        }
        return end - start >= 8 ? encoded.substring(start, end) : null;
    }

    Result scan(Path root) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long bytes = 0;
        List<Hit> hits = new ArrayList<>();
        for (Path file : files) {
            byte[] content;
            try {
                content = Files.readAllBytes(file);
            } catch (java.nio.file.NoSuchFileException vanished) {
                continue; // a temporary file PostgreSQL removed meanwhile
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            bytes += content.length;
            // ISO-8859-1 maps every byte to one char: String.indexOf is then a fast raw byte search
            String raw = new String(content, StandardCharsets.ISO_8859_1);
            needles.forEach((label, forms) -> forms.forEach((form, value) -> {
                String needle = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
                int at = raw.indexOf(needle);
                if (at >= 0) {
                    String context = raw.substring(Math.max(0, at - 60), Math.min(raw.length(), at + needle.length() + 60))
                                        .replaceAll("[^\\x20-\\x7e]", ".");
                    hits.add(new Hit(label, form, file, at, context));
                }
            }));
        }
        return new Result(files.size(), bytes, needleCount(), hits);
    }
}
