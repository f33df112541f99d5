package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import org.junit.jupiter.api.Test;

import static dev.switchboard.server.auth.PrincipalTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;

class ClientIdPolicyTest {
    private static final Principal KEY = new Principal("app", "app.key", null, Capability.ALL, 0, null);
    private static final Principal ANONYMOUS_TOKEN = new Principal("app", "app.key", null, Capability.ALL, 1, "tok");
    private static final Principal WILDCARD_TOKEN = new Principal("app", "app.key", "*", Capability.ALL, 1, "tok");
    private static final Principal ALICE_TOKEN = new Principal("app", "app.key", "alice", Capability.ALL, 1, "tok");

    private static Message withClientId(String clientId) {
        return new Message("id", "n", clientId, null, null, new Payload("d", null), null, null);
    }

    @Test
    void absentClientIdIsFilledWithThePublishers() {
        Message m = ClientIdPolicy.permit(withClientId(null), "alice", ALICE_TOKEN, 256);
        assertThat(m).isEqualTo(withClientId("alice"));
    }

    @Test
    void absentClientIdStaysAbsentForAnAnonymousPublisher() {
        Message m = withClientId(null);
        assertThat(ClientIdPolicy.permit(m, null, KEY, 256)).isSameAs(m);
        assertThat(ClientIdPolicy.permit(m, null, ANONYMOUS_TOKEN, 256)).isSameAs(m);
    }

    @Test
    void matchingClientIdPasses() {
        Message m = withClientId("alice");
        assertThat(ClientIdPolicy.permit(m, "alice", ALICE_TOKEN, 256)).isSameAs(m);
        assertThat(ClientIdPolicy.permit(m, "alice", KEY, 256)).isSameAs(m);
    }

    @Test
    void starIsNeverAMessagesClientId() {
        assertCode(40012, () -> ClientIdPolicy.permit(withClientId("*"), null, KEY, 256));
        assertCode(40012, () -> ClientIdPolicy.permit(withClientId("*"), null, WILDCARD_TOKEN, 256));
    }

    @Test
    void otherClientIdThanThePublishersIs40012() {
        assertCode(40012, () -> ClientIdPolicy.permit(withClientId("bob"), "alice", ALICE_TOKEN, 256));
        assertCode(40012, () -> ClientIdPolicy.permit(withClientId("bob"), "alice", KEY, 256));
        assertCode(40012, () -> ClientIdPolicy.permit(withClientId("bob"), "alice", WILDCARD_TOKEN, 256));
    }

    @Test
    void anonymousKeyOrWildcardTokenMayNameAnyClientId() {
        Message m = withClientId("bob");
        assertThat(ClientIdPolicy.permit(m, null, KEY, 256)).isSameAs(m);
        assertThat(ClientIdPolicy.permit(m, null, WILDCARD_TOKEN, 256)).isSameAs(m);
    }

    @Test
    void tokenWithoutClientIdCannotNameOne() {
        assertCode(40012, () -> ClientIdPolicy.permit(withClientId("bob"), null, ANONYMOUS_TOKEN, 256));
    }
}
