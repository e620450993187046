package shop.ledger.query.position;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Wakes the waiting reads ({@link PositionWaiters}) when any instance's processor stores a token: the token table's
 * trigger (migration V18) notifies channel {@value #CHANNEL} when its transaction commits, and this instance listens
 * on one connection of its own, from one thread. A lost connection is opened again after a pause, and the reads are
 * checked again then, as notifications sent meanwhile are lost.
 */
@Component
public class TokenCommitListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TokenCommitListener.class);

    static final String CHANNEL = "ledger_token_stored";
    /** How long one wait for notifications blocks before the thread looks whether it should stop. */
    private static final int WAIT_MILLIS = 200;
    private static final long RECONNECT_PAUSE_MILLIS = 1000;

    private final DataSource dataSource;
    private final PositionWaiters waiters;
    private volatile boolean running;
    private volatile Thread thread;

    public TokenCommitListener(DataSource dataSource, PositionWaiters waiters) {
        this.dataSource = dataSource;
        this.waiters = waiters;
    }

    @Override
    public void start() {
        running = true;
        Thread listener = new Thread(this::listen, "token-commit-listener");
        listener.setDaemon(true);
        thread = listener;
        listener.start();
    }

    @Override
    public void stop() {
        running = false;
        Thread listener = thread;
        if (listener != null) {
            listener.interrupt();
            try {
                listener.join(WAIT_MILLIS * 3L); // its connection goes back to the pool before the pool closes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                PGConnection postgres = connection.unwrap(PGConnection.class);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                if (!connection.getAutoCommit()) {
                    connection.commit(); // LISTEN takes effect at commit
                }
                waiters.wake(); // anything stored while not listening
                try {
                    while (running) {
                        PGNotification[] notifications = postgres.getNotifications(WAIT_MILLIS);
                        if (notifications != null && notifications.length > 0) {
                            waiters.wake();
                        }
                    }
                } finally {
                    unlisten(connection); // the connection goes back to the pool
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                log.debug("listening for stored tokens failed; listening again in {} ms", RECONNECT_PAUSE_MILLIS, e);
                pause();
            }
        }
    }

    private static void unlisten(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("UNLISTEN *");
        } catch (SQLException | RuntimeException e) {
            log.debug("could not stop listening on a connection going back to the pool", e);
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
