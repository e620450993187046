package shop.ledger.standalone.privacy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every log line of the JVM, from the start of the privacy test's context on, into one file, whatever appenders
 * the application configured: Spring Boot initialises logging once per test JVM, so a {@code logging.file.name} of
 * a later context would never take effect. Stack traces are written whole.
 */
final class CapturedLog {

    static final Path FILE = Path.of("target", "privacy-scan", "ledger.log");
    private static FileAppender<ILoggingEvent> appender;

    private CapturedLog() {
    }

    static synchronized void start() {
        if (appender != null) {
            return;
        }
        try {
            Files.createDirectories(FILE.getParent());
            Files.deleteIfExists(FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{ISO8601} %-5level [%thread] %logger : %msg%n%ex{full}");
        encoder.start();
        appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("privacy-scan");
        appender.setFile(FILE.toString());
        appender.setAppend(false);
        appender.setEncoder(encoder);
        appender.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    static synchronized void stop() {
        if (appender != null) {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            appender.stop();
            appender = null;
        }
    }
}
