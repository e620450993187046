package shop.ledger.standalone;

import com.github.kagkarlsson.scheduler.Scheduler;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.axonframework.modelling.saga.SagaScopeDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import shop.ledger.command.CommandSideApplication;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import shop.ledger.platform.security.JwtKeys;
import shop.ledger.platform.testing.TestDatabase;
import shop.ledger.query.QuerySideApplication;
import shop.ledger.query.wallet.WalletProjection;
import shop.ledger.standalone.ApiClient.Customer;
import shop.ledger.standalone.ApiClient.Response;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The split deployment: the command side and the query side as separate application contexts, each with
 * its own main and profile, sharing only PostgreSQL (and the keys every instance is given; the query side gets
 * the token keys' public parts only). An event the command side writes is served by the query side.
 */
class SplitDeploymentTest {

    private static ConfigurableApplicationContext commandSide;
    private static ConfigurableApplicationContext querySide;
    private static String database;
    private static Path dataDir;
    private static String publicKeys;

    @BeforeAll
    static void start() {
        database = TestDatabase.newDatabase();
        dataDir = TestDatabase.newDataDir();
        commandSide = start(CommandSideApplication.class, "command", database, dataDir);
        // the query side gets the command side's PUBLIC keys only, as an operator copies /.well-known/jwks.json
        publicKeys = commandSide.getBean(JwtKeys.class).publicKeys().toString();
        querySide = start(QuerySideApplication.class, "query", database, dataDir);
    }

    @AfterAll
    static void stop() {
        if (querySide != null) {
            querySide.close();
        }
        if (commandSide != null) {
            commandSide.close();
        }
    }

    @Test
    void anEventWrittenByTheCommandSideIsServedByTheQuerySide() {
        ApiClient commands = new ApiClient(port(commandSide));
        ApiClient queries = new ApiClient(port(querySide));
        Customer customer = commands.register("split-customer");
        Response deposit = commands.deposit(commands.adminToken(), customer.walletId(), 4200, "psp-split");
        assertThat(deposit.status()).isEqualTo(201);

        // the position the command side answered is honoured by the query side: its first read shows the deposit
        Response wallet = queries.getAfter(deposit.position(), "/api/me/wallet", customer.token());
        assertThat(wallet.status()).isEqualTo(200);
        assertThat(wallet.json().path("available").asLong()).isEqualTo(4200);
        assertThat(queries.getAfter(customer.position(), "/api/me", customer.token()).text("email"))
                .isEqualTo("split-customer@example.com");
    }

    /** A compromised query side cannot mint a token: it holds no signing key and no encoder, only public keys. */
    @Test
    void onlyTheCommandSideCanSignAndTheQuerySideVerifiesWithPublicKeysOnly() {
        assertThat(querySide.getBeanNamesForType(JwtKeys.class)).isEmpty();
        assertThat(querySide.getBeanNamesForType(JwtEncoder.class)).isEmpty();
        assertThat(commandSide.getBeanNamesForType(JwtEncoder.class)).hasSize(1);
        assertThat(publicKeys).doesNotContain("\"d\"").contains("\"kid\"");
        assertThat(new ApiClient(port(querySide)).get("/.well-known/jwks.json", null).status()).isEqualTo(404);

        Customer customer = new ApiClient(port(commandSide)).register("split-verified");
        ApiClient queries = new ApiClient(port(querySide));
        assertThat(queries.getAfter(customer.position(), "/api/me", customer.token()).status()).isEqualTo(200);
        assertThat(queries.get("/api/me", customer.token() + "x").status()).isEqualTo(401);
    }

    @Test
    void eachSideRunsOnlyItsOwnHalf() {
        assertThat(commandSide.getBeanNamesForType(WalletProjection.class)).isEmpty();
        assertThat(querySide.getBeanNamesForType(WalletProjection.class)).hasSize(1);
        assertThat(querySide.getBeanNamesForType(shop.ledger.command.identity.Accounts.class)).isEmpty();
        ApiClient queries = new ApiClient(port(querySide));
        assertThat(queries.post("/api/auth/register", null, "{}").status()).isEqualTo(404);
    }

    /**
     * The command side alone keeps its sagas' deadlines (status polls, submission retries) in PostgreSQL, where any
     * command-side instance runs them, also after a restart. The query side must not poll that table: it has no saga
     * to hand a due deadline to, so Axon dropped it silently and the order waited forever (ScaleOutTest).
     */
    @Test
    void onlyTheCommandSideRunsDeadlinesAndKeepsThemInPostgresql() {
        assertThat(querySide.getBeanNamesForType(Scheduler.class)).as("a query side taking due deadlines").isEmpty();
        assertThat(commandSide.getBeanNamesForType(Scheduler.class)).hasSize(1);

        DeadlineManager deadlines = commandSide.getBean(DeadlineManager.class);
        assertThat(deadlines).isInstanceOf(DbSchedulerDeadlineManager.class);

        JdbcClient jdbc = commandSide.getBean(JdbcClient.class);
        String deadlineId = deadlines.schedule(Instant.now().plus(Duration.ofHours(1)), "split-probe", "probe",
                new SagaScopeDescriptor("SplitProbeSaga", "split-probe-1"));
        assertThat(jdbc.sql("SELECT count(*) FROM scheduled_tasks WHERE task_instance = ?")
                       .param(deadlineId).query(Long.class).single()).isEqualTo(1L);
        deadlines.cancelSchedule("split-probe", deadlineId);
        assertThat(jdbc.sql("SELECT count(*) FROM scheduled_tasks WHERE task_instance = ?")
                       .param(deadlineId).query(Long.class).single()).isZero();
    }

    /**
     * A replay asked of a query side that holds none of the processor's segments: the rebuild needs no segment (it
     * builds fresh tables beside the live ones), every instance shows its progress, and the instance holding the
     * segments goes on writing into the swapped-in tables.
     */
    @Test
    void aQuerySideWithoutTheSegmentsRebuildsAReadModelForAllInstances() {
        ApiClient commands = new ApiClient(port(commandSide));
        ApiClient queries = new ApiClient(port(querySide));
        String admin = commands.adminToken();
        Customer customer = commands.register("split-replay");
        Response first = commands.deposit(admin, customer.walletId(), 1500, "psp-split-replay-1");
        assertThat(first.status()).isEqualTo(201);
        Response credited = queries.getAfter(first.position(), "/api/me/wallet", customer.token());
        assertThat(credited.status()).as(credited.raw().body()).isEqualTo(200);
        assertThat(credited.json().path("available").asLong()).isEqualTo(1500);

        try (ConfigurableApplicationContext second = start(QuerySideApplication.class, "query", database, dataDir)) {
            ApiClient other = new ApiClient(port(second));
            // this instance runs no wallets processor at all: the first query side holds every segment
            second.getBean(EventProcessingConfiguration.class).eventProcessor("wallets").orElseThrow().shutDown();
            assertThat(projection(other, admin, "wallets").path("segments").size()).isZero();

            Instant requested = Instant.now().minusMillis(500);
            assertThat(other.post("/api/admin/projections/wallets/replay", admin, "").status()).isEqualTo(202);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode seenByTheFirst = projection(queries, admin, "wallets").path("lastReplay");
                assertThat(Instant.parse(seenByTheFirst.path("startedAt").asText())).isAfter(requested);
                assertThat(seenByTheFirst.path("state").asText()).isEqualTo("COMPLETED");
            });
        }
        Response second = commands.deposit(admin, customer.walletId(), 500, "psp-split-replay-2");
        assertThat(second.status()).isEqualTo(201);
        // the instance holding the segments writes into the swapped-in tables: the read after the deposit shows it
        assertThat(queries.getAfter(second.position(), "/api/me/wallet", customer.token()).json().path("available")
                          .asLong()).isEqualTo(2000);
        assertThat(queries.getAfter(second.position(), "/api/me/wallet/transactions", customer.token()).json()
                          .path("items").size()).isEqualTo(2);
    }

    private static JsonNode projection(ApiClient api, String admin, String name) {
        for (JsonNode item : api.get("/api/admin/projections", admin).json().path("items")) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        throw new AssertionError("no projection " + name);
    }

    private static ConfigurableApplicationContext start(Class<?> application, String profile, String database,
                                                        Path dataDir) {
        return new SpringApplicationBuilder(application)
                .profiles(profile)
                .run("--spring.datasource.url=" + database,
                        "--spring.datasource.username=postgres",
                        "--server.port=0",
                        "--ledger.data-dir=" + dataDir,
                        "--ledger.admin.password=" + ApiClient.ADMIN_PASSWORD,
                        "--ledger.jwt.public-keys=" + (profile.equals("query") ? publicKeys : ""));
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
