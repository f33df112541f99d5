package dev.switchboard.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A generated root key is announced by name and file, never with its secret. */
class RootKeyLoggingTest {
    @TempDir
    Path dir;

    @Test
    void theGeneratedRootKeysSecretIsNotLogged() {
        Logger logger = (Logger) LoggerFactory.getLogger(SwitchboardServer.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            String key = SwitchboardServer.withRootKey(ServerConfig.defaults(null, dir)).rootKey();
            String secret = key.substring(key.indexOf(':') + 1);
            String name = key.substring(0, key.indexOf(':'));
            assertThat(appender.list).as("the announcement").anySatisfy(e -> assertThat(e.getFormattedMessage())
                    .contains(name).contains(dir.resolve("root-key").toString()));
            assertThat(appender.list).noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains(secret));
        } finally {
            logger.detachAppender(appender);
        }
    }
}
