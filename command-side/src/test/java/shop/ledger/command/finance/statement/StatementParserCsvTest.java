package shop.ledger.command.finance.statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.StatementLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The provider's CSV statement: a realistic file, the tolerated variations, and every malformed line refused by number. */
class StatementParserCsvTest {

    static final String HEADER = "payout_reference,amount,currency,status,booked_at\n";

    final StatementParser parser = new StatementParser();

    static byte[] resource(String name) {
        try (InputStream in = StatementParserCsvTest.class.getResourceAsStream("/statements/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ParsedStatement csv(String text) {
        return parser.parse(text.getBytes(StandardCharsets.UTF_8), "text/csv");
    }

    @Test
    void aRealisticStatementWithBomCrlfQuotesSpacesAndTrailingEmptyLines() {
        ParsedStatement statement = parser.parse(resource("payouts-2025-03-14.csv"), "text/csv; charset=UTF-8");

        assertThat(statement.format()).isEqualTo("CSV");
        assertThat(statement.lines()).containsExactly(
                new StatementLine(2, "po_7f3c2a91", Money.of(12550, "USD"), "PAID", Instant.parse("2025-03-14T09:12:45Z")),
                new StatementLine(3, "po_1b9e4d07", Money.of(1250, "USD"), "PAID", Instant.parse("2025-03-14T10:01:02.345Z")),
                new StatementLine(4, "po_c4d2e810", Money.of(30000, "USD"), "FAILED", Instant.parse("2025-03-14T00:00:00Z")),
                new StatementLine(5, "po_\"quoted\",1", Money.of(99, "EUR"), "PAID", Instant.parse("2025-03-14T22:59:59Z")),
                new StatementLine(6, "po_0000000001", Money.of(1_000_000, "JPY"), "PAID", Instant.parse("2025-03-14T12:00:00Z")));
    }

    @Test
    void aHeaderAloneIsAnEmptyStatement() {
        assertThat(csv(HEADER).lines()).isEmpty();
        assertThat(csv(HEADER.strip()).lines()).isEmpty();
    }

    @Test
    void quotedHeaderNamesAndLoneCarriageReturnsAreRead() {
        ParsedStatement statement = csv("\"payout_reference\",\"amount\",currency,status, booked_at \r"
                + "a,1,USD,PAID,2025-01-01\r" + "b,2.00,USD,FAILED,2025-01-02T00:00:00Z");
        assertThat(statement.lines()).extracting(StatementLine::lineNumber, StatementLine::payoutReference)
                                     .containsExactly(org.assertj.core.groups.Tuple.tuple(2, "a"),
                                             org.assertj.core.groups.Tuple.tuple(3, "b"));
        assertThat(statement.lines().get(1).amount()).isEqualTo(Money.of(200, "USD"));
    }

    @ParameterizedTest
    @CsvSource({"PAID,PAID", "booked,PAID", "Settled,PAID", "COMPLETED,PAID", "FAILED,FAILED", "returned,FAILED",
            "REVERSED,FAILED"})
    void providersStatusWordsReadAsPaidOrFailed(String word, String status) {
        assertThat(csv(HEADER + "r,30.00,USD," + word + ",2025-01-01\n").lines().get(0))
                .isEqualTo(new StatementLine(2, "r", Money.of(3000, "USD"), status, Instant.parse("2025-01-01T00:00:00Z")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"12.5", "12.50", "12.500", "012.50", " 12.50 "})
    void amountsAreMajorUnitsWithTheCurrencysMinorDigits(String amount) {
        assertThat(csv(HEADER + "r," + amount + ",USD,PAID,2025-01-01\n").lines().get(0).amount())
                .isEqualTo(Money.of(1250, "USD"));
    }

    @Test
    void currenciesWithoutOrWithThreeMinorDigits() {
        assertThat(csv(HEADER + "r,1500,JPY,PAID,2025-01-01\n").lines().get(0).amount()).isEqualTo(Money.of(1500, "JPY"));
        assertThat(csv(HEADER + "r,1.234,BHD,PAID,2025-01-01\n").lines().get(0).amount()).isEqualTo(Money.of(1234, "BHD"));
        assertThat(csv(HEADER + "r,1000000000.00,USD,PAID,2025-01-01\n").lines().get(0).amount())
                .isEqualTo(Money.of(Money.MAX_AMOUNT, "USD"));
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> malformed() {
        String ok = "ok-1,1.00,USD,PAID,2025-01-01\n";
        return Stream.of(
                bad("empty body", "", 0, "empty"),
                bad("only empty lines", "\n\r\n  \n", 1, "empty"),
                bad("wrong header", "reference,amount,currency,status,booked_at\n" + ok, 1, "header"),
                bad("header in another order", "amount,payout_reference,currency,status,booked_at\n", 1, "header"),
                bad("header with an extra column", "payout_reference,amount,currency,status,booked_at,note\n", 1, "header"),
                bad("no header", ok, 1, "header"),
                bad("too few fields", HEADER + ok + "r,1.00,USD,PAID\n", 3, "5 fields"),
                bad("too many fields", HEADER + "r,1.00,USD,PAID,2025-01-01,x\n", 2, "found 6"),
                bad("trailing comma", HEADER + ok + ok.replace("ok-1", "ok-2") + "r,1.00,USD,PAID,2025-01-01,\n", 4, "found 6"),
                bad("unterminated quote", HEADER + "\"r,1.00,USD,PAID,2025-01-01\n", 2, "quote"),
                bad("text after a closing quote", HEADER + "\"r\"x,1.00,USD,PAID,2025-01-01\n", 2, "closing quote"),
                bad("stray quote", HEADER + "r\"x,1.00,USD,PAID,2025-01-01\n", 2, "quote"),
                bad("missing reference", HEADER + ok + " ,1.00,USD,PAID,2025-01-01\n", 3, "reference"),
                bad("control character in reference", HEADER + "r\u0007,1.00,USD,PAID,2025-01-01\n", 2, "control"),
                bad("overlong reference", HEADER + "r".repeat(256) + ",1.00,USD,PAID,2025-01-01\n", 2, "longer"),
                bad("too many decimals", HEADER + ok + "r,12.505,USD,PAID,2025-01-01\n", 3, "decimal digits"),
                bad("decimals for a currency without minor unit", HEADER + "r,12.5,JPY,PAID,2025-01-01\n", 2, "decimal digits"),
                bad("negative amount", HEADER + "r,-12.50,USD,PAID,2025-01-01\n", 2, "negative"),
                bad("zero amount", HEADER + "r,0.00,USD,PAID,2025-01-01\n", 2, "zero"),
                bad("overflowing amount", HEADER + "r,92233720368547758.08,USD,PAID,2025-01-01\n", 2, "too large"),
                bad("twenty digits", HEADER + "r,99999999999999999999,USD,PAID,2025-01-01\n", 2, "too large"),
                bad("above the largest movement", HEADER + "r,1000000000.01,USD,PAID,2025-01-01\n", 2, "larger than"),
                bad("thousands separator", HEADER + "r,\"1,250.00\",USD,PAID,2025-01-01\n", 2, "not a decimal"),
                bad("exponent", HEADER + "r,1e3,USD,PAID,2025-01-01\n", 2, "not a decimal"),
                bad("plus sign", HEADER + "r,+1.00,USD,PAID,2025-01-01\n", 2, "not a decimal"),
                bad("decimal comma", HEADER + "r,\"12,50\",USD,PAID,2025-01-01\n", 2, "not a decimal"),
                bad("no digits after the point", HEADER + "r,12.,USD,PAID,2025-01-01\n", 2, "not a decimal"),
                bad("missing amount", HEADER + "r,,USD,PAID,2025-01-01\n", 2, "missing"),
                bad("lower-case currency", HEADER + "r,1.00,usd,PAID,2025-01-01\n", 2, "ISO-4217"),
                bad("unknown currency", HEADER + "r,1.00,XYZ,PAID,2025-01-01\n", 2, "known"),
                bad("currency without minor unit", HEADER + "r,1.00,XAU,PAID,2025-01-01\n", 2, "minor unit"),
                bad("unknown status", HEADER + ok + "r,1.00,USD,PENDING,2025-01-01\n", 3, "none of PAID, BOOKED"),
                bad("empty status", HEADER + "r,1.00,USD,,2025-01-01\n", 2, "none of PAID, BOOKED"),
                bad("local date-time", HEADER + "r,1.00,USD,PAID,2025-01-01T10:00:00\n", 2, "ISO-8601"),
                bad("not a date", HEADER + "r,1.00,USD,PAID,14/03/2025\n", 2, "ISO-8601"),
                bad("impossible date", HEADER + "r,1.00,USD,PAID,2025-02-30\n", 2, "ISO-8601"),
                bad("missing booking time", HEADER + "r,1.00,USD,PAID,\n", 2, "missing"),
                bad("duplicate reference", HEADER + ok + "b,2.00,USD,PAID,2025-01-01\n" + ok, 4, "already on line 2"),
                bad("duplicate reference after trimming", HEADER + ok + "\" ok-1 \",2.00,USD,FAILED,2025-01-01\n", 3,
                        "already on line 2"),
                bad("empty line in the middle", HEADER + ok + "\n" + "b,2.00,USD,PAID,2025-01-01\n", 3, "empty line"),
                bad("invalid UTF-8", HEADER + ok + "r\u0000", 3, "UTF-8"));
    }

    static org.junit.jupiter.params.provider.Arguments bad(String name, String text, int line, String reason) {
        return arguments(named(name, text), line, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void anythingMalformedRejectsTheWholeStatementNamingTheLine(String text, int line, String reason) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        if (text.endsWith("r\u0000")) {
            body[body.length - 1] = (byte) 0xC3; // a truncated two-byte sequence
        }
        assertThatThrownBy(() -> parser.parse(body, "text/csv"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isEqualTo(line);
                    assertThat(rejected.reason()).containsIgnoringCase(reason);
                });
    }

    @Test
    void theErrorQuotesOnlyAShortExcerpt() {
        String amount = "9".repeat(5_000);
        assertThatThrownBy(() -> csv(HEADER + "r," + amount + ",USD,PAID,2025-01-01\n"))
                .isInstanceOfSatisfying(StatementRejected.class,
                        rejected -> assertThat(rejected.reason()).hasSizeLessThan(200));
    }

    @Test
    void atMostTheLineLimitIsAccepted() {
        StatementParser small = new StatementParser(3);
        StringBuilder text = new StringBuilder(HEADER);
        for (int i = 1; i <= 3; i++) {
            text.append("r").append(i).append(",1.00,USD,PAID,2025-01-01\n");
        }
        assertThat(small.parse(text.toString().getBytes(StandardCharsets.UTF_8), "text/csv").lines()).hasSize(3);
        text.append("r4,1.00,USD,PAID,2025-01-01\n\n");
        assertThatThrownBy(() -> small.parse(text.toString().getBytes(StandardCharsets.UTF_8), "text/csv"))
                .isInstanceOfSatisfying(StatementRejected.class, rejected -> {
                    assertThat(rejected.lineNumber()).isEqualTo(5);
                    assertThat(rejected.reason()).contains("at most 3 lines");
                });
    }

    @Test
    void theDefaultLimitIsOneHundredThousandLines() {
        StringBuilder text = new StringBuilder(HEADER);
        for (int i = 1; i <= StatementParser.MAX_LINES; i++) {
            text.append("po_").append(i).append(",1.00,USD,PAID,2025-01-01T00:00:00Z\n");
        }
        assertThat(csv(text.toString()).lines()).hasSize(100_000);
        text.append("po_x,1.00,USD,PAID,2025-01-01T00:00:00Z\n");
        assertThatThrownBy(() -> csv(text.toString()))
                .isInstanceOfSatisfying(StatementRejected.class,
                        rejected -> assertThat(rejected.lineNumber()).isEqualTo(100_002));
    }

    @Test
    void theLinesAreImmutable() {
        List<StatementLine> lines = csv(HEADER + "r,1.00,USD,PAID,2025-01-01\n").lines();
        assertThatThrownBy(() -> lines.add(lines.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }
}
