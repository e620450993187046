package shop.ledger.platform.web;

import org.junit.jupiter.api.Test;
import shop.ledger.platform.web.MultipartBody.Malformed;
import shop.ledger.platform.web.MultipartBody.Part;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** multipart/form-data as RFC 7578 (on RFC 2046) defines it, read from bytes. */
class MultipartBodyTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** What a browser sends for a form with a text field and a file. */
    private static final String BROWSER = "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
            + "Content-Disposition: form-data; name=\"note\"\r\n"
            + "\r\n"
            + "March payouts\r\n"
            + "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"statement.csv\"\r\n"
            + "Content-Type: text/csv\r\n"
            + "\r\n"
            + "payout_reference,amount,currency,status,booked_at\r\nP-1,30.00,USD,PAID,2026-03-14\r\n"
            + "\r\n"
            + "------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n";

    @Test
    void aBrowsersUploadGivesItsPartsWithNamesFileNamesTypesAndExactContent() {
        MultipartBody body = MultipartBody.parse("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
                bytes(BROWSER));

        assertThat(body.parts()).hasSize(2);
        Part note = body.part("note").orElseThrow();
        assertThat(note.filename()).isNull();
        assertThat(note.contentType()).isNull();
        assertThat(new String(note.content(), StandardCharsets.UTF_8)).isEqualTo("March payouts");
        Part file = body.part("file").orElseThrow();
        assertThat(file.filename()).isEqualTo("statement.csv");
        assertThat(file.contentType()).isEqualTo("text/csv");
        // the CRLF before the delimiter belongs to the delimiter; the file's own last CRLF stays
        assertThat(new String(file.content(), StandardCharsets.UTF_8))
                .isEqualTo("payout_reference,amount,currency,status,booked_at\r\nP-1,30.00,USD,PAID,2026-03-14\r\n");
        assertThat(body.part("missing")).isEmpty();
    }

    @Test
    void aQuotedBoundaryWithSpacesAndCaseInsensitiveNamesAreRead() {
        String boundary = "a b:c'd=e";
        String text = "--" + boundary + "\r\n"
                + "content-disposition: FORM-DATA; filename=\"x;y \\\"z\\\".csv\"; name=file\r\n"
                + "\r\n"
                + "data\r\n"
                + "--" + boundary + "--";

        MultipartBody body = MultipartBody.parse("Multipart/Form-Data; charset=UTF-8; boundary=\"" + boundary + "\"",
                bytes(text));

        Part file = body.part("file").orElseThrow();
        assertThat(file.filename()).isEqualTo("x;y \"z\".csv");
        assertThat(file.content()).isEqualTo(bytes("data"));
    }

    @Test
    void thePreambleAndTheEpilogueAreIgnoredAndTransportPaddingIsAllowed() {
        String text = "This is the preamble.\r\nIt is to be ignored.\r\n"
                + "--xyz   \r\n"
                + "Content-Disposition: form-data; name=\"file\"\r\n"
                + "\r\n"
                + "content\r\n"
                + "--xyz--\r\n"
                + "This is the epilogue, also ignored. --xyz\r\n";

        MultipartBody body = MultipartBody.parse("multipart/form-data; boundary=xyz", bytes(text));

        assertThat(body.parts()).hasSize(1);
        assertThat(body.part("file").orElseThrow().content()).isEqualTo(bytes("content"));
    }

    @Test
    void binaryContentComesBackByteForByte() {
        byte[] binary = new byte[512];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i; // every byte value, CR and LF and dashes among them
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"));
        out.writeBytes(binary);
        out.writeBytes(bytes("\r\n--b0undary--"));

        MultipartBody body = MultipartBody.parse("multipart/form-data; boundary=b0undary", out.toByteArray());

        assertThat(body.part("file").orElseThrow().content()).isEqualTo(binary);
    }

    @Test
    void anEmptyPartAndAPartWithoutHeadersAfterItsNameAreRead() {
        String text = "--q\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
                + "--q\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--q--";

        MultipartBody body = MultipartBody.parse("multipart/form-data; boundary=q", bytes(text));

        assertThat(body.part("empty").orElseThrow().content()).isEmpty();
        assertThat(body.part("file").orElseThrow().content()).isEqualTo(bytes("x"));
    }

    @Test
    void malformedBodiesAreRefused() {
        String part = "Content-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n";
        refused("multipart/form-data", "--q\r\n" + part + "--q--", "boundary");
        refused("multipart/form-data; boundary=\"\"", "--q\r\n" + part + "--q--", "boundary");
        refused("multipart/form-data; boundary=" + "b".repeat(71), "--q\r\n" + part + "--q--", "boundary");
        refused("text/csv; boundary=q", "--q\r\n" + part + "--q--", "not multipart");
        refused("multipart/form-data; boundary=q", "payout_reference,amount\r\n", "no delimiter");
        refused("multipart/form-data; boundary=q", "--q--", "no part");
        refused("multipart/form-data; boundary=q", "--q\r\n" + part, "truncated");
        refused("multipart/form-data; boundary=q", "--q\r\n" + part.substring(0, 20), "end of its headers");
        refused("multipart/form-data; boundary=q", "--q\n" + part + "--q--", "CRLF");
        refused("multipart/form-data; boundary=q", "--q\r\nContent-Type: text/csv\r\n\r\nx\r\n--q--",
                "Content-Disposition");
        refused("multipart/form-data; boundary=q", "--q\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nx\r\n--q--",
                "Content-Disposition");
        refused("multipart/form-data; boundary=q", "--q\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--q--",
                "no name");
        refused("multipart/form-data; boundary=q", "--q\r\nContent-Disposition: form-data; name=\"file\r\n\r\nx\r\n--q--",
                "quote");
    }

    @Test
    void tooManyPartsAreRefused() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i <= MultipartBody.MAX_PARTS; i++) {
            text.append("--q\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"\r\n\r\nx\r\n");
        }
        text.append("--q--");
        refused("multipart/form-data; boundary=q", text.toString(), "parts");
    }

    @Test
    void onlyMultipartFormDataIsRecognised() {
        assertThat(MultipartBody.isMultipartFormData("multipart/form-data; boundary=x")).isTrue();
        assertThat(MultipartBody.isMultipartFormData("MULTIPART/FORM-DATA")).isTrue();
        assertThat(MultipartBody.isMultipartFormData("multipart/mixed; boundary=x")).isFalse();
        assertThat(MultipartBody.isMultipartFormData("text/csv")).isFalse();
        assertThat(MultipartBody.isMultipartFormData(null)).isFalse();
    }

    private static void refused(String contentType, String body, String reason) {
        assertThatThrownBy(() -> MultipartBody.parse(contentType, bytes(body)))
                .as(body)
                .isInstanceOf(Malformed.class)
                .hasMessageContaining(reason);
    }
}
