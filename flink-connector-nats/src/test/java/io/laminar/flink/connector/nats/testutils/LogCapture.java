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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Captures what one logger (and its children), or every logger, logs at a level or above, as "LEVEL
 * logger - message" lines (an exception's stack trace after its line), from {@link #start(String,
 * Level)} or {@link #everything(Level)} until {@link #close()}. Logging in tests runs in the same
 * JVM as the MiniCluster, so this sees what the sink logs on its TaskManager.
 */
public final class LogCapture implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final StringWriter captured = new StringWriter();
    private final WriterAppender appender;

    /** The logger configurations whose level this capture may have lowered, with their levels. */
    private final Map<String, Level> previousLevels = new LinkedHashMap<>();

    /** The logger configurations the appender is attached to. */
    private final List<String> attachedTo = new ArrayList<>();

    /**
     * Lowers each of {@code loggerNames}' configurations to {@code level} (where it is stricter)
     * and attaches the capturing appender to those that {@code attach} accepts.
     */
    private LogCapture(Level level, Set<String> loggerNames, Predicate<LoggerConfig> attach) {
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
        for (String loggerName : loggerNames) {
            LoggerConfig logger = config.getLoggerConfig(loggerName);
            Level previousLevel = logger.getLevel();
            previousLevels.put(loggerName, previousLevel);
            if (previousLevel == null || !previousLevel.isLessSpecificThan(level)) {
                logger.setLevel(level);
            }
            if (attach.test(logger)) {
                logger.addAppender(appender, level, null);
                attachedTo.add(loggerName);
            }
        }
        context.updateLoggers();
    }

    /** Starts capturing {@code loggerName} (a configured logger, e.g. the connector's package). */
    public static LogCapture start(String loggerName, Level level) {
        return new LogCapture(level, Collections.singleton(loggerName), logger -> true);
    }

    /**
     * Starts capturing every logger at {@code level} or above: every configured logger (the root
     * included) logs at that level for the time being, and each event is captured once.
     */
    public static LogCapture everything(Level level) {
        Configuration config = ((LoggerContext) LogManager.getContext(false)).getConfiguration();
        Set<String> loggerNames = new LinkedHashSet<>();
        loggerNames.add(LogManager.ROOT_LOGGER_NAME);
        loggerNames.addAll(config.getLoggers().keySet());
        // An event goes up to the root's appenders, unless a logger on the way is not additive.
        return new LogCapture(
                level, loggerNames, logger -> logger.getParent() == null || !logger.isAdditive());
    }

    /** The lines captured so far. */
    public synchronized List<String> lines() {
        String text = captured.toString();
        return text.isEmpty()
                ? new ArrayList<>()
                : new ArrayList<>(Arrays.asList(text.split("\n")));
    }

    /** Everything captured so far, as one text. */
    public synchronized String text() {
        return captured.toString();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        for (String loggerName : attachedTo) {
            config.getLoggerConfig(loggerName).removeAppender(appender.getName());
        }
        previousLevels.forEach(
                (loggerName, level) -> config.getLoggerConfig(loggerName).setLevel(level));
        context.updateLoggers();
        appender.stop();
    }
}
