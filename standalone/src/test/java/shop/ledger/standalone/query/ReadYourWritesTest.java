package shop.ledger.standalone.query;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import shop.ledger.platform.testing.TestDatabase;
import shop.ledger.query.QuerySideApplication;
import shop.ledger.query.identity.AccountProjection;
import shop.ledger.query.order.OrderProjection;
import shop.ledger.query.position.MinPositionFilter;
import shop.ledger.query.position.PositionWaiters;
import shop.ledger.query.refund.RefundCaseProjection;
import shop.ledger.query.wallet.JournalProjection;
import shop.ledger.query.wallet.WalletProjection;
import shop.ledger.query.withdrawal.WithdrawalProjection;
import shop.ledger.standalone.ApiClient;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import shop.ledger.standalone.LedgerStandaloneApplication;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Read your own writes (API.md Conventions) across two query-side instances on one database, every two-segment
 * processor with one segment on each: the standalone (command side and query side) and a second query side. A read
 * naming the position of a write answers the new state on its first try, from either instance, whichever instance
 * holds the segment of what it reads; a read model held back answers 503 with Retry-After after the wait, while
 * endpoints fed by other processors or by the event store answer at once.
 */
class ReadYourWritesTest {

    /** The processors with two segments (application-query.yaml): each instance claims one of each. */
    private static final List<String> TWO_SEGMENTS = List.of(WalletProjection.PROCESSING_GROUP,
            JournalProjection.PROCESSING_GROUP, AccountProjection.PROCESSING_GROUP, OrderProjection.PROCESSING_GROUP,
            RefundCaseProjection.PROCESSING_GROUP, WithdrawalProjection.PROCESSING_GROUP);

    private static ConfigurableApplicationContext standalone;
    private static ConfigurableApplicationContext secondQuerySide;
    private static ApiClient first;
    private static ApiClient second;
    private static JdbcClient jdbc;
    private static String admin;

    @BeforeAll
    static void start() {
        String database = TestDatabase.newDatabase();
        Path dataDir = TestDatabase.newDataDir();
        standalone = start(new SpringApplicationBuilder(LedgerStandaloneApplication.class)
                .profiles("command", "query", "standalone"), database, dataDir, "--ledger.token-store.owner=standalone");
        // a short wait, for the read model held back: the reads that succeed are answered long before it
        secondQuerySide = start(new SpringApplicationBuilder(QuerySideApplication.class).profiles("query"), database,
                dataDir, "--ledger.token-store.owner=second-query-side", "--ledger.read-your-writes.max-wait=1s",
                // a query side alone verifies with the command side's published public keys
                "--ledger.jwt.jwks-uri=http://localhost:" + port(standalone) + "/.well-known/jwks.json");
        first = new ApiClient(port(standalone));
        second = new ApiClient(port(secondQuerySide));
        jdbc = standalone.getBean(JdbcClient.class);
        admin = first.adminToken();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String processor : TWO_SEGMENTS) {
                assertThat(jdbc.sql("SELECT count(DISTINCT owner) FROM TokenEntry WHERE processorName = ?")
                               .param(processor).query(Long.class).single())
                        .as("instances holding a segment of %s", processor).isEqualTo(2L);
            }
        });
    }

    @AfterAll
    static void stop() {
        if (secondQuerySide != null) {
            secondQuerySide.close();
        }
        if (standalone != null) {
            standalone.close();
        }
    }

    @Test
    void aWriteIsReadOnTheFirstTryFromEitherInstanceWhicheverHoldsItsSegment() {
        for (Customer customer : customersInEachWalletSegment()) {
            long registered = head();
            assertThat(second.getAfter(registered, "/api/me", customer.token()).status()).isEqualTo(200);

            assertThat(first.deposit(admin, customer.walletId(), 1250, "psp-" + UUID.randomUUID()).status())
                    .isEqualTo(201);
            long deposited = head();
            for (ApiClient instance : List.of(second, first)) {
                Response wallet = instance.getAfter(deposited, "/api/me/wallet", customer.token());
                assertThat(wallet.status()).isEqualTo(200);
                assertThat(wallet.json().path("available").asLong()).isEqualTo(1250);
                Response statement = instance.getAfter(deposited, "/api/me/wallet/transactions", customer.token());
                assertThat(statement.json().path("items").size()).isEqualTo(1);
            }
            assertThat(second.getAfter(deposited, "/api/admin/journal/trial-balance", admin).status()).isEqualTo(200);
        }
    }

    @Test
    void aPositionPastTheHeadIsRefusedAtOnce() {
        Customer customer = first.register("ryow-" + UUID.randomUUID().toString().substring(0, 8));
        Response refused = second.getAfter(head() + 1_000, "/api/me/wallet", customer.token());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.text("type")).isEqualTo("/problems/validation-failed");
        // also where nothing is waited for: the event store's own endpoints
        Response pastTheHead = first.getAfter(head() + 1_000, "/api/audit/wallets/" + customer.walletId()
                                                              + "/balance?asOf=" + Instant.now(), admin);
        assertThat(pastTheHead.status()).isEqualTo(400);
        assertThat(pastTheHead.text("detail")).contains("head");
    }

    @Test
    void aPositionThatIsNotANumberIsRefused() {
        Customer customer = first.register("ryow-" + UUID.randomUUID().toString().substring(0, 8));
        for (String position : List.of("latest", "-1", "1.5", "", "99999999999999999999")) {
            Response refused = second.get("/api/me/wallet", customer.token(), Map.of(ApiClient.MIN_POSITION, position));
            assertThat(refused.status()).as("position '%s'", position).isEqualTo(400);
            assertThat(refused.text("type")).isEqualTo("/problems/validation-failed");
        }
    }

    @Test
    void aReadModelHeldBackAnswers503AfterTheWaitAndAWaitingReadWakesWhenItCatchesUp() {
        Customer customer = first.register("ryow-" + UUID.randomUUID().toString().substring(0, 8));
        List<EventProcessor> wallets = List.of(processor(standalone, WalletProjection.PROCESSING_GROUP),
                processor(secondQuerySide, WalletProjection.PROCESSING_GROUP));
        CompletableFuture<Response> waiting;
        try {
            wallets.forEach(EventProcessor::shutDown);
            assertThat(first.deposit(admin, customer.walletId(), 700, "psp-" + UUID.randomUUID()).status())
                    .isEqualTo(201);
            long deposited = head();

            Response unavailable = second.getAfter(deposited, "/api/me/wallet", customer.token());
            assertThat(unavailable.status()).isEqualTo(503);
            assertThat(unavailable.contentType()).startsWith("application/problem+json");
            assertThat(unavailable.text("type")).isEqualTo("/problems/service-unavailable");
            assertThat(unavailable.header("Retry-After")).isNotBlank();

            // what other processors or the event store feed is current at once
            assertThat(second.getAfter(deposited, "/api/me", customer.token()).status()).isEqualTo(200);
            Response audited = second.getAfter(deposited, "/api/audit/wallets/" + customer.walletId()
                                                          + "/balance?asOf=" + Instant.now().plusSeconds(60), admin);
            assertThat(audited.status()).isEqualTo(200);
            assertThat(audited.json().path("available").asLong()).isEqualTo(700);

            // a read that waits is suspended, not answered, until the processor commits the deposit
            PositionWaiters waiters = standalone.getBean(PositionWaiters.class);
            waiting = CompletableFuture.supplyAsync(() -> first.getAfter(deposited, "/api/me/wallet",
                    customer.token()));
            await().atMost(Duration.ofSeconds(4)).untilAsserted(() -> assertThat(waiters.waitingReads()).isEqualTo(1));
        } finally {
            wallets.forEach(EventProcessor::start);
        }
        Response caughtUp = waiting.join();
        assertThat(caughtUp.status()).isEqualTo(200);
        assertThat(caughtUp.json().path("available").asLong()).isEqualTo(700);
    }

    /** Every query-side GET under /api/ declares the processors it reads, each one that stores its tokens. */
    @Test
    void everyQuerySideReadDeclaresTheReadModelsItReads() {
        EventProcessingConfiguration processing = standalone.getBean(EventProcessingConfiguration.class);
        RequestMappingHandlerMapping mapping = standalone.getBean("requestMappingHandlerMapping",
                RequestMappingHandlerMapping.class);
        List<String> checked = new ArrayList<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mapping.getHandlerMethods().entrySet()) {
            HandlerMethod method = entry.getValue();
            Set<RequestMethod> verbs = entry.getKey().getMethodsCondition().getMethods();
            boolean api = entry.getKey().getPatternValues().stream().anyMatch(path -> path.startsWith("/api/"));
            if (!api || !(verbs.isEmpty() || verbs.contains(RequestMethod.GET))
                    || !method.getBeanType().getName().startsWith("shop.ledger.query.")) {
                continue;
            }
            Set<String> processors = MinPositionFilter.declaredProcessors(method)
                                                      .orElseThrow(() -> new AssertionError(method + " declares "
                                                              + "neither @ReadModel nor @NoReadModel"));
            for (String processor : processors) {
                assertThat(processing.eventProcessor(processor)).as("%s reads %s", method, processor).isPresent();
                assertThat(processing.tokenStore(processor)).as("%s's tokens", processor)
                                                           .isNotInstanceOf(InMemoryTokenStore.class);
            }
            checked.add(method.toString());
        }
        assertThat(checked).hasSizeGreaterThan(20);
        assertThat(first.get("/v3/api-docs", null).json().path("paths").path("/api/me/wallet").path("get")
                        .path("parameters").toString()).contains(ApiClient.MIN_POSITION);
    }

    /** Two customers whose wallets fall into different segments of the wallets processor. */
    private static List<Customer> customersInEachWalletSegment() {
        Segment[] halves = Segment.ROOT_SEGMENT.split();
        Customer[] found = new Customer[2];
        for (int attempt = 0; attempt < 20 && (found[0] == null || found[1] == null); attempt++) {
            Customer customer = first.register("ryow-" + UUID.randomUUID().toString().substring(0, 8));
            int half = halves[0].matches(customer.walletId().toString()) ? 0 : 1;
            if (found[half] == null) {
                found[half] = customer;
            }
        }
        assertThat(found).doesNotContainNull();
        return List.of(found);
    }

    private static long head() {
        return jdbc.sql("SELECT max(globalIndex) FROM DomainEventEntry").query(Long.class).single();
    }

    private static EventProcessor processor(ConfigurableApplicationContext context, String name) {
        return context.getBean(EventProcessingConfiguration.class).eventProcessor(name).orElseThrow();
    }

    private static ConfigurableApplicationContext start(SpringApplicationBuilder application, String database,
                                                        Path dataDir, String... more) {
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres",
                "--server.port=0",
                "--ledger.data-dir=" + dataDir,
                "--ledger.admin.password=" + ApiClient.ADMIN_PASSWORD));
        args.addAll(List.of(more));
        return application.initializers(context -> context.getBeanFactory().registerSingleton("oneSegmentEach",
                                  oneSegmentOfEachProcessor()))
                          .run(args.toArray(String[]::new));
    }

    /** Each instance claims at most one segment of a two-segment processor, so two instances share each one. */
    private static ConfigurerModule oneSegmentOfEachProcessor() {
        return configurer -> TWO_SEGMENTS.forEach(name -> configurer.eventProcessing()
                .registerPooledStreamingEventProcessorConfiguration(name,
                        (config, builder) -> builder.maxClaimedSegments(1)));
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
