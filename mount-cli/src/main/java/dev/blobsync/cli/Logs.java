package dev.blobsync.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where developer logs go. User output (sentences on stdout and stderr) is printed by the
 * commands, never logged. Logs go to {@code <cache>/logs/blobsync.log}, rotated at
 * {@link #MAX_FILE_SIZE} into {@code blobsync.1.log} … {@code blobsync.N.log} (at most
 * {@link #FILES} files in all), once a command has opened a cache folder; with
 * {@code --verbose} they are also printed on stderr.
 *
 * <p>Only the real process ({@link Main#main}) sets this up: tests run many commands in one JVM
 * and keep their own logging configuration.
 */
final class Logs {
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n";
    /** 4MB per file; the system property {@code blobsync.log.maxFileSize} (e.g. 20KB) changes it, for tests. */
    static final FileSize MAX_FILE_SIZE = FileSize.valueOf(System.getProperty("blobsync.log.maxFileSize", "4MB"));
    static final int FILES = 4;

    private static boolean managed;
    private static Path logFile;

    private Logs() {
    }

    /** Takes over logging for this process: silent, or on stderr with {@code verbose}. */
    static synchronized void manage(boolean verbose) {
        managed = true;
        LoggerContext ctx = context();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.setLevel(verbose ? Level.DEBUG : Level.INFO);
        // Libraries that chat at DEBUG stay at INFO even when verbose.
        for (String noisy : new String[] {"software.amazon", "org.apache", "io.netty", "org.jline", "me.tongfei"}) {
            ctx.getLogger(noisy).setLevel(Level.INFO);
        }
        if (verbose) {
            ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> console = new ConsoleAppender<>();
            console.setContext(ctx);
            console.setName("stderr");
            console.setTarget("System.err");
            console.setEncoder(encoder(ctx));
            console.start();
            root.addAppender(console);
        }
    }

    /** Also writes logs to {@code <cacheDir>/logs/blobsync.log}, when this process manages logging. */
    static synchronized void toCacheFolder(Path cacheDir) {
        if (!managed || logFile != null) {
            return;
        }
        logFile = cacheDir.resolve("logs").resolve("blobsync.log");
        LoggerContext ctx = context();
        RollingFileAppender<ch.qos.logback.classic.spi.ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(ctx);
        file.setName("file");
        file.setFile(logFile.toString());
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(ctx);
        rolling.setParent(file);
        rolling.setFileNamePattern(cacheDir.resolve("logs").resolve("blobsync.%i.log").toString());
        rolling.setMinIndex(1);
        rolling.setMaxIndex(FILES - 1);
        rolling.start();
        SizeBasedTriggeringPolicy<ch.qos.logback.classic.spi.ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(ctx);
        trigger.setMaxFileSize(MAX_FILE_SIZE);
        // Logback looks at the file's size once a minute by default: a burst could overshoot by far.
        trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildByMilliseconds(500));
        trigger.start();
        file.setRollingPolicy(rolling);
        file.setTriggeringPolicy(trigger);
        file.setEncoder(encoder(ctx));
        file.start();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(file);
    }

    /** The log file of this process, or null while it logs to no file. */
    static synchronized Path file() {
        return logFile;
    }

    private static PatternLayoutEncoder encoder(LoggerContext ctx) {
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern(PATTERN);
        enc.start();
        return enc;
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
