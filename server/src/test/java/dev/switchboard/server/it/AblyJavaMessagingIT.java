package dev.switchboard.server.it;

import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.switchboard.server.testing.AblyJava.TIMEOUT;
import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** ably-java 1.5.0 publishes and subscribes through Switchboard; capability, echo and size rules hold. */
class AblyJavaMessagingIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private final AblyJava ably = new AblyJava(server);

    private AblyRealtime client(WireProtocol protocol, String key, String clientId) {
        ClientOptions options = ably.options(protocol, key);
        options.clientId = clientId;
        return ably.connected(options);
    }

    private static List<Message> subscribe(Channel channel) throws Exception {
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        assertThat(AblyJava.attach(channel)).as("attach error").isNull();
        return received;
    }

    private static Message awaitMessage(List<Message> received, String name) {
        return await().atMost(TIMEOUT).until(() -> received.stream().filter(m -> name.equals(m.name)).findFirst().orElse(null),
                java.util.Objects::nonNull);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void twoClientsSeeEachOthersMessages(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("pubsub");
        AblyRealtime alice = client(protocol, SwitchboardExtension.ROOT_KEY, "alice");
        AblyRealtime bob = client(protocol, SwitchboardExtension.ROOT_KEY, "bob");
        Channel aliceChannel = alice.channels.get(name);
        Channel bobChannel = bob.channels.get(name);
        List<Message> aliceGot = subscribe(aliceChannel);
        List<Message> bobGot = subscribe(bobChannel);

        assertThat(AblyJava.publish(aliceChannel, "from-alice", "hello bob")).isNull();
        assertThat(AblyJava.publish(bobChannel, "from-bob", "hello alice")).isNull();

        Message atBob = awaitMessage(bobGot, "from-alice");
        assertThat(atBob.data).isEqualTo("hello bob");
        assertThat(atBob.clientId).isEqualTo("alice");
        assertThat(atBob.connectionId).isEqualTo(alice.connection.id);
        assertThat(atBob.id).isNotBlank().doesNotStartWith("null");
        assertThat(atBob.timestamp).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis() + 1000);

        Message atAlice = awaitMessage(aliceGot, "from-bob");
        assertThat(atAlice.data).isEqualTo("hello alice");
        assertThat(atAlice.clientId).isEqualTo("bob");
        assertThat(atAlice.connectionId).isEqualTo(bob.connection.id);
        assertThat(atAlice.id).isNotBlank().isNotEqualTo(atBob.id);
        assertThat(atAlice.timestamp).isPositive();

        // Both see the same message with the same id (echo is on by default).
        assertThat(awaitMessage(aliceGot, "from-alice").id).isEqualTo(atBob.id);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void echoMessagesFalseKeepsOwnMessagesAway(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("echo");
        ClientOptions quietOptions = ably.options(protocol, SwitchboardExtension.ROOT_KEY);
        quietOptions.echoMessages = false;
        AblyRealtime quiet = ably.connected(quietOptions);
        AblyRealtime other = client(protocol, SwitchboardExtension.ROOT_KEY, null);
        Channel quietChannel = quiet.channels.get(name);
        List<Message> quietGot = subscribe(quietChannel);
        List<Message> otherGot = subscribe(other.channels.get(name));

        assertThat(AblyJava.publish(quietChannel, "own", "1")).isNull();
        awaitMessage(otherGot, "own");
        assertThat(AblyJava.publish(other.channels.get(name), "theirs", "2")).isNull();

        // One channel keeps order: once "theirs" arrived, "own" would have arrived before it.
        awaitMessage(quietGot, "theirs");
        assertThat(quietGot).extracting(m -> m.name).containsExactly("theirs");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void restPublishReachesRealtimeSubscriber(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("rest");
        AblyRealtime subscriber = client(protocol, SwitchboardExtension.ROOT_KEY, null);
        List<Message> got = subscribe(subscriber.channels.get(name));
        ClientOptions restOptions = ably.options(protocol, SwitchboardExtension.ROOT_KEY);
        restOptions.clientId = "rest-publisher";
        AblyRest rest = ably.rest(restOptions);

        rest.channels.get(name).publish("via-rest", "rest data");

        Message m = awaitMessage(got, "via-rest");
        assertThat(m.data).isEqualTo("rest data");
        assertThat(m.clientId).isEqualTo("rest-publisher");
        assertThat(m.id).isNotBlank();
        assertThat(m.timestamp).isPositive();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void attachOutsideCapabilityFailsTheChannelWith40160(WireProtocol protocol) throws Exception {
        AblyRealtime client = client(protocol, SwitchboardExtension.RESTRICTED_KEY, null);
        Channel denied = client.channels.get(uniqueChannel("denied"));

        ErrorInfo error = AblyJava.attach(denied);

        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40160);
        assertThat(error.statusCode).isEqualTo(401);
        assertThat(denied.state).isEqualTo(ChannelState.failed);
        assertThat(denied.reason.code).isEqualTo(40160);
        // The connection and channels inside the capability are unaffected.
        assertThat(client.connection.state).isEqualTo(ConnectionState.connected);
        Channel allowed = client.channels.get("allowed:" + uniqueChannel("ok"));
        List<Message> got = subscribe(allowed);
        assertThat(AblyJava.publish(allowed, "ok", "fine")).isNull();
        awaitMessage(got, "ok");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void subscribeOnlyKeyCannotPublish(WireProtocol protocol) throws Exception {
        AblyRealtime client = client(protocol, SwitchboardExtension.SUBSCRIBE_ONLY_KEY, null);
        Channel channel = client.channels.get(uniqueChannel("readonly"));
        subscribe(channel);

        ErrorInfo error = AblyJava.publish(channel, "nope", "x");

        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40160);
        assertThat(client.connection.state).isEqualTo(ConnectionState.connected);
        assertThat(channel.state).isEqualTo(ChannelState.attached);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void oversizedMessageIsNackedWith40009AndTheConnectionStays(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("big");
        AblyRealtime client = client(protocol, SwitchboardExtension.ROOT_KEY, null);
        Channel channel = client.channels.get(name);
        List<Message> got = subscribe(channel);

        // ably-java 1.5.0 has no client-side size check, so this NACK comes from the server.
        ErrorInfo error = AblyJava.publish(channel, "too-big", "x".repeat(65_537));

        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40009);
        assertThat(client.connection.state).isEqualTo(ConnectionState.connected);
        assertThat(AblyJava.publish(channel, "small", "fits")).isNull();
        awaitMessage(got, "small");
        assertThat(got).extracting(m -> m.name).doesNotContain("too-big");
    }
}
