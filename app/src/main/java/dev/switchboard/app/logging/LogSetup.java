package dev.switchboard.app.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import dev.switchboard.app.AppSettings;
import org.slf4j.LoggerFactory;

import java.util.Iterator;

/**
 * Applies the log settings to logback as configured by {@code logback.xml}: the root level, and JSON lines instead of
 * text on every console appender. Settings come from the environment or the config file, which logback cannot read
 * itself; call before anything starts.
 */
public final class LogSetup {
    private LogSetup() {}

    public static void apply(AppSettings.Logging logging) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return; // another binding: its own config
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(logging.level()));
        if (!logging.json()) return;
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                JsonLineEncoder encoder = new JsonLineEncoder();
                encoder.setContext(context);
                encoder.start();
                appender.stop();
                appender.setEncoder(encoder);
                appender.start();
            }
        }
    }
}
