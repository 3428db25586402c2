package io.laminar.flink.connector.nats.testutils;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Captures what one logger (and its children) logs at a level or above, as "LEVEL logger - message"
 * lines, from {@link #start(String, Level)} until {@link #close()}. Logging in tests runs in the
 * same JVM as the MiniCluster, so this sees what the sink logs on its TaskManager.
 */
public final class LogCapture implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final StringWriter captured = new StringWriter();
    private final String loggerName;
    private final WriterAppender appender;
    private final Level previousLevel;

    private LogCapture(String loggerName, Level level) {
        this.loggerName = loggerName;
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        appender =
                WriterAppender.createAppender(
                        PatternLayout.newBuilder().withPattern("%p %c - %m%n").build(),
                        null,
                        captured,
                        "log-capture-" + COUNTER.incrementAndGet(),
                        false,
                        true);
        appender.start();
        config.addAppender(appender);
        LoggerConfig logger = config.getLoggerConfig(loggerName);
        previousLevel = logger.getLevel();
        if (previousLevel == null || !previousLevel.isLessSpecificThan(level)) {
            logger.setLevel(level);
        }
        logger.addAppender(appender, level, null);
        context.updateLoggers();
    }

    /** Starts capturing {@code loggerName} (a configured logger, e.g. the connector's package). */
    public static LogCapture start(String loggerName, Level level) {
        return new LogCapture(loggerName, level);
    }

    /** The lines captured so far. */
    public synchronized List<String> lines() {
        String text = captured.toString();
        return text.isEmpty()
                ? new ArrayList<>()
                : new ArrayList<>(Arrays.asList(text.split("\n")));
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig logger = context.getConfiguration().getLoggerConfig(loggerName);
        logger.removeAppender(appender.getName());
        logger.setLevel(previousLevel);
        context.updateLoggers();
        appender.stop();
    }
}
