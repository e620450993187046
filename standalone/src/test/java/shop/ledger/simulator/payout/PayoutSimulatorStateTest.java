package shop.ledger.simulator.payout;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shop.ledger.platform.LedgerProperties;
import shop.ledger.simulator.payout.PayoutSimulator.Conflicting;
import shop.ledger.simulator.payout.PayoutSimulator.Created;
import shop.ledger.simulator.payout.PayoutSimulator.Payout;
import shop.ledger.simulator.payout.PayoutSimulator.Repeated;
import shop.ledger.simulator.payout.PayoutSimulator.State;
import shop.ledger.simulator.payout.PayoutSimulator.Submission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The simulated payout provider's state on its own: idempotency, paying by itself, decisions, persistence, statement. */
class PayoutSimulatorStateTest {

    static final String DESTINATION = "GB33BUKB20201555555555";

    @TempDir
    Path dataDir;
    final List<PayoutSimulator> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(PayoutSimulator::destroy);
    }

    PayoutSimulator simulator(boolean autocomplete) {
        return simulator(autocomplete, Duration.ofMillis(50), Duration.ofMillis(150));
    }

    PayoutSimulator simulator(boolean autocomplete, Duration completeAfterMin, Duration completeAfterMax) {
        PayoutSimulator simulator = new PayoutSimulator(new PayoutSimulatorProperties(PayoutSimulatorProperties.DEFAULT_API_KEY,
                autocomplete, completeAfterMin, completeAfterMax, null),
                new LedgerProperties(dataDir, null, null, null, null), Duration.ofSeconds(1));
        started.add(simulator);
        return simulator;
    }

    static String reference() {
        return UUID.randomUUID().toString();
    }

    static Submission submit(PayoutSimulator simulator, String reference, long amount) {
        return simulator.submit(reference, amount, "USD", "BANK_TRANSFER", DESTINATION);
    }

    @Test
    void theSameReferenceNeverMakesASecondPayout() {
        PayoutSimulator simulator = simulator(false);
        String reference = reference();

        Submission first = submit(simulator, reference, 1250);
        Submission again = submit(simulator, reference, 1250);
        Submission otherAmount = submit(simulator, reference, 1251);
        Submission otherDestination = simulator.submit(reference, 1250, "USD", "BANK_TRANSFER", "GB00ELSEWHERE");

        assertThat(first).isInstanceOf(Created.class);
        assertThat(first.payout().status()).isEqualTo(State.PENDING);
        assertThat(first.payout().payoutReference()).startsWith("po_").isNotEqualTo(reference);
        assertThat(again).isEqualTo(new Repeated(first.payout()));
        assertThat(otherAmount).isEqualTo(new Conflicting(first.payout()));
        assertThat(otherDestination).isInstanceOf(Conflicting.class);
        assertThat(simulator.payouts(null)).containsExactly(first.payout());
        assertThat(submit(simulator, reference(), 1250).payout().payoutReference())
                .isNotEqualTo(first.payout().payoutReference());
    }

    @Test
    void payoutsArePaidByThemselves() {
        PayoutSimulator simulator = simulator(true);
        Payout payout = submit(simulator, reference(), 500).payout();
        assertThat(payout.status()).isEqualTo(State.PENDING);
        assertThat(payout.completeAt()).isNotNull();

        await().atMost(Duration.ofSeconds(5))
               .until(() -> simulator.find(payout.payoutReference()).orElseThrow().status() == State.PAID);
        Payout paid = simulator.find(payout.payoutReference()).orElseThrow();
        assertThat(paid.bookedAt()).isNotNull();
        assertThat(paid.reason()).isNull();
        assertThat(paid.completeAt()).isNull();
    }

    @Test
    void withoutAutocompletePayoutsWaitToBeTold() throws InterruptedException {
        PayoutSimulator simulator = simulator(false);
        Payout payout = submit(simulator, reference(), 500).payout();
        assertThat(payout.completeAt()).isNull();

        PayoutSimulator switched = simulator(true);
        Payout scheduled = submit(switched, reference(), 500).payout();
        switched.setAutocomplete(false);

        Thread.sleep(400);
        assertThat(simulator.find(payout.payoutReference()).orElseThrow().status()).isEqualTo(State.PENDING);
        Payout held = switched.find(scheduled.payoutReference()).orElseThrow();
        assertThat(held.status()).isEqualTo(State.PENDING);
        assertThat(held.completeAt()).isNull();
    }

    @Test
    void decisionsBookThePayoutByEitherReference() {
        PayoutSimulator simulator = simulator(false);
        String reference = reference();
        Payout payout = submit(simulator, reference, 500).payout();

        Payout failed = simulator.decide(payout.payoutReference(), State.FAILED, null).orElseThrow();
        assertThat(failed.status()).isEqualTo(State.FAILED);
        assertThat(failed.reason()).isEqualTo(PayoutSimulator.DEFAULT_FAILURE_REASON);
        assertThat(failed.bookedAt()).isNotNull();

        Payout paid = simulator.decide(reference, State.PAID, "ignored for PAID").orElseThrow();
        assertThat(paid.status()).isEqualTo(State.PAID);
        assertThat(paid.reason()).isNull();
        assertThat(paid.payoutReference()).isEqualTo(payout.payoutReference());

        assertThat(simulator.decide("po_unknown", State.PAID, null)).isEmpty();
        assertThat(simulator.findByReference(payout.payoutReference())).isEmpty();
        assertThat(simulator.findByReference(reference)).contains(paid);
    }

    @Test
    void payoutsSurviveARestartWithTheirKeysAndPendingCompletions() throws IOException {
        PayoutSimulator first = simulator(false);
        String decided = reference();
        Payout paid = first.decide(submit(first, decided, 700).payout().payoutReference(), State.PAID, null).orElseThrow();
        PayoutSimulator autocompleting = simulator(true, Duration.ofMillis(300), Duration.ofMillis(300));
        String pendingReference = reference();
        Payout pending = submit(autocompleting, pendingReference, 800).payout();
        autocompleting.destroy(); // stops before paying it

        Path file = dataDir.resolve("simulators").resolve("payouts.json");
        assertThat(file).exists();
        assertThat(file.resolveSibling("payouts.json.tmp")).doesNotExist();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        PayoutSimulator restarted = simulator(true);
        assertThat(restarted.findByReference(decided)).contains(paid);
        assertThat(submit(restarted, decided, 700)).isEqualTo(new Repeated(paid));
        assertThat(submit(restarted, pendingReference, 800)).isEqualTo(new Repeated(pending));
        assertThat(submit(restarted, pendingReference, 801)).isInstanceOf(Conflicting.class);
        // its completion is scheduled again on restart
        await().atMost(Duration.ofSeconds(3))
               .until(() -> restarted.findByReference(pendingReference).orElseThrow().status() == State.PAID);
    }

    @Test
    void anUnreadableFileIsMovedAside() throws IOException {
        Path file = dataDir.resolve("simulators").resolve("payouts.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{not json");

        PayoutSimulator simulator = simulator(false);

        assertThat(simulator.payouts(null)).isEmpty();
        assertThat(file).doesNotExist();
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("payouts.unreadable-"));
        }
    }

    @Test
    void theStatementListsTheDaysBookedPayoutsInMajorUnits() {
        PayoutSimulator simulator = simulator(false);
        String paid = reference();
        String failed = reference();
        String pending = reference();
        simulator.decide(submit(simulator, paid, 1250).payout().payoutReference(), State.PAID, null);
        simulator.decide(simulator.submit(failed, 99, "EUR", "SEPA", "DE89370400440532013000").payout().payoutReference(),
                State.FAILED, "Account closed");
        submit(simulator, pending, 300);
        LocalDate today = LocalDate.ofInstant(simulator.findByReference(paid).orElseThrow().bookedAt(), ZoneOffset.UTC);

        List<Payout> booked = simulator.booked(today);
        String csv = PayoutStatement.csv(booked);

        assertThat(booked).extracting(Payout::reference).containsExactly(paid, failed);
        String[] lines = csv.split("\n", -1);
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo("payout_reference,amount,currency,status,booked_at");
        assertThat(lines[1]).isEqualTo(paid + ",12.50,USD,PAID," + simulator.findByReference(paid).orElseThrow().bookedAt());
        assertThat(lines[2]).startsWith(failed + ",0.99,EUR,FAILED,");
        assertThat(Instant.parse(lines[2].split(",")[4])).isEqualTo(simulator.findByReference(failed).orElseThrow().bookedAt());
        assertThat(lines[3]).isEmpty();
        assertThat(simulator.booked(today.minusDays(1))).isEmpty();
        assertThat(PayoutStatement.csv(List.of())).isEqualTo("payout_reference,amount,currency,status,booked_at\n");
    }

    @Test
    void amountsUseTheCurrencysDecimalsButAtLeastTwo() {
        assertThat(PayoutStatement.majorUnits(1250, "USD")).isEqualTo("12.50");
        assertThat(PayoutStatement.majorUnits(5, "USD")).isEqualTo("0.05");
        assertThat(PayoutStatement.majorUnits(100_000_000_000L, "USD")).isEqualTo("1000000000.00");
        assertThat(PayoutStatement.majorUnits(1250, "JPY")).isEqualTo("1250.00");
        assertThat(PayoutStatement.majorUnits(1250, "BHD")).isEqualTo("1.250");
        assertThat(PayoutStatement.majorUnits(1250, "XYZ")).isEqualTo("12.50");
    }

    @Test
    void referencesNeedingQuotesAreQuoted() {
        PayoutSimulator simulator = simulator(false);
        String odd = "ref,with \"quotes\"";
        simulator.decide(submit(simulator, odd, 100).payout().payoutReference(), State.PAID, null);
        LocalDate day = LocalDate.ofInstant(simulator.findByReference(odd).orElseThrow().bookedAt(), ZoneOffset.UTC);

        assertThat(PayoutStatement.csv(simulator.booked(day))).contains("\n\"ref,with \"\"quotes\"\"\",1.00,USD,PAID,");
    }
}
