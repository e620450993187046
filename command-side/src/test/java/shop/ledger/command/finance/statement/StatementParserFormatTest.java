package shop.ledger.command.finance.statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static shop.ledger.command.finance.statement.StatementParserCsvTest.resource;

/** Which reader a statement gets: by its content type, and by its content when the type says nothing. */
class StatementParserFormatTest {

    final StatementParser parser = new StatementParser();

    @ParameterizedTest
    @ValueSource(strings = {"text/csv", "TEXT/CSV; charset=utf-8", "application/csv", "text/plain",
            "application/octet-stream", "application/vnd.ms-excel", "", "*/*"})
    void csvByTypeOrBySniffing(String contentType) {
        assertThat(parser.parse(resource("payouts-2025-03-14.csv"), contentType).format()).isEqualTo("CSV");
    }

    @Test
    void csvWithoutContentType() {
        assertThat(parser.parse(resource("payouts-2025-03-14.csv"), null).lines()).hasSize(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/xml", "text/xml; charset=UTF-8", "application/iso20022+xml", "text/plain",
            "application/octet-stream", ""})
    void camtByTypeOrBySniffing(String contentType) {
        ParsedStatement statement = parser.parse(resource("camt053-001-02.xml"), contentType);
        assertThat(statement.format()).isEqualTo("CAMT053");
        assertThat(statement.lines()).hasSize(3);
    }

    @ParameterizedTest
    @NullSource
    void camtWithoutContentType(String contentType) {
        assertThat(parser.parse(resource("camt053-001-08.xml"), contentType).format()).isEqualTo("CAMT053");
    }

    @Test
    void jsonIsNotAStatementFormat() {
        byte[] json = "[{\"payout_reference\":\"r\"}]".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> parser.parse(json, "application/json"))
                .isInstanceOfSatisfying(UnsupportedStatementType.class, rejected -> {
                    assertThat(rejected.lineNumber()).isZero();
                    assertThat(rejected.reason()).contains("application/json");
                });
        assertThatThrownBy(() -> parser.parse(json, "application/octet-stream"))
                .isInstanceOf(UnsupportedStatementType.class);
        assertThatThrownBy(() -> parser.parse(resource("payouts-2025-03-14.csv"), "application/pdf"))
                .isInstanceOf(UnsupportedStatementType.class);
        assertThatThrownBy(() -> parser.parse(resource("payouts-2025-03-14.csv"), "text/csv; charset=klingon"))
                .isInstanceOf(UnsupportedStatementType.class);
    }

    @Test
    void csvSentAsXmlIsRefusedAsXml() {
        assertThatThrownBy(() -> parser.parse(resource("payouts-2025-03-14.csv"), "application/xml"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isZero();
                    assertThat(rejected.reason()).contains("not well-formed");
                });
    }

    @Test
    void aDeclaredCharsetIsHonoured() {
        byte[] latin1 = "payout_reference,amount,currency,status,booked_at\nréf-1,1.00,EUR,PAID,2025-01-01\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(parser.parse(latin1, "text/csv; charset=ISO-8859-1").lines().get(0).payoutReference())
                .isEqualTo("réf-1");
        // the same bytes are not UTF-8
        assertThatThrownBy(() -> parser.parse(latin1, "text/csv"))
                .isInstanceOfSatisfying(StatementRejected.class,
                        rejected -> assertThat(rejected.lineNumber()).isEqualTo(2));
    }

    @Test
    void emptyAndOversizedBodiesAreRefusedWhole() {
        assertThatThrownBy(() -> parser.parse(new byte[0], "text/csv"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> assertThat(rejected.lineNumber()).isZero());
        assertThatThrownBy(() -> parser.parse(null, "text/csv")).isInstanceOf(StatementRejected.class);
        assertThatThrownBy(() -> parser.parse(new byte[StatementParser.MAX_BYTES + 1], "text/csv"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isZero();
                    assertThat(rejected.reason()).contains("larger");
                });
    }
}
