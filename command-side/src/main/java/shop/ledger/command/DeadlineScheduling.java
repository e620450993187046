package shop.ledger.command;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import org.axonframework.deadline.dbscheduler.DbSchedulerBinaryDeadlineDetails;
import org.axonframework.deadline.dbscheduler.DbSchedulerDeadlineManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

import javax.sql.DataSource;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * db-scheduler, which persists the sagas' deadlines (Axon's DbSchedulerDeadlineManager, auto-configured because this
 * Scheduler bean exists); started once Axon is up, stopped before it.
 * <p>
 * Only the command side, where the sagas live, may run it. Any instance whose scheduler polls {@code scheduled_tasks}
 * takes due deadlines; on a query side no saga resolves the deadline's scope, so Axon would drop it without a word and
 * db-scheduler delete the row (SplitDeploymentTest).
 * <p>
 * Two settings differ from the defaults (RELIABILITY.md, process-level finding 8; LedgerKillTest, ScaleOutTest):
 * <ul>
 *   <li>A deadline whose handling failed (its unit of work rolled back: e.g. the capture after a status poll lost
 *   the wallet's append race to another command side) is tried again after {@link #FIRST_RETRY}, doubling up to
 *   {@link #LONGEST_RETRY}, not db-scheduler's default five minutes.</li>
 *   <li>A deadline picked by an instance that died (kill -9) is picked again after {@link #HEARTBEAT} x
 *   {@link #MISSED_HEARTBEATS} (20 s) instead of a minute. Each instance picks under its own name (host and pid):
 *   with the default, the host name, every instance on one machine looked alike in {@code picked_by}.</li>
 * </ul>
 */
@Configuration
class DeadlineScheduling {

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LONGEST_RETRY = Duration.ofMinutes(1);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final int MISSED_HEARTBEATS = 4;

    private static final Logger LOG = LoggerFactory.getLogger(DeadlineScheduling.class);

    @Bean
    Scheduler dbScheduler(DataSource dataSource, List<Task<?>> tasks) {
        // transaction-aware: a deadline scheduled by a handler commits (or rolls back) with that handler's work
        return Scheduler.create(new TransactionAwareDataSourceProxy(dataSource), tasks)
                        .threads(4)
                        .pollingInterval(Duration.ofSeconds(1))
                        .heartbeatInterval(HEARTBEAT)
                        .missedHeartbeatsLimit(MISSED_HEARTBEATS)
                        .schedulerName(new SchedulerName.Fixed(instanceName()))
                        .build();
    }

    /**
     * Axon's deadline task (replacing the one its auto-configuration would declare under this qualifier): the same
     * execution, with {@link RetrySoon} when it fails.
     */
    @Bean
    @Qualifier("deadlineDetailsTask")
    Task<DbSchedulerBinaryDeadlineDetails> deadlineDetailsTask(ApplicationContext context) {
        Task<DbSchedulerBinaryDeadlineDetails> axonTask =
                DbSchedulerDeadlineManager.binaryTask(() -> context.getBean(DbSchedulerDeadlineManager.class));
        return Tasks.oneTime(axonTask.getName(), DbSchedulerBinaryDeadlineDetails.class)
                    .onFailure(new RetrySoon<>())
                    .onDeadExecutionRevive()
                    .execute(axonTask::execute);
    }

    /** Tries a failed deadline again after 1 s, 2 s, 4 s ... at most a minute apart, for as long as it fails. */
    static final class RetrySoon<T> implements FailureHandler<T> {

        static Duration delayAfter(int consecutiveFailures) {
            Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(Math.max(consecutiveFailures - 1, 0), 16));
            return delay.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : delay;
        }

        @Override
        public void onFailure(ExecutionComplete complete, ExecutionOperations<T> operations) {
            int failures = complete.getExecution().consecutiveFailures + 1;
            Duration delay = delayAfter(failures);
            LOG.warn("deadline {} failed ({} in a row), tried again in {}: {}", complete.getExecution().taskInstance.getId(),
                    failures, delay, complete.getCause().map(Throwable::toString).orElse("?"));
            operations.reschedule(complete, Instant.now().plus(delay));
        }
    }

    private static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception unknown) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    @Bean
    SmartLifecycle dbSchedulerLifecycle(Scheduler scheduler) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                scheduler.start();
                running = true;
            }

            @Override
            public void stop() {
                scheduler.stop();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                // after Axon's own lifecycle (processors, sagas) has started
                return Integer.MAX_VALUE - 100;
            }
        };
    }
}
