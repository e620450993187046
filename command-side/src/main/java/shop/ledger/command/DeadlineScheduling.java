package shop.ledger.command;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.Task;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.List;

/**
 * db-scheduler, which persists the sagas' deadlines (Axon's DbSchedulerDeadlineManager, auto-configured because this
 * Scheduler bean exists); started once Axon is up, stopped before it.
 * <p>
 * Only the command side, where the sagas live, may run it. Any instance whose scheduler polls {@code scheduled_tasks}
 * takes due deadlines; on a query side no saga resolves the deadline's scope, so Axon drops it without a word and
 * db-scheduler deletes the row: the order waiting for its status poll or submission retry never moved.
 */
@Configuration
class DeadlineScheduling {

    @Bean
    Scheduler dbScheduler(DataSource dataSource, List<Task<?>> tasks) {
        // transaction-aware: a deadline scheduled by a handler commits (or rolls back) with that handler's work
        return Scheduler.create(new TransactionAwareDataSourceProxy(dataSource), tasks)
                        .threads(4)
                        .pollingInterval(Duration.ofSeconds(1))
                        .heartbeatInterval(Duration.ofSeconds(10))
                        .build();
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
