package shop.ledger.command.identity;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Failed attempts and consumed codes outlive the request's transaction, on a pool of their own. */
class IndependentJdbcTest {

    @Test
    void statementsCommitOnTheirOwnWhenTheRequestRollsBack() {
        DataSource main = PooledTestDatabase.dataSource();
        JdbcClient jdbc = JdbcClient.create(main);
        TransactionTemplate request = new TransactionTemplate(new DataSourceTransactionManager(main));
        for (IndependentJdbc independent : new IndependentJdbc[]{IndependentJdbc.beside(main),
                IndependentJdbc.standalone(main)}) {
            try (independent) {
                String inside = "inside-" + UUID.randomUUID();
                String outside = "outside-" + UUID.randomUUID();
                request.executeWithoutResult(status -> {
                    insert(jdbc, inside);
                    insert(independent.jdbc(), outside);
                    status.setRollbackOnly();
                });
                assertThat(count(jdbc, inside)).isZero();
                assertThat(count(jdbc, outside)).isEqualTo(1);
            }
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
