package dev.switchboard.app.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.switchboard.app.AppSettings;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class LogSetupTest {
    @Test
    void theLevelAndTheJsonFormatAreAppliedToTheConfiguredConsoleAppender() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> stdout = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT");
        Level levelBefore = root.getLevel();
        Encoder<ILoggingEvent> encoderBefore = stdout.getEncoder();
        try {
            LogSetup.apply(new AppSettings.Logging("WARN", "json"));
            assertThat(root.getLevel()).isEqualTo(Level.WARN);
            assertThat(LoggerFactory.getLogger("dev.switchboard.any").isInfoEnabled()).isFalse();
            assertThat(stdout.getEncoder()).isInstanceOf(JsonLineEncoder.class);
            assertThat(stdout.isStarted()).isTrue();

            LogSetup.apply(new AppSettings.Logging("DEBUG", "text"));
            assertThat(LoggerFactory.getLogger("dev.switchboard.any").isDebugEnabled()).isTrue();
        } finally {
            root.setLevel(levelBefore);
            stdout.stop();
            stdout.setEncoder(encoderBefore);
            stdout.start();
        }
    }
}
