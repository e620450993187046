package shop.ledger.command.finance.statement;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.StatementLine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static shop.ledger.command.finance.statement.StatementParserCsvTest.resource;

/**
 * ISO 20022 camt.053 statements: realistic 001.02 and 001.08 samples, the XML attacks a statement upload invites
 * (XXE, entity expansion, external DTDs, XInclude), and malformed entries refused by their ordinal.
 */
class StatementParserCamt053Test {

    final StatementParser parser = new StatementParser();
    HttpServer server;
    final AtomicInteger fetched = new AtomicInteger();

    @BeforeEach
    void startAServerNoParserShouldReach() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            fetched.incrementAndGet();
            byte[] dtd = "<!ENTITY % all \"<!ENTITY leak 'leaked'>\"> %all;".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, dtd.length);
            exchange.getResponseBody().write(dtd);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/evil.dtd";
    }

    ParsedStatement xml(String text) {
        return parser.parse(text.getBytes(StandardCharsets.UTF_8), "application/xml");
    }

    @Test
    void version001_02WithASinglePayoutAndABatchOfTwo() {
        ParsedStatement statement = parser.parse(resource("camt053-001-02.xml"), "application/xml");

        assertThat(statement.format()).isEqualTo("CAMT053");
        assertThat(statement.lines()).containsExactly(
                new StatementLine(1, "po_7f3c2a91", Money.of(12550, "USD"), "PAID", Instant.parse("2025-03-14T09:12:45Z")),
                new StatementLine(2, "po_1b9e4d07", Money.of(15000, "USD"), "PAID", Instant.parse("2025-03-14T00:00:00Z")),
                new StatementLine(2, "po_c4d2e810", Money.of(5000, "USD"), "PAID", Instant.parse("2025-03-14T00:00:00Z")));
    }

    @Test
    void version001_08WithStatusCodesAndAReversal() {
        ParsedStatement statement = parser.parse(resource("camt053-001-08.xml"), "text/xml");

        assertThat(statement.lines()).containsExactly(
                new StatementLine(1, "po_a0e1c2d3", Money.of(4999, "EUR"), "PAID", Instant.parse("2025-03-14T14:04:05.120Z")),
                new StatementLine(2, "po_f00dbabe", Money.of(2000, "EUR"), "FAILED", Instant.parse("2025-03-14T00:00:00Z")));
    }

    @Test
    void namespacePrefixesAndLaterVersionsReadTheSame() {
        String text = """
                <?xml version="1.0"?>
                <c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13">
                 <c:BkToCstmrStmt><c:GrpHdr><c:MsgId>m</c:MsgId></c:GrpHdr>
                  <c:Stmt><c:Id>s1</c:Id>
                   <c:Ntry><c:Amt Ccy="GBP">7</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
                    <c:BookgDt><c:DtTm>2025-03-14T10:00:00</c:DtTm></c:BookgDt>
                    <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId> po_1 </c:EndToEndId></c:Refs></c:TxDtls></c:NtryDtls>
                   </c:Ntry>
                  </c:Stmt>
                  <c:Stmt><c:Id>s2</c:Id>
                   <c:Ntry><c:Amt Ccy="GBP">8.10</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
                    <c:BookgDt><c:Dt>2025-03-15</c:Dt></c:BookgDt>
                    <c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>po_2</c:EndToEndId></c:Refs></c:TxDtls></c:NtryDtls>
                   </c:Ntry>
                  </c:Stmt>
                 </c:BkToCstmrStmt>
                </c:Document>
                """;
        assertThat(xml(text).lines()).containsExactly(
                new StatementLine(1, "po_1", Money.of(700, "GBP"), "PAID", Instant.parse("2025-03-14T10:00:00Z")),
                new StatementLine(2, "po_2", Money.of(810, "GBP"), "PAID", Instant.parse("2025-03-15T00:00:00Z")));
    }

    @Test
    void aStatementWithoutEntriesHasNoLines() {
        assertThat(xml("""
                <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
                <Stmt><Id>empty</Id></Stmt></BkToCstmrStmt></Document>""").lines()).isEmpty();
    }

    // ---- attacks ---------------------------------------------------------------------------------------------

    @Test
    void anExternalEntityIsNeverResolved() {
        assertThatThrownBy(() -> parser.parse(resource("xxe.xml"), "application/xml"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isZero();
                    assertThat(rejected.reason()).contains("DOCTYPE").doesNotContain("root:");
                });
    }

    @Test
    void entityExpansionIsRefusedAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                assertThatThrownBy(() -> parser.parse(resource("billion-laughs.xml"), "text/xml"))
                        .isInstanceOfSatisfying(StatementRejected.class,
                                rejected -> assertThat(rejected.reason()).contains("DOCTYPE")));
    }

    @Test
    void noExternalDtdOrParameterEntityIsFetched() {
        String external = "<?xml version=\"1.0\"?>\n<!DOCTYPE Document SYSTEM \"" + url() + "\">\n"
                + "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>";
        String parameter = "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY % remote SYSTEM \"" + url()
                + "\"> %remote;]>\n<Document><BkToCstmrStmt/></Document>";
        for (String attack : new String[]{external, parameter}) {
            assertThatThrownBy(() -> xml(attack))
                    .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                        assertThat(rejected.lineNumber()).isZero();
                        assertThat(rejected.reason()).contains("DOCTYPE");
                    });
        }
        assertThat(fetched).hasValue(0);
    }

    @Test
    void withoutAnEndToEndIdTheServicersReferenceIsTheLinesReference() {
        String head = "<Amt Ccy=\"USD\">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
                + "<BookgDt><Dt>2025-03-14</Dt></BookgDt>";
        ParsedStatement statement = xml(document(
                "<Ntry>" + head + "<NtryDtls><TxDtls><Refs><AcctSvcrRef>svc-1</AcctSvcrRef><EndToEndId>NOTPROVIDED"
                        + "</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>"
                        + "<Ntry>" + head + "<AcctSvcrRef>svc-2</AcctSvcrRef><NtryDtls><TxDtls><Refs/></TxDtls>"
                        + "</NtryDtls></Ntry>"
                        + "<Ntry>" + head + "<AcctSvcrRef>svc-3</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>e2e-3"
                        + "</EndToEndId><AcctSvcrRef>svc-3b</AcctSvcrRef></Refs></TxDtls></NtryDtls></Ntry>"));

        assertThat(statement.lines()).extracting(StatementLine::payoutReference).containsExactly("svc-1", "svc-2", "e2e-3");
        assertThat(statement.lines()).extracting(line -> line.amount().amount()).containsOnly(3000L);
    }

    @Test
    void xincludeIsNotProcessed() {
        assertThatThrownBy(() -> parser.parse(resource("xinclude.xml"), "application/xml"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isEqualTo(1);
                    assertThat(rejected.reason()).contains("end-to-end reference");
                });
    }

    @Test
    void theParserIsConfiguredSafely() throws Exception {
        var reader = Camt053StatementParser.newParser().getXMLReader();
        assertThat(reader.getFeature("http://apache.org/xml/features/disallow-doctype-decl")).isTrue();
        assertThat(reader.getFeature("http://xml.org/sax/features/external-general-entities")).isFalse();
        assertThat(reader.getFeature("http://xml.org/sax/features/external-parameter-entities")).isFalse();
        assertThat(reader.getFeature(javax.xml.XMLConstants.FEATURE_SECURE_PROCESSING)).isTrue();
        assertThat(Camt053StatementParser.newParser().isXIncludeAware()).isFalse();
        assertThat(Camt053StatementParser.newParser().getProperty(javax.xml.XMLConstants.ACCESS_EXTERNAL_DTD)).isEqualTo("");
        assertThat(Camt053StatementParser.newParser().getProperty(javax.xml.XMLConstants.ACCESS_EXTERNAL_SCHEMA)).isEqualTo("");
    }

    // ---- malformed ------------------------------------------------------------------------------------------

    static final String OK_ENTRY = entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
            + "<BookgDt><Dt>2025-03-14</Dt></BookgDt>", "ok-%d");

    static String entry(String head, String reference) {
        return "<Ntry>" + head + "<NtryDtls><TxDtls><Refs><EndToEndId>" + reference
                + "</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>";
    }

    /** A statement with two good entries, then {@code bad} as the third. */
    static String third(String bad) {
        return document(OK_ENTRY.formatted(1) + OK_ENTRY.formatted(2) + bad);
    }

    static String document(String entries) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
                + "<BkToCstmrStmt><GrpHdr><MsgId>m</MsgId></GrpHdr><Stmt><Id>s</Id>" + entries
                + "</Stmt></BkToCstmrStmt></Document>";
    }

    static Stream<Arguments> malformed() {
        String booked = "<BookgDt><Dt>2025-03-14</Dt></BookgDt>";
        return Stream.of(
                bad("not XML at all", "<<<", 0, "not well-formed"),
                bad("another root", "<BkToCstmrStmt/>", 0, "root element"),
                bad("another message", "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">"
                        + "<BkToCstmrNtfctn/></Document>", 0, "namespace"),
                bad("no statement", "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"/>", 0,
                        "BkToCstmrStmt"),
                bad("truncated inside an entry", third("<Ntry><Amt Ccy=\"USD\">1.00</Amt>").replace("</Stmt></BkToCstmrStmt></Document>", ""),
                        3, "not well-formed"),
                bad("no amount", third(entry("<CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>" + booked, "r")), 3, "Amt"),
                bad("no currency", third(entry("<Amt>1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>" + booked, "r")),
                        3, "Ccy"),
                bad("unknown currency", third(entry("<Amt Ccy=\"ABC\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
                        + booked, "r")), 3, "known"),
                bad("too many decimals", third(entry("<Amt Ccy=\"USD\">1.005</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked, "r")), 3, "decimal digits"),
                bad("negative amount", third(entry("<Amt Ccy=\"USD\">-1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked, "r")), 3, "negative"),
                bad("pending entry", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts><Cd>PDNG</Cd></Sts>" + booked, "r")), 3, "BOOK"),
                bad("no status", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>" + booked, "r")),
                        3, "Sts"),
                bad("a credit that is no reversal", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked, "r")), 3, "not a payout"),
                bad("no direction", third(entry("<Amt Ccy=\"USD\">1.00</Amt><Sts>BOOK</Sts>" + booked, "r")), 3,
                        "neither debit nor credit"),
                bad("reversal indicator not a boolean", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<RvslInd>yes</RvslInd><Sts>BOOK</Sts>" + booked, "r")), 3, "boolean"),
                bad("no booking date", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts><ValDt><Dt>2025-03-14</Dt></ValDt>", "r")), 3, "booking date"),
                bad("bad booking date", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts><BookgDt><Dt>14.03.2025</Dt></BookgDt>", "r")), 3, "ISO-8601"),
                bad("no end-to-end reference", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked, "")), 3, "end-to-end"),
                bad("reference not provided", third(entry("<Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked, "NOTPROVIDED")), 3, "end-to-end"),
                bad("no transaction details", third("<Ntry><Amt Ccy=\"USD\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked + "</Ntry>"), 3, "TxDtls"),
                bad("batch without transaction amounts", third("<Ntry><Amt Ccy=\"USD\">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked + "<NtryDtls><TxDtls><Refs><EndToEndId>a</EndToEndId></Refs></TxDtls>"
                        + "<TxDtls><Refs><EndToEndId>b</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>"), 3, "batch"),
                bad("duplicate reference across entries", third(OK_ENTRY.formatted(1)), 3, "already in entry 1"),
                bad("duplicate reference in one entry", third("<Ntry><Amt Ccy=\"USD\">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                        + "<Sts>BOOK</Sts>" + booked + "<NtryDtls><TxDtls><Refs><EndToEndId>a</EndToEndId></Refs>"
                        + "<Amt Ccy=\"USD\">1.00</Amt></TxDtls><TxDtls><Refs><EndToEndId>a</EndToEndId></Refs>"
                        + "<Amt Ccy=\"USD\">1.00</Amt></TxDtls></NtryDtls></Ntry>"), 3, "twice in this entry"));
    }

    static Arguments bad(String name, String text, int entry, String reason) {
        return arguments(named(name, text), entry, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void anythingMalformedRejectsTheWholeStatementNamingTheEntry(String text, int entry, String reason) {
        assertThatThrownBy(() -> xml(text))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isEqualTo(entry);
                    assertThat(rejected.reason()).contains(reason);
                });
    }

    @Test
    void atMostTheLineLimitIsAccepted() {
        StatementParser small = new StatementParser(3);
        String three = document(OK_ENTRY.formatted(1) + OK_ENTRY.formatted(2) + OK_ENTRY.formatted(3));
        assertThat(small.parse(three.getBytes(StandardCharsets.UTF_8), "application/xml").lines()).hasSize(3);
        String four = document(OK_ENTRY.formatted(1) + OK_ENTRY.formatted(2) + OK_ENTRY.formatted(3)
                + OK_ENTRY.formatted(4));
        assertThatThrownBy(() -> small.parse(four.getBytes(StandardCharsets.UTF_8), "application/xml"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isEqualTo(4);
                    assertThat(rejected.reason()).contains("at most 3");
                });
    }

    @Test
    void anEncodingFromTheDeclarationIsHonoured() {
        byte[] latin1 = document(OK_ENTRY.formatted(1).replace("ok-1", "réf-1"))
                .replace("UTF-8", "ISO-8859-1").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(parser.parse(latin1, "application/xml").lines().get(0).payoutReference()).isEqualTo("réf-1");
    }
}
