package dev.switchboard.server.it;

import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ably-java 1.5 and in-band AUTH: a channel the new token no longer allows fails with 40160; a channel the new token
 * allows more on (publish, say) may do it at once, without attaching again.
 */
class ReauthCapabilityIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private final AblyJava ably = new AblyJava(server);

    /** A client whose every token (the first, and each one authorize() fetches) carries {@code capability}'s value then. */
    private AblyRealtime connectedWithTokensFor(WireProtocol protocol, AtomicReference<String> capability) throws Exception {
        AblyRest signer = ably.rest(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        ClientOptions options = ably.options(protocol);
        options.authCallback = params -> {
            Auth.TokenParams p = new Auth.TokenParams();
            p.capability = capability.get();
            return signer.auth.createTokenRequest(p, null);
        };
        return ably.connected(options);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aChannelTheNewTokenNoLongerAllowsFailsWith40160AndGetsNothingMore(WireProtocol protocol) throws Exception {
        String vip = SwitchboardExtension.uniqueChannel("vip");
        String open = SwitchboardExtension.uniqueChannel("open");
        AtomicReference<String> capability = new AtomicReference<>("{\"" + vip + "\":[\"subscribe\"],\"" + open + "\":[\"subscribe\"]}");
        AblyRealtime client = connectedWithTokensFor(protocol, capability);
        Channel vipChannel = client.channels.get(vip);
        Channel openChannel = client.channels.get(open);
        List<Message> vipGot = new CopyOnWriteArrayList<>();
        List<Message> openGot = new CopyOnWriteArrayList<>();
        vipChannel.subscribe(vipGot::add);
        openChannel.subscribe(openGot::add);
        assertThat(AblyJava.attach(vipChannel)).isNull();
        assertThat(AblyJava.attach(openChannel)).isNull();

        capability.set("{\"" + open + "\":[\"subscribe\"]}");
        client.auth.authorize(null, null);

        await().atMost(AblyJava.TIMEOUT).until(() -> vipChannel.state == ChannelState.failed);
        assertThat(vipChannel.reason).isNotNull();
        assertThat(vipChannel.reason.code).isEqualTo(40160);
        assertThat(openChannel.state).isEqualTo(ChannelState.attached);

        AblyRealtime publisher = ably.connected(ably.options(protocol, SwitchboardExtension.ROOT_KEY));
        assertThat(AblyJava.publish(publisher.channels.get(vip), "secret", "after narrowing")).isNull();
        assertThat(AblyJava.publish(publisher.channels.get(open), "public", "still allowed")).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> openGot.size() == 1);
        assertThat(vipGot).as("nothing on the channel the token no longer allows").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void anAttachedChannelMayPublishAsSoonAsTheNewTokenAllowsIt(WireProtocol protocol) throws Exception {
        String name = SwitchboardExtension.uniqueChannel("widened");
        AtomicReference<String> capability = new AtomicReference<>("{\"" + name + "\":[\"subscribe\"]}");
        AblyRealtime client = connectedWithTokensFor(protocol, capability);
        Channel channel = client.channels.get(name);
        List<Message> got = new CopyOnWriteArrayList<>();
        channel.subscribe(got::add);
        assertThat(AblyJava.attach(channel)).isNull();
        assertThat(AblyJava.publish(channel, "n", "refused").code).isEqualTo(40160);

        capability.set("{\"" + name + "\":[\"subscribe\",\"publish\"]}");
        client.auth.authorize(null, null);

        await().atMost(AblyJava.TIMEOUT).untilAsserted(() -> assertThat(AblyJava.publish(channel, "n", "allowed now")).isNull());
        assertThat(channel.state).isEqualTo(ChannelState.attached);
        await().atMost(AblyJava.TIMEOUT).until(() -> got.stream().anyMatch(m -> "allowed now".equals(m.data)));
    }
}
