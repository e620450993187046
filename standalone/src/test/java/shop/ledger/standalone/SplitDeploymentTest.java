package shop.ledger.standalone;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import shop.ledger.command.CommandSideApplication;
import shop.ledger.platform.testing.TestDatabase;
import shop.ledger.query.QuerySideApplication;
import shop.ledger.query.wallet.WalletProjection;
import shop.ledger.standalone.ApiClient.Customer;

import java.nio.file.Path;
import java.time.Duration;

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
