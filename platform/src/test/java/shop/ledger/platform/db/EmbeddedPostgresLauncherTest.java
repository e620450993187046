package shop.ledger.platform.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedPostgresLauncherTest {

    @TempDir
    Path dataDir;

    @Test
    void theStandaloneDatabaseIsDurableAndKeepsItsDataAcrossRestarts() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgresLauncher.durable(dataDir)) {
            try (Connection connection = postgres.getPostgresDatabase().getConnection();
                 Statement statement = connection.createStatement()) {
                // zonky's defaults switch these off; acknowledged money must reach the disk
                assertThat(show(statement, "fsync")).isEqualTo("on");
                assertThat(show(statement, "synchronous_commit")).isEqualTo("on");
                assertThat(show(statement, "full_page_writes")).isEqualTo("on");
                statement.execute("CREATE TABLE kept (cents BIGINT)");
                statement.execute("INSERT INTO kept VALUES (1250)");
            }
        }
        assertThat(Files.exists(dataDir.resolve("postgres").resolve("postmaster.pid"))).isFalse();

        try (EmbeddedPostgres postgres = EmbeddedPostgresLauncher.durable(dataDir);
             Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT cents FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong(1)).isEqualTo(1250);
        }
    }

    @Test
    void aStalePidFileOfADeadProcessIsLeftToPostgres() throws Exception {
        Path pgData = Files.createDirectories(dataDir.resolve("postgres"));
        Files.writeString(pgData.resolve("postmaster.pid"), "999999\n" + pgData + "\n");
        EmbeddedPostgresLauncher.stopOrphanedPostmaster(pgData); // no such process: nothing to stop, no failure
        assertThat(Files.exists(pgData.resolve("postmaster.pid"))).isTrue();
    }

    private static String show(Statement statement, String setting) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
