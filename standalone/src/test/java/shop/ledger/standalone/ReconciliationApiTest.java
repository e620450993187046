package shop.ledger.standalone;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.identity.Authenticator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reconciliation as API.md v2 (Withdrawals) has it: a line's reference is the provider's payoutReference or the
 * withdrawal id (with or without hyphens), CSV amounts are major units, the listed status words, and the statement
 * as the body or as the {@code file} part of a multipart/form-data upload.
 */
@StandaloneTest
class ReconciliationApiTest {

    static final String HEADER = "payout_reference,amount,currency,status,booked_at\r\n";
    /** Booked long before any withdrawal of the test database: no other withdrawal counts as unmatched. */
    static final String BOOKED = "2020-01-01T10:00:00Z";

    /** One withdrawal of 30.00 USD, paid by the provider, shared by the tests (a paid payout takes a saga's run). */
    record Paid(UUID withdrawalId, String payoutReference) {
    }

    static Paid paid;

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    ApiClient api;
    String admin;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        admin = api.adminToken();
        if (paid == null) {
            paid = paidWithdrawal(3_000);
        }
    }

    Paid paidWithdrawal(long cents) {
        Customer customer = api.register("payee-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(api.deposit(admin, customer.walletId(), cents, "psp-" + UUID.randomUUID()).status()).isEqualTo(201);
        Authenticator app = new Authenticator(api.post("/api/me/2fa", customer.token(), "").text("secret"));
        assertThat(api.post("/api/me/2fa/confirm", customer.token(),
                ApiClient.json(Map.of("otp", app.code(Authenticator.stepNow())))).status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                api.get("/api/me/wallet", customer.token()).json().path("available").asLong() == cents);
        Response requested = api.post("/api/me/withdrawals", customer.token(), ApiClient.json(Map.of("amount", cents,
                "currency", "USD", "method", "BANK_TRANSFER", "destination", "DE89 3704 0044 0532 0130 00")),
                Map.of("X-OTP", app.code(Authenticator.stepNow() + 1)));
        assertThat(requested.status()).as(requested.raw().body()).isEqualTo(201);
        String withdrawalId = requested.text("withdrawalId");
        awaitStatus(withdrawalId, "PAYOUT_SUBMITTED");
        Response decided = api.post("/simulator/payouts/control/payouts/" + withdrawalId, admin,
                ApiClient.json(Map.of("status", "PAID")));
        assertThat(decided.status()).as(decided.raw().body()).isEqualTo(200);
        JsonNode view = awaitStatus(withdrawalId, "PAID");
        String payoutReference = view.path("payoutReference").asText();
        assertThat(payoutReference).isNotBlank().isNotEqualTo(withdrawalId);
        return new Paid(UUID.fromString(withdrawalId), payoutReference);
    }

    JsonNode awaitStatus(String withdrawalId, String status) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = api.get("/api/withdrawals/" + withdrawalId, admin).json();
            return status.equals(last[0].path("status").asText());
        });
        return last[0];
    }

    Response post(String body, String contentType) {
        return api.post("/api/finance/reconciliations", admin, body, Map.of("Content-Type", contentType));
    }

    static String camt(String endToEndId) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id>
                <Ntry><Amt Ccy="USD">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
                <BookgDt><DtTm>%s</DtTm></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>%s</EndToEndId>
                </Refs></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".formatted(BOOKED, endToEndId);
    }

    static String multipart(String boundary, String... parts) {
        StringBuilder body = new StringBuilder("preamble a browser never sends\r\n");
        for (String part : parts) {
            body.append("--").append(boundary).append("\r\n").append(part).append("\r\n");
        }
        return body.append("--").append(boundary).append("--\r\n").toString();
    }

    static String filePart(String contentType, String content) {
        return "Content-Disposition: form-data; name=\"file\"; filename=\"statement.csv\"\r\n"
                + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n") + "\r\n" + content;
    }

    long runs() {
        return jdbc.sql("SELECT count(*) FROM domainevententry WHERE payloadtype LIKE '%ReconciliationCompleted'")
                   .query(Long.class).single();
    }

    static void assertMatchedCleanly(Response run, UUID withdrawalId) {
        assertThat(run.status()).as(run.raw().body()).isEqualTo(201);
        assertThat(run.json().path("matched").asInt()).isEqualTo(1);
        assertThat(run.json().path("matchedWithdrawals").toString()).contains(withdrawalId.toString());
        assertThat(run.json().path("unmatchedStatementLines").asInt()).isZero();
        assertThat(run.json().path("mismatches")).isEmpty();
    }

    static void assertProblem(Response response, int status, String slug) {
        assertThat(response.status()).as(response.raw().body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.text("type")).isEqualTo("/problems/" + slug);
    }

    @Test
    void aLineMatchesByTheProvidersPayoutReferenceWithAmountsInMajorUnitsAndTheProvidersStatusWords() {
        assertMatchedCleanly(post(HEADER + paid.payoutReference() + ",30.00,USD,SETTLED," + BOOKED + "\r\n",
                "text/csv"), paid.withdrawalId());
        await().atMost(Duration.ofSeconds(5)).until(() ->
                api.get("/api/withdrawals/" + paid.withdrawalId(), admin).json().path("reconciled").asBoolean());

        // 3.00 is not 30.00: amounts are major units, never minor ones
        Response tenfold = post(HEADER + paid.payoutReference() + ",3.00,USD,COMPLETED," + BOOKED + "\r\n", "text/csv");
        assertThat(tenfold.status()).isEqualTo(201);
        assertThat(tenfold.json().path("mismatches").get(0).path("field").asText()).isEqualTo("amount");
        assertThat(tenfold.json().path("mismatches").get(0).path("statement").asText()).isEqualTo("300");

        // a paid payout the provider says it reversed
        Response reversed = post(HEADER + paid.payoutReference() + ",30.00,USD,reversed," + BOOKED + "\r\n", "text/csv");
        assertThat(reversed.json().path("mismatches").get(0).path("field").asText()).isEqualTo("status");
        assertThat(reversed.json().path("mismatches").get(0).path("statement").asText()).isEqualTo("FAILED");
    }

    @Test
    void aLineMatchesByTheWithdrawalIdWithOrWithoutItsHyphens() {
        String id = paid.withdrawalId().toString();
        String compact = id.replace("-", "");
        assertThat(compact).hasSize(32); // fits camt.053's EndToEndId of at most 35 characters

        assertMatchedCleanly(post(camt(compact), "application/xml"), paid.withdrawalId());
        assertMatchedCleanly(post(HEADER + id.toUpperCase() + ",30.00,USD,BOOKED," + BOOKED + "\r\n", "text/csv"),
                paid.withdrawalId());
        assertMatchedCleanly(post(HEADER + compact + ",30.00,USD,PAID," + BOOKED + "\r\n", "text/csv"),
                paid.withdrawalId());

        // hyphens in some places only are no withdrawal id
        String mangled = compact.substring(0, 8) + "-" + compact.substring(8);
        Response unmatched = post(HEADER + mangled + ",30.00,USD,PAID," + BOOKED + "\r\n", "text/csv");
        assertThat(unmatched.json().path("matched").asInt()).isZero();
        assertThat(unmatched.json().path("unmatchedStatementReferences").toString()).contains(mangled);

        // one withdrawal under both of its names: matched once, the second line reported
        Response twice = post(HEADER + paid.payoutReference() + ",30.00,USD,PAID," + BOOKED + "\r\n"
                + compact + ",30.00,USD,PAID," + BOOKED + "\r\n", "text/csv");
        assertThat(twice.json().path("matched").asInt()).isEqualTo(1);
        assertThat(twice.json().path("mismatches").get(0).path("field").asText()).isEqualTo("reference");
        assertThat(twice.json().path("mismatches").get(0).path("payoutReference").asText()).isEqualTo(compact);
    }

    @Test
    void theSameStatementAsTheBodyOrAsTheFilePartOfAnUploadIsTheSameReconciliation() {
        String csv = HEADER + paid.payoutReference() + ",30.00,USD,PAID," + BOOKED + "\r\n"
                + "not-one-of-ours,5.00,USD,FAILED," + BOOKED + "\r\n";
        ObjectNode asBody = (ObjectNode) post(csv, "text/csv").json();

        String boundary = "----WebKitFormBoundaryR3c0nc1l3";
        Response asFile = post(multipart(boundary,
                        "Content-Disposition: form-data; name=\"note\"\r\n\r\nMarch payouts",
                        filePart("text/csv", csv)),
                "multipart/form-data; boundary=" + boundary);
        assertThat(asFile.status()).as(asFile.raw().body()).isEqualTo(201);
        ObjectNode uploaded = (ObjectNode) asFile.json();
        assertThat(uploaded.path("reconciliationId").asText()).isNotEqualTo(asBody.path("reconciliationId").asText());
        asBody.remove("reconciliationId");
        uploaded.remove("reconciliationId");
        assertThat(uploaded).isEqualTo(asBody);
        assertThat(uploaded.path("matched").asInt()).isEqualTo(1);
        assertThat(uploaded.path("unmatchedStatementLines").asInt()).isEqualTo(1);

        // a part without a Content-Type (or a generic one) is read by its content, as a body would be: camt.053 here
        Response xmlFile = post(multipart("b", filePart(null, camt(paid.withdrawalId().toString()))),
                "multipart/form-data; boundary=\"b\"");
        assertMatchedCleanly(xmlFile, paid.withdrawalId());
        assertThat(xmlFile.text("format")).isEqualTo("CAMT053");
    }

    @Test
    void anUploadWithoutAFilePartOrAMalformedOneIsRefusedAndStoresNothing() {
        long before = runs();
        String csv = HEADER + paid.payoutReference() + ",30.00,USD,PAID," + BOOKED + "\r\n";

        Response noFile = post(multipart("b", "Content-Disposition: form-data; name=\"statement\"\r\n\r\n" + csv),
                "multipart/form-data; boundary=b");
        assertProblem(noFile, 400, "validation-failed");
        assertThat(noFile.text("detail")).contains("file");

        Response truncated = post("--b\r\n" + filePart("text/csv", csv), "multipart/form-data; boundary=b");
        assertProblem(truncated, 400, "validation-failed");
        Response noBoundary = post(multipart("b", filePart("text/csv", csv)), "multipart/form-data");
        assertProblem(noBoundary, 400, "validation-failed");
        Response badLineInFile = post(multipart("b", filePart("text/csv", csv + "x,1.00,USD,PENDING," + BOOKED)),
                "multipart/form-data; boundary=b");
        assertProblem(badLineInFile, 400, "validation-failed");
        assertThat(badLineInFile.text("detail")).contains("line 3");

        assertThat(runs()).as("no run is recorded").isEqualTo(before);
    }

    @Test
    void aStatusWordOutsideTheListRefusesTheStatementNamingItsLine() {
        long before = runs();
        Response refused = post(HEADER + paid.payoutReference() + ",30.00,USD,PAID," + BOOKED + "\r\n"
                + "other,1.00,USD,PENDING," + BOOKED + "\r\n", "text/csv");

        assertProblem(refused, 400, "validation-failed");
        assertThat(refused.text("detail")).contains("line 3").contains("PENDING");
        assertThat(runs()).isEqualTo(before);

        Response tooPrecise = post(HEADER + paid.payoutReference() + ",30.001,USD,PAID," + BOOKED + "\r\n", "text/csv");
        assertProblem(tooPrecise, 400, "validation-failed");
        assertThat(tooPrecise.text("detail")).contains("line 2");
        assertThat(runs()).isEqualTo(before);
    }

    @Test
    void theOpenApiDocumentDescribesTheBodyAndTheUploadForm() {
        JsonNode document = api.get("/v3/api-docs", null).json();
        JsonNode content = document.path("paths").path("/api/finance/reconciliations").path("post")
                                   .path("requestBody").path("content");
        assertThat(content.has("text/csv")).isTrue();
        assertThat(content.has("application/xml")).isTrue();
        String form = content.path("multipart/form-data").path("schema").path("$ref").asText();
        assertThat(form).endsWith("/StatementUpload");
        JsonNode upload = document.path("components").path("schemas").path("StatementUpload");
        assertThat(upload.path("properties").path("file").path("format").asText()).isEqualTo("binary");
        assertThat(upload.path("required").toString()).contains("file");
    }

    @Test
    void theMigrationFindsTheReferenceOfAPayoutSubmittedBeforeTheLedgerKeptIt() throws Exception {
        String migration;
        try (var in = getClass().getResourceAsStream("/db/migration/V20__payout_reference_lookup.sql")) {
            migration = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        String backfill = java.util.Arrays.stream(migration.split(";"))
                                          .map(statement -> statement.replaceAll("(?m)^--.*$", "").strip())
                                          .filter(statement -> statement.startsWith("UPDATE"))
                                          .findFirst().orElseThrow();
        jdbc.sql("UPDATE payout_record SET payout_reference = NULL WHERE withdrawal_id = ?").param(paid.withdrawalId())
            .update();

        jdbc.sql(backfill).update();

        assertThat(jdbc.sql("SELECT payout_reference FROM payout_record WHERE withdrawal_id = ?")
                       .param(paid.withdrawalId()).query(String.class).single()).isEqualTo(paid.payoutReference());
    }
}
