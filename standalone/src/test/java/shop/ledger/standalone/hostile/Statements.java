package shop.ledger.standalone.hostile;

import shop.ledger.standalone.hostile.CaseGenerator.Verdict;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Provider statements for the reconciliation endpoint: valid ones and spoiled CSV and camt.053 XML. */
final class Statements {

    record Variant(String label, String contentType, byte[] body, Verdict verdict) {
    }

    static final String HEADER = "payout_reference,amount,currency,status,booked_at";

    private Statements() {
    }

    private static String line(String reference, String amount, String currency, String status, String bookedAt) {
        return String.join(",", reference, amount, currency, status, bookedAt);
    }

    private static String validLine(Random random) {
        return line("fz-ref-" + UUID.randomUUID(), (1 + random.nextInt(999)) + "." + String.format("%02d", random.nextInt(100)),
                "USD", random.nextBoolean() ? "PAID" : "FAILED", "2025-03-14T10:00:00Z");
    }

    static String validCsv(Random random) {
        StringBuilder csv = new StringBuilder(HEADER).append("\r\n");
        int lines = 1 + random.nextInt(3);
        for (int i = 0; i < lines; i++) {
            csv.append(validLine(random)).append("\r\n");
        }
        return csv.toString();
    }

    static Variant csv(Random random) {
        String ok = validLine(random);
        String ref = "fz-ref-" + UUID.randomUUID();
        List<String[]> badLines = List.of(
                new String[]{"amount abc", line(ref, "abc", "USD", "PAID", "2025-03-14")},
                new String[]{"0.001 of a cent", line(ref, "1.001", "USD", "PAID", "2025-03-14")},
                new String[]{"negative amount", line(ref, "-1.00", "USD", "PAID", "2025-03-14")},
                new String[]{"amount 1e400", line(ref, "1e400", "USD", "PAID", "2025-03-14")},
                new String[]{"amount 9223372036854775808", line(ref, "9223372036854775808", "USD", "PAID", "2025-03-14")},
                new String[]{"amount beyond a long in cents", line(ref, "99999999999999999999.99", "USD", "PAID", "2025-03-14")},
                new String[]{"amount NaN", line(ref, "NaN", "USD", "PAID", "2025-03-14")},
                new String[]{"amount empty", line(ref, "", "USD", "PAID", "2025-03-14")},
                new String[]{"currency XXX", line(ref, "1.00", "XXX", "PAID", "2025-03-14")},
                new String[]{"currency usd", line(ref, "1.00", "usd", "PAID", "2025-03-14")},
                new String[]{"currency empty", line(ref, "1.00", "", "PAID", "2025-03-14")},
                new String[]{"status MAYBE", line(ref, "1.00", "USD", "MAYBE", "2025-03-14")},
                new String[]{"date yesterday", line(ref, "1.00", "USD", "PAID", "yesterday")},
                new String[]{"date 2025-02-30", line(ref, "1.00", "USD", "PAID", "2025-02-30")},
                new String[]{"date +999999999", line(ref, "1.00", "USD", "PAID", "+999999999-12-31T23:59:59Z")},
                new String[]{"reference empty", line("", "1.00", "USD", "PAID", "2025-03-14")},
                new String[]{"reference of 10000", line("r".repeat(10_000), "1.00", "USD", "PAID", "2025-03-14")},
                new String[]{"four fields", String.join(",", ref, "1.00", "USD", "PAID")},
                new String[]{"six fields", line(ref, "1.00", "USD", "PAID", "2025-03-14") + ",extra"},
                new String[]{"100000 fields", ref + ",1.00".repeat(100_000)},
                new String[]{"unbalanced quote", "\"" + line(ref, "1.00", "USD", "PAID", "2025-03-14")},
                new String[]{"quote inside", line("a\"b", "1.00", "USD", "PAID", "2025-03-14")},
                new String[]{"NUL", line(ref + "\u0000", "1.00", "USD", "PAID", "2025-03-14")},
                new String[]{"formula", line("=cmd|' /C calc'!A0", "1.00", "USD", "PAID", "2025-03-14")});
        switch (random.nextInt(12)) {
            case 0 -> {
                return new Variant("csv wrong header", "text/csv", bytes("payout_ref,amount\r\n" + ok + "\r\n"), Verdict.REFUSE);
            }
            case 1 -> {
                return new Variant("csv empty line inside", "text/csv", bytes(HEADER + "\r\n" + ok + "\r\n\r\n" + validLine(random) + "\r\n"),
                        Verdict.REFUSE);
            }
            case 2 -> {
                String same = validLine(random);
                return new Variant("csv duplicate reference", "text/csv", bytes(HEADER + "\n" + same + "\n" + same + "\n"), Verdict.REFUSE);
            }
            case 3 -> {
                return new Variant("csv invalid UTF-8", "text/csv", invalidUtf8(HEADER + "\n" + ok + "\n"), Verdict.REFUSE);
            }
            case 4 -> {
                return new Variant("csv header only", "text/csv", bytes(HEADER + "\n"), Verdict.MAY_ACCEPT);
            }
            case 5 -> {
                return new Variant("csv with BOM and CR endings", "text/csv", bytes("\uFEFF" + HEADER + "\r" + ok + "\r"), Verdict.MAY_ACCEPT);
            }
            case 6 -> {
                return new Variant("csv of 16 MiB + 1", "text/csv", sized(HEADER + "\n" + ok + "\n", CaseGenerator.MAX_STATEMENT + 1),
                        Verdict.REFUSE);
            }
            case 7 -> {
                return new Variant("csv empty body", "text/csv", new byte[0], Verdict.REFUSE);
            }
            case 8 -> {
                return new Variant("csv valid", "text/csv", bytes(validCsv(random)), Verdict.MAY_ACCEPT);
            }
            default -> {
                String[] bad = badLines.get(random.nextInt(badLines.size()));
                return new Variant("csv " + bad[0], "text/csv", bytes(HEADER + "\n" + ok + "\n" + bad[1] + "\n"), Verdict.REFUSE);
            }
        }
    }

    static String camt(String entries) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id>
                %s</Stmt></BkToCstmrStmt></Document>""".formatted(entries);
    }

    static String entry(String reference, String amount, String currency) {
        return """
                <Ntry><Amt Ccy="%s">%s</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
                <BookgDt><DtTm>2025-03-14T10:00:00Z</DtTm></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>%s</EndToEndId>
                </Refs></TxDtls></NtryDtls></Ntry>""".formatted(currency, amount, reference);
    }

    /** Documents that try to read a file, reach the network or expand without end: all refused. */
    static final List<String[]> XML_ATTACKS = List.of(
            new String[]{"XXE file", """
                    <?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
                    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id>
                    </Stmt></BkToCstmrStmt></Document>"""},
            new String[]{"XXE parameter entity", """
                    <?xml version="1.0"?><!DOCTYPE Document [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>
                    <Document/>"""},
            new String[]{"external DTD", """
                    <?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://127.0.0.1:1/camt.dtd"><Document/>"""},
            new String[]{"billion laughs", """
                    <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
                    <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
                    <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
                    <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
                    <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
                    <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
                    <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
                    <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
                    <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
                    <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
                    <Document><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>"""},
            new String[]{"quadratic blowup", "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"" + "a".repeat(50_000)
                    + "\">]><Document><BkToCstmrStmt><Stmt><Id>" + "&a;".repeat(5_000) + "</Id></Stmt></BkToCstmrStmt></Document>"},
            new String[]{"undeclared entity", camt("<Id>&undeclared;</Id>")},
            new String[]{"not well-formed", camt(entry("r", "1.00", "USD")).replace("</Document>", "")},
            new String[]{"not camt.053", "<?xml version=\"1.0\"?><Invoice><Total>1</Total></Invoice>"},
            new String[]{"unknown encoding", "<?xml version=\"1.0\" encoding=\"EBCDIC-KLINGON\"?><Document/>"},
            new String[]{"amount of 3 decimals", camt(entry("fz-x", "1.001", "USD"))},
            new String[]{"amount 1e400", camt(entry("fz-x", "1e400", "USD"))},
            new String[]{"amount 9223372036854775808", camt(entry("fz-x", "9223372036854775808", "USD"))},
            new String[]{"currency XXX", camt(entry("fz-x", "1.00", "XXX"))},
            new String[]{"reference NOTPROVIDED", camt(entry("NOTPROVIDED", "1.00", "USD"))},
            new String[]{"many attributes", camt("<Ntry " + attributes(20_000) + "/>")});

    private static String attributes(int count) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append("a").append(i).append("=\"").append(i).append("\" ");
        }
        return out.toString();
    }

    static Variant xml(Random random) {
        switch (random.nextInt(9)) {
            case 0 -> {
                return new Variant("camt valid", "application/xml",
                        bytes(camt(entry("fz-ref-" + UUID.randomUUID(), "1.00", "USD"))), Verdict.MAY_ACCEPT);
            }
            case 1 -> {
                String doc = camt(entry("fz-ref-" + UUID.randomUUID(), "2.50", "USD"));
                return new Variant("camt in UTF-16", "application/xml",
                        concat(new byte[]{(byte) 0xFE, (byte) 0xFF},
                                doc.replace("UTF-8", "UTF-16").getBytes(StandardCharsets.UTF_16BE)), Verdict.MAY_ACCEPT);
            }
            case 2 -> {
                return new Variant("camt with XInclude", "application/xml", bytes(camt(
                        "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" parse=\"text\"/>"
                                + entry("fz-ref-" + UUID.randomUUID(), "1.00", "USD"))), Verdict.MAY_ACCEPT);
            }
            case 4 -> {
                // unknown elements are skipped, however deep: a statement without entries
                return new Variant("camt with deep unknown nesting", "application/xml",
                        bytes(camt("<a>".repeat(50_000) + "</a>".repeat(50_000))), Verdict.MAY_ACCEPT);
            }
            case 3 -> {
                return new Variant("camt invalid UTF-8", "application/xml",
                        invalidUtf8(camt(entry("fz-ref-" + UUID.randomUUID(), "1.00", "USD"))), Verdict.REFUSE);
            }
            default -> {
                String[] attack = XML_ATTACKS.get(random.nextInt(XML_ATTACKS.size()));
                String type = random.nextBoolean() ? "application/xml" : random.nextBoolean() ? "text/xml" : "text/plain";
                return new Variant("xml " + attack[0] + " as " + type, type, bytes(attack[1]), Verdict.REFUSE);
            }
        }
    }

    private static byte[] invalidUtf8(String text) {
        byte[] body = bytes(text);
        int at = text.indexOf("USD");
        body[at] = (byte) 0xC3;
        body[at + 1] = (byte) 0x28;
        return body;
    }

    private static byte[] sized(String csv, int size) {
        StringBuilder body = new StringBuilder(csv);
        while (body.length() < size) {
            body.append("fz-pad-").append(UUID.randomUUID()).append(",1.00,USD,PAID,2025-03-14\n");
        }
        return bytes(body.substring(0, size));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
