package dev.switchboard.server.broker;

import dev.switchboard.server.broker.Broker.Retention;
import dev.switchboard.server.testing.MovableClock;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryBrokerTest extends BrokerContract {
    private final MovableClock clock = new MovableClock(1_700_000_000_000L);
    private MemoryBroker shared;

    /** Every "node" of a test shares one memory broker: it is a single node's broker. */
    @Override
    protected Broker newBroker(Retention retention) {
        if (shared == null || retention != ROOMY) shared = new MemoryBroker(clock, retention);
        return shared;
    }

    @Override
    protected void passTime(long ms) { clock.advance(ms); }

    @Test
    void aForgottenLogStartsANewEpoch() throws Exception {
        broker.close();
        MemoryBroker memory = new MemoryBroker(clock, new Retention(1_000, 0, 100, 1_000));
        broker = memory;
        ChannelKey c = channel();
        StreamPosition before = get(memory.publish(c, List.of(entry("a", "x")))).top();
        clock.advance(1_500);
        assertThat(memory.forgetIdle()).isEqualTo(1);
        StreamPosition after = get(memory.top(c));
        assertThat(after.epoch()).isNotEqualTo(before.epoch());
        assertThat(get(memory.since(c, before, 10)).continuous()).isFalse();
    }
}
