package shop.ledger.standalone;

import com.github.kagkarlsson.scheduler.Scheduler;
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
import shop.ledger.platform.testing.TestDatabase;
import shop.ledger.query.QuerySideApplication;
import shop.ledger.query.wallet.WalletProjection;
import shop.ledger.standalone.ApiClient.Customer;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The split deployment: the command side and the query side as separate application contexts, each with
 * its own main and profile, sharing only PostgreSQL (and the keys every instance is given). An event the
 * command side writes is served by the query side.
 */
class SplitDeploymentTest {

    private static ConfigurableApplicationContext commandSide;
    private static ConfigurableApplicationContext querySide;

    @BeforeAll
    static void start() {
        String database = TestDatabase.newDatabase();
        Path dataDir = TestDatabase.newDataDir();
        commandSide = start(CommandSideApplication.class, "command", database, dataDir);
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
        assertThat(commands.deposit(commands.adminToken(), customer.walletId(), 4200, "psp-split").status())
                .isEqualTo(201);

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            var wallet = queries.get("/api/me/wallet", customer.token());
            assertThat(wallet.status()).isEqualTo(200);
            assertThat(wallet.json().path("available").asLong()).isEqualTo(4200);
        });
        assertThat(queries.get("/api/me", customer.token()).text("email")).isEqualTo("split-customer@example.com");
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

    private static ConfigurableApplicationContext start(Class<?> application, String profile, String database,
                                                        Path dataDir) {
        return new SpringApplicationBuilder(application)
                .profiles(profile)
                .run("--spring.datasource.url=" + database,
                        "--spring.datasource.username=postgres",
                        "--server.port=0",
                        "--ledger.data-dir=" + dataDir,
                        "--ledger.admin.password=" + ApiClient.ADMIN_PASSWORD);
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
