package shop.ledger.standalone.reliability;

import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.deadline.dbscheduler.DbSchedulerBinaryDeadlineDetails;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import shop.ledger.standalone.StandaloneTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the kill test found, checked on the running context: Axon's units of work (processor batches, saga steps,
 * deadlines) must run in Spring transactions, so that a token, a saga's state, the deadline it schedules, the
 * events its commands append and a projection's rows commit together or not at all. Spring Boot 4 moved the
 * auto-configuration Axon 4 orders itself after, and Axon silently fell back to no transactions at all.
 */
@StandaloneTest
class AxonTransactionsTest {

    @Autowired
    TransactionManager axonTransactions;

    @Autowired
    @Qualifier("deadlineDetailsTask")
    Task<DbSchedulerBinaryDeadlineDetails> deadlineTask;

    @Test
    void axonUnitsOfWorkRunInSpringTransactions() {
        assertThat(axonTransactions).isInstanceOf(SpringTransactionManager.class);
    }

    @Test
    void aFailedDeadlineIsNotLeftForDbSchedulersFiveMinutes() {
        assertThat(deadlineTask.getName()).isEqualTo("AxonDeadline");
        assertThat(deadlineTask.getFailureHandler())
                .as("db-scheduler's default for a one-time task waits five minutes")
                .isNotInstanceOf(FailureHandler.OnFailureRetryLater.class);
    }
}
