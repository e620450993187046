package shop.ledger.command.finance.statement;

import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;
import shop.ledger.api.common.Money;
import shop.ledger.api.withdrawal.Withdrawals.StatementLine;

import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ISO 20022 bank-to-customer statement, camt.053 ({@code BkToCstmrStmt}), version 001.02 and later: elements
 * are matched by their local names, so every version's namespace reads the same way.
 *
 * <p>Each entry ({@code Stmt/Ntry}) gives one statement line per transaction ({@code NtryDtls/TxDtls}):
 * <ul>
 *   <li>payout reference: {@code TxDtls/Refs/EndToEndId}, or when it is missing or {@code NOTPROVIDED} the
 *       servicer's {@code TxDtls/Refs/AcctSvcrRef} (or the entry's {@code AcctSvcrRef} for a single transaction);
 *       one of them is required;</li>
 *   <li>amount in major units with its {@code Ccy}: the transaction's own ({@code TxDtls/Amt} in newer versions,
 *       {@code TxDtls/AmtDtls/TxAmt/Amt} in older ones), or the entry's {@code Amt} when the entry holds a single
 *       transaction;</li>
 *   <li>status: the entry must be booked ({@code Sts} = {@code BOOK}, or {@code Sts/Cd} from version 001.08 on).
 *       A booked debit ({@code CdtDbtInd} DBIT) is PAID; a reversal ({@code RvslInd} true, the provider taking a
 *       payout back, usually booked as a credit) is FAILED; any other credit is not a payout and is refused;</li>
 *   <li>booked at: {@code BookgDt/DtTm} (without an offset read as UTC) or {@code BookgDt/Dt} (start of day, UTC).</li>
 * </ul>
 *
 * <p><b>Line numbers:</b> for XML, the {@code lineNumber} of a statement line and of a {@link StatementRejected}
 * is the 1-based ordinal of its entry ({@code Ntry}) in document order, across all {@code Stmt} of the document;
 * the transactions of one entry share it. {@code 0} is the document as a whole.
 *
 * <p><b>Safety:</b> the parser is the JDK's own SAX parser with secure processing on, DOCTYPE declarations
 * refused (so there are no DTDs and no entities, internal or external: no XXE, no entity expansion), external
 * general and parameter entities and external DTD loading off, no access to external DTDs or schemas, and no
 * XInclude. It streams: only one entry is held in memory at a time.
 */
final class Camt053StatementParser {

    static final String NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053.";

    private Camt053StatementParser() {
    }

    /** Parses bytes (the encoding from the XML declaration or byte order mark, UTF-8 by default). */
    static ParsedStatement parse(byte[] body, int maxLines) {
        return parse(new InputSource(new ByteArrayInputStream(body)), maxLines);
    }

    /** Parses text already decoded (a content type that named its charset). */
    static ParsedStatement parse(String text, int maxLines) {
        return parse(new InputSource(new StringReader(text)), maxLines);
    }

    private static ParsedStatement parse(InputSource source, int maxLines) {
        Handler handler = new Handler(maxLines);
        try {
            newParser().parse(source, handler);
        } catch (SAXParseException e) {
            throw notWellFormed(handler, e);
        } catch (SAXException | IOException e) {
            StatementRejected rejected = rejection(e);
            if (rejected != null) {
                throw rejected;
            }
            throw new StatementRejected(handler.inEntry() ? handler.entries : 0,
                    "the XML cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
            StatementRejected rejected = rejection(e);
            if (rejected != null) {
                throw rejected;
            }
            throw e;
        }
        if (!handler.sawStatement) {
            throw new StatementRejected(0, "not a camt.053 statement: no Document/BkToCstmrStmt");
        }
        return new ParsedStatement(ParsedStatement.CAMT053, handler.lines);
    }

    /** A parser that reads no DTD, resolves no entity and includes nothing (see the class comment). */
    static SAXParser newParser() {
        try {
            SAXParserFactory factory = SAXParserFactory.newDefaultInstance();
            factory.setNamespaceAware(true);
            factory.setValidating(false);
            factory.setXIncludeAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            SAXParser parser = factory.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return parser;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the XML parser cannot be configured safely", e);
        }
    }

    private static StatementRejected notWellFormed(Handler handler, SAXParseException e) {
        StatementRejected rejected = rejection(e);
        if (rejected != null) {
            return rejected;
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("DOCTYPE")) {
            return new StatementRejected(0, "a DOCTYPE declaration is not allowed (no DTDs, no entities)");
        }
        return new StatementRejected(handler.inEntry() ? handler.entries : 0, "the XML is not well-formed at line "
                + e.getLineNumber() + ", column " + e.getColumnNumber() + ": " + message);
    }

    /** The rejection a handler raised, however the parser wrapped it. */
    private static StatementRejected rejection(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = next(t)) {
            if (t instanceof StatementRejected rejected) {
                return rejected;
            }
        }
        return null;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof SAXException sax && sax.getException() != null && sax.getException() != t) {
            return sax.getException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    /** An element of an entry, with its attributes, text and children (entries are small). */
    private static final class Node {
        final String name;
        final Map<String, String> attributes = new HashMap<>();
        final StringBuilder text = new StringBuilder();
        final List<Node> children = new ArrayList<>();

        Node(String name, Attributes attributes) {
            this.name = name;
            for (int i = 0; i < attributes.getLength(); i++) {
                this.attributes.put(localName(attributes.getLocalName(i), attributes.getQName(i)), attributes.getValue(i));
            }
        }

        Node child(String name) {
            for (Node child : children) {
                if (child.name.equals(name)) {
                    return child;
                }
            }
            return null;
        }

        /** The node at a path of child names, or null. */
        Node at(String... path) {
            Node node = this;
            for (String step : path) {
                node = node.child(step);
                if (node == null) {
                    return null;
                }
            }
            return node;
        }

        List<Node> all(String name) {
            return children.stream().filter(child -> child.name.equals(name)).toList();
        }

        String text() {
            return text.toString().strip();
        }
    }

    private static final class Handler extends DefaultHandler {
        private final int maxLines;
        private final Deque<String> path = new ArrayDeque<>();
        private final Deque<Node> open = new ArrayDeque<>();
        private final Map<String, Integer> seen = new LinkedHashMap<>();
        final List<StatementLine> lines = new ArrayList<>();
        int entries;
        boolean sawStatement;

        Handler(int maxLines) {
            this.maxLines = maxLines;
        }

        boolean inEntry() {
            return !open.isEmpty();
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes attributes) {
            String name = localName(local, qName);
            if (path.isEmpty()) {
                if (!name.equals("Document")) {
                    throw new StatementRejected(0, "not a camt.053 statement: the root element is " + name
                            + ", not Document");
                }
                if (uri != null && !uri.isEmpty() && !uri.startsWith(NAMESPACE_PREFIX)) {
                    throw new StatementRejected(0, "not a camt.053 statement: namespace " + StatementValues.quote(uri));
                }
            } else if (path.size() == 1 && name.equals("BkToCstmrStmt")) {
                sawStatement = true;
            }
            if (!open.isEmpty()) {
                Node node = new Node(name, attributes);
                open.peek().children.add(node);
                open.push(node);
            } else if (name.equals("Ntry") && "Stmt".equals(path.peek()) && sawStatement) {
                entries++;
                open.push(new Node(name, attributes));
            }
            path.push(name);
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (!open.isEmpty()) {
                open.peek().text.append(ch, start, length);
            }
        }

        @Override
        public void endElement(String uri, String local, String qName) {
            path.pop();
            if (!open.isEmpty()) {
                Node closed = open.pop();
                if (open.isEmpty()) {
                    entry(closed);
                }
            }
        }

        @Override
        public InputSource resolveEntity(String publicId, String systemId) {
            // never reached with DOCTYPE refused; a last guard all the same
            throw new StatementRejected(0, "external entities are not allowed");
        }

        private void entry(Node entry) {
            int line = entries;
            Node amount = entry.child("Amt");
            if (amount == null) {
                throw new StatementRejected(line, "the entry has no Amt");
            }
            String status = status(line, entry);
            Node booking = entry.child("BookgDt");
            if (booking == null || booking.child("DtTm") == null && booking.child("Dt") == null) {
                throw new StatementRejected(line, "the entry has no booking date (BookgDt/DtTm or BookgDt/Dt)");
            }
            Instant bookedAt = booking.child("DtTm") != null
                    ? StatementValues.instant(line, booking.child("DtTm").text(), true)
                    : StatementValues.instant(line, booking.child("Dt").text(), false);

            List<Node> transactions = new ArrayList<>();
            for (Node details : entry.all("NtryDtls")) {
                transactions.addAll(details.all("TxDtls"));
            }
            if (transactions.isEmpty()) {
                throw new StatementRejected(line, "the entry has no transaction details (NtryDtls/TxDtls) with an "
                        + "end-to-end reference");
            }
            for (Node transaction : transactions) {
                String reference = reference(transaction, transactions.size() == 1 ? entry : null);
                if (reference == null) {
                    throw new StatementRejected(line, "a transaction of the entry has neither an end-to-end reference "
                            + "(Refs/EndToEndId) nor the servicer's reference (AcctSvcrRef)");
                }
                String payoutReference = StatementValues.reference(line, reference);
                Node transactionAmount = transaction.child("Amt");
                if (transactionAmount == null) {
                    transactionAmount = transaction.at("AmtDtls", "TxAmt", "Amt");
                }
                if (transactionAmount == null) {
                    if (transactions.size() > 1) {
                        throw new StatementRejected(line, "transaction " + StatementValues.quote(payoutReference)
                                + " of a batch entry has no amount of its own (Amt or AmtDtls/TxAmt/Amt)");
                    }
                    transactionAmount = amount;
                }
                Money money = money(line, transactionAmount);
                if (lines.size() >= maxLines) {
                    throw new StatementRejected(line, "a statement may hold at most " + maxLines + " lines");
                }
                Integer first = seen.putIfAbsent(payoutReference, line);
                if (first != null) {
                    throw new StatementRejected(line, "payout reference " + StatementValues.quote(payoutReference)
                            + (first == line ? " is twice in this entry" : " is already in entry " + first));
                }
                lines.add(new StatementLine(line, payoutReference, money, status, bookedAt));
            }
        }

        /**
         * The line's reference: the transaction's {@code Refs/EndToEndId} unless {@code NOTPROVIDED}, else the
         * servicer's {@code Refs/AcctSvcrRef}, else, for an entry of one transaction, the entry's {@code AcctSvcrRef}
         * (API.md v2, Withdrawals); null when there is none.
         */
        private static String reference(Node transaction, Node singleEntry) {
            Node endToEnd = transaction.at("Refs", "EndToEndId");
            if (endToEnd != null && !endToEnd.text().isEmpty() && !endToEnd.text().equals("NOTPROVIDED")) {
                return endToEnd.text();
            }
            Node servicer = transaction.at("Refs", "AcctSvcrRef");
            if ((servicer == null || servicer.text().isEmpty()) && singleEntry != null) {
                servicer = singleEntry.child("AcctSvcrRef");
            }
            return servicer == null || servicer.text().isEmpty() ? null : servicer.text();
        }

        private static Money money(int line, Node amount) {
            String currency = amount.attributes.get("Ccy");
            if (currency == null) {
                throw new StatementRejected(line, "an amount has no Ccy attribute");
            }
            String code = StatementValues.currency(line, currency);
            return StatementValues.amount(line, amount.text(), code);
        }

        /** PAID for a booked debit, FAILED for a booked reversal (see the class comment). */
        private static String status(int line, Node entry) {
            Node status = entry.child("Sts");
            if (status == null) {
                throw new StatementRejected(line, "the entry has no status (Sts)");
            }
            String code = status.child("Cd") != null ? status.child("Cd").text() : status.text();
            if (!code.equals("BOOK")) {
                throw new StatementRejected(line, "the entry's status is " + StatementValues.quote(code)
                        + "; only booked entries (BOOK) can be reconciled");
            }
            Node reversal = entry.child("RvslInd");
            if (reversal != null) {
                switch (reversal.text()) {
                    case "true", "1" -> {
                        return "FAILED";
                    }
                    case "false", "0" -> {
                        // an ordinary entry
                    }
                    default -> throw new StatementRejected(line, "RvslInd " + StatementValues.quote(reversal.text())
                            + " is not a boolean");
                }
            }
            Node indicator = entry.child("CdtDbtInd");
            String direction = indicator == null ? "" : indicator.text();
            if (!direction.equals("DBIT")) {
                throw new StatementRejected(line, "the entry is " + (direction.isEmpty() ? "neither debit nor credit"
                        : StatementValues.quote(direction)) + ", not a payout (CdtDbtInd DBIT) or its reversal "
                        + "(RvslInd true)");
            }
            return "PAID";
        }
    }

    private static String localName(String local, String qName) {
        if (local != null && !local.isEmpty()) {
            return local;
        }
        int colon = qName.indexOf(':');
        return colon < 0 ? qName : qName.substring(colon + 1);
    }
}
