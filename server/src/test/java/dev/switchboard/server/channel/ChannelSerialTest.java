package dev.switchboard.server.channel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelSerialTest {

    @Test
    void formatsAndParsesBack() {
        ChannelSerial s = new ChannelSerial("lq3k9a1b", 42);
        assertThat(s.format()).isEqualTo("lq3k9a1b:42");
        assertThat(s).hasToString("lq3k9a1b:42");
        assertThat(ChannelSerial.parse("lq3k9a1b:42")).isEqualTo(s);
    }

    @Test
    void epochMayContainColonsTheCounterIsAfterTheLast() {
        assertThat(ChannelSerial.parse("a:b:7")).isEqualTo(new ChannelSerial("a:b", 7));
    }

    @Test
    void foreignTextIsNull() {
        assertThat(ChannelSerial.parse(null)).isNull();
        assertThat(ChannelSerial.parse("")).isNull();
        assertThat(ChannelSerial.parse("noColon")).isNull();
        assertThat(ChannelSerial.parse(":5")).isNull();
        assertThat(ChannelSerial.parse("ep:")).isNull();
        assertThat(ChannelSerial.parse("ep:x")).isNull();
        assertThat(ChannelSerial.parse("ep:99999999999999999999")).isNull();
    }
}
