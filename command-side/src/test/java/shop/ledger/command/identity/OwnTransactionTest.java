package shop.ledger.command.identity;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import shop.ledger.command.testing.CommandTestDatabase;
import shop.ledger.platform.db.OwnTransaction;

import javax.sql.DataSource;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Work that commits on its own outlives the request's transaction, on a pool of its own. */
class OwnTransactionTest {

    @Test
    void workCommitsOnItsOwnWhenTheRequestRollsBack() {
        DataSource main = PooledTestDatabase.dataSource();
        JdbcClient jdbc = JdbcClient.create(main);
        TransactionTemplate request = new TransactionTemplate(new DataSourceTransactionManager(main));
        for (OwnTransaction ownTransaction : new OwnTransaction[]{OwnTransaction.beside(main),
                OwnTransaction.standalone(main)}) {
            try (ownTransaction) {
                String inside = "inside-" + UUID.randomUUID();
                String outside = "outside-" + UUID.randomUUID();
                request.executeWithoutResult(status -> {
                    insert(jdbc, inside);
                    ownTransaction.run(own -> insert(own, outside));
                    status.setRollbackOnly();
                });
                assertThat(count(jdbc, inside)).isZero();
                assertThat(count(jdbc, outside)).isEqualTo(1);
            }
        }
    }

    @Test
    void workIsOneTransactionThatAFailureRollsBackWhole() {
        JdbcClient jdbc = PooledTestDatabase.jdbc();
        try (OwnTransaction ownTransaction = OwnTransaction.standalone(PooledTestDatabase.dataSource())) {
            String first = "first-" + UUID.randomUUID();
            assertThatThrownBy(() -> ownTransaction.run(own -> {
                insert(own, first);
                throw new IllegalStateException("refused after the first statement");
            })).isInstanceOf(IllegalStateException.class);
            assertThat(count(jdbc, first)).isZero();
        }
    }

    /** The reason for a pool of its own: a request holding the main pool's last connection still commits its work. */
    @Test
    void workNeverWaitsForTheRequestPool() {
        try (HikariDataSource main = new HikariDataSource()) {
            main.setDataSource(CommandTestDatabase.dataSource());
            main.setPoolName("own-transaction-test");
            main.setMaximumPoolSize(1);
            main.setConnectionTimeout(2_000); // how long a wrong design would wait before failing
            TransactionTemplate request = new TransactionTemplate(new DataSourceTransactionManager(main));
            String subject = "own-pool-" + UUID.randomUUID();
            try (OwnTransaction ownTransaction = OwnTransaction.beside(main)) {
                request.executeWithoutResult(status -> {
                    insert(JdbcClient.create(main), "request-" + subject);
                    ownTransaction.run(own -> insert(own, subject));
                    status.setRollbackOnly();
                });
            }
            assertThat(count(PooledTestDatabase.jdbc(), subject)).isEqualTo(1);
        }
    }

    private static void insert(JdbcClient jdbc, String subject) {
        jdbc.sql("INSERT INTO auth_failure (scope, subject, failed_at) VALUES ('test', ?, ?)")
            .params(subject, Timestamp.from(Instant.now()))
            .update();
    }

    private static long count(JdbcClient jdbc, String subject) {
        return jdbc.sql("SELECT count(*) FROM auth_failure WHERE subject = ?").param(subject).query(Long.class).single();
    }
}
