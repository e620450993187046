package shop.ledger.platform.web;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseFailuresTest {

    @Test
    void anSqlStateIsFoundAlongTheCauseChainAndOnABatchsNextException() {
        SQLException lockTimeout = new SQLException("canceling statement due to lock timeout", "55P03");
        assertThat(DatabaseFailures.hasSqlState(new DataIntegrityViolationException("wrapped", lockTimeout),
                "55P03", "40P01")).isTrue();

        BatchUpdateException batch = new BatchUpdateException("batch entry 0 failed", "", 0, new int[0], null);
        batch.setNextException(new SQLException("duplicate key value violates unique constraint", "23505"));
        assertThat(DatabaseFailures.hasSqlState(new RuntimeException(batch), "23505")).isTrue();

        assertThat(DatabaseFailures.hasSqlState(new RuntimeException(batch), "55P03")).isFalse();
        assertThat(DatabaseFailures.hasSqlState(new RuntimeException("no SQL at all"), "23505")).isFalse();
    }

    @Test
    void theDatabaseIsAwayOnAConnectionStateOrHikarisClosedConnectionButNotOnAConstraint() {
        assertThat(DatabaseFailures.isDatabaseUnavailable(
                new IllegalStateException(new SQLException("An I/O error occurred", "08006")))).isTrue();
        assertThat(DatabaseFailures.isDatabaseUnavailable(new SQLException("Connection is closed"))).isTrue();
        assertThat(DatabaseFailures.isDatabaseUnavailable(
                new IllegalStateException(new SQLException("duplicate key", "23505")))).isFalse();
    }
}
