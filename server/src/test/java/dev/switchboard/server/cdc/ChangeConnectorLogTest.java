package dev.switchboard.server.cdc;

import org.junit.jupiter.api.Test;

import java.net.UnknownHostException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** The connector's retry line names the real cause (before: a 25-line stack trace per retry, the cause buried). */
class ChangeConnectorLogTest {
    @Test
    void theRetryLineEndsWithTheInnermostCause() {
        SQLException wrapped = new SQLException("The connection attempt failed.", new UnknownHostException("db"));
        assertThat(ChangeConnector.rootCause(wrapped, "The connection attempt failed.")).isEqualTo(" (cause: UnknownHostException: db)");
    }

    @Test
    void nothingIsRepeatedWhenTheMessageIsTheCause() {
        SQLException alone = new SQLException("password authentication failed for user \"chat\"");
        assertThat(ChangeConnector.rootCause(alone, "password authentication failed for user \"chat\"")).isEmpty();
        assertThat(ChangeConnector.rootCause(null, "x")).isEmpty();
    }
}
