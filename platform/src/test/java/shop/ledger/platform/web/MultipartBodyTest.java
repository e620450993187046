package shop.ledger.platform.web;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.multipart.support.StandardServletMultipartResolver;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A multipart/form-data body (RFC 7578) read from the bytes the request filter cached. */
class MultipartBodyTest {

    private static final String CONTENT_TYPE = "multipart/form-data; boundary=\"----form 42\"";
    private static final String BODY = "preamble to ignore\r\n"
                                       + "------form 42\r\n"
                                       + "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                                       + "weekly\r\n"
                                       + "------form 42\r\n"
                                       + "Content-Disposition: form-data; name=\"file\"; filename=\"st\\\"mt.csv\"\r\n"
                                       + "Content-Type: text/csv\r\n\r\n"
                                       + "a,b\r\n--not a delimiter\r\n\r\n"
                                       + "------form 42--\r\n";

    @Test
    void partsAreReadWithTheirNamesFileNamesAndExactContent() {
        MultipartBody body = MultipartBody.parse(CONTENT_TYPE, BODY.getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(body.parts()).hasSize(2);
        assertThat(body.part("note").orElseThrow().getSubmittedFileName()).isNull();
        assertThat(new String(body.part("note").orElseThrow().content(), StandardCharsets.UTF_8)).isEqualTo("weekly");
        MultipartBody.FormPart file = body.part("file").orElseThrow();
        assertThat(file.getSubmittedFileName()).isEqualTo("st\"mt.csv");
        assertThat(file.getContentType()).isEqualTo("text/csv");
        assertThat(new String(file.content(), StandardCharsets.UTF_8)).isEqualTo("a,b\r\n--not a delimiter\r\n");
    }

    @Test
    void aBodyWithoutItsClosingDelimiterOrBoundaryIsNotMultipart() {
        assertThat(MultipartBody.parse(CONTENT_TYPE, BODY.replace("------form 42--", "").getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(MultipartBody.parse("multipart/form-data", BODY.getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(MultipartBody.parse(CONTENT_TYPE, "no parts at all".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void springsMultipartResolutionReadsThePartsFromTheCachedBody() throws Exception {
        MockHttpServletRequest consumed = new MockHttpServletRequest("POST", "/api/finance/reconciliations");
        consumed.setContentType(CONTENT_TYPE); // its own stream is empty: the filter has read it
        byte[] bytes = BODY.getBytes(StandardCharsets.UTF_8);
        CachedBodyRequest request = new CachedBodyRequest(consumed, bytes, MultipartBody.parse(CONTENT_TYPE, bytes));

        StandardServletMultipartResolver resolver = new StandardServletMultipartResolver();
        assertThat(resolver.isMultipart(request)).isTrue();
        MultipartHttpServletRequest multipart = resolver.resolveMultipart(request);
        assertThat(new String(multipart.getFile("file").getBytes(), StandardCharsets.UTF_8))
                .isEqualTo("a,b\r\n--not a delimiter\r\n");
        assertThat(multipart.getFile("file").getOriginalFilename()).isEqualTo("st\"mt.csv");
        assertThat(multipart.getParameter("note")).isEqualTo("weekly");
        assertThat(Optional.ofNullable(multipart.getFile("note"))).isEmpty();
    }
}
