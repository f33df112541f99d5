package dev.switchboard.server.broker;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class RedisBrokerKeysTest {
    private static String meta(String app, String name) {
        return new String(new RedisBroker.ChannelKeys(new ChannelKey(app, name)).meta, StandardCharsets.UTF_8);
    }

    @Test
    void theHashTagIsReadableAndWellFormedWhateverTheName() {
        assertThat(meta("app", "chat")).isEqualTo("sb:{app:chat}:meta");
        String braces = meta("a{p}p", "ro}om{");
        assertThat(braces).isEqualTo("sb:{a%7Bp%7Dp:ro%7Dom%7B}:meta");
        // Redis hashes what lies between the first '{' and the next '}': the whole tag
        assertThat(braces.substring(braces.indexOf('{') + 1, braces.indexOf('}'))).isEqualTo("a%7Bp%7Dp:ro%7Dom%7B");
    }

    @Test
    void twoChannelsNeverShareKeys() {
        assertThat(meta("a:b", "c")).isNotEqualTo(meta("a", "b:c"));
        assertThat(meta("a", "%7B")).isNotEqualTo(meta("a", "{"));
    }

    @Test
    void idKeysAndTheNoticeChannelCarryTheChannelsTag() {
        RedisBroker.ChannelKeys keys = new RedisBroker.ChannelKeys(new ChannelKey("app", "chat"));
        assertThat(new String(keys.idKey("x:{y}"), StandardCharsets.UTF_8)).isEqualTo("sb:{app:chat}:id:x:{y}");
        assertThat(new String(keys.notices, StandardCharsets.UTF_8)).isEqualTo("sb:{app:chat}:notices");
        assertThat(new String(keys.log, StandardCharsets.UTF_8)).isEqualTo("sb:{app:chat}:log");
    }

    @Test
    void aTagGivesItsChannelBack() {
        for (ChannelKey c : new ChannelKey[]{new ChannelKey("app", "chat"), new ChannelKey("a:b%7B", "{x}:%y%"), new ChannelKey("", "")}) {
            assertThat(RedisSupport.untag(RedisSupport.tag(c))).isEqualTo(c);
        }
    }
}
