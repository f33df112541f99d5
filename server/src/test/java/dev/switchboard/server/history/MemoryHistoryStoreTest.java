package dev.switchboard.server.history;

import dev.switchboard.server.channel.ChannelEvent;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.ProtocolMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryHistoryStoreTest {
    private long seq;

    /** An event of {@code n} messages accepted at {@code timestamp}, serials continuing from the previous one. */
    private ChannelEvent event(long timestamp, int n) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seq++;
            messages.add(new Message("m" + seq, null, null, null, timestamp, new Payload("d" + seq, null), null, "e:" + seq));
        }
        return new ChannelEvent(seq, timestamp, null, messages, List.of(), new EncodedFrame(ProtocolMessage.of(Action.MESSAGE, "c")));
    }

    private ChannelEvent presenceEvent(long timestamp) {
        seq++;
        PresenceMessage p = new PresenceMessage("p" + seq, PresenceMessage.ENTER, "a", "c", timestamp, Payload.EMPTY, null);
        return new ChannelEvent(seq, timestamp, "c", List.of(), List.of(p), new EncodedFrame(ProtocolMessage.of(Action.PRESENCE, "c")));
    }

    @Test
    void keepsEverythingYoungerThanMaxAge() {
        MemoryHistoryStore store = new MemoryHistoryStore(new RetentionPolicy(1000, 0, 100));
        ChannelEvent a = event(0, 1), b = event(500, 1), c = event(1000, 1);
        store.append(a);
        store.append(b);
        store.append(c);

        assertThat(store.prune(1000)).isEmpty();
        assertThat(store.prune(1001)).containsExactly(a);
        assertThat(store.prune(1600)).containsExactly(b);
        assertThat(store.events()).containsExactly(c);
        assertThat(store.oldest()).isSameAs(c);
    }

    @Test
    void keepsAtLeastMinMessagesRegardlessOfAge() {
        MemoryHistoryStore store = new MemoryHistoryStore(new RetentionPolicy(1000, 3, 100));
        ChannelEvent a = event(0, 2), b = event(0, 2), c = event(0, 1);
        store.append(a);
        store.append(b);
        store.append(c);

        // 5 items, all expired: dropping a leaves 3, dropping b would leave 1 < 3
        assertThat(store.prune(10_000)).containsExactly(a);
        assertThat(store.events()).containsExactly(b, c);
        assertThat(store.prune(20_000)).isEmpty();
    }

    @Test
    void pruningBelowTheFloorDropsEveryExpiredEventButKeepsYoungerOnes() {
        MemoryHistoryStore store = new MemoryHistoryStore(new RetentionPolicy(1000, 3, 100));
        ChannelEvent a = event(0, 2), b = event(0, 2), c = event(5_000, 1);
        store.append(a);
        store.append(b);
        store.append(c);
        assertThat(store.prune(5_500)).as("the floor keeps 3 items").containsExactly(a);

        assertThat(store.pruneBelowFloor(5_500)).as("without the floor only the young event stays").containsExactly(b);
        assertThat(store.events()).containsExactly(c);
        assertThat(store.pruneBelowFloor(6_001)).containsExactly(c);
        assertThat(store.oldest()).isNull();
        assertThat(store.prune(6_001)).isEmpty();
    }

    @Test
    void neverKeepsMoreThanMaxMessagesWhateverTheirAge() {
        MemoryHistoryStore store = new MemoryHistoryStore(new RetentionPolicy(60_000, 10, 4));
        ChannelEvent a = event(0, 2), b = event(0, 2), c = event(0, 1);
        store.append(a);
        store.append(b);
        assertThat(store.prune(0)).isEmpty();
        store.append(c);

        assertThat(store.prune(0)).containsExactly(a);
        assertThat(store.events()).containsExactly(b, c);
    }

    @Test
    void presenceEventsCountByTheirItems() {
        MemoryHistoryStore store = new MemoryHistoryStore(new RetentionPolicy(60_000, 0, 2));
        ChannelEvent p1 = presenceEvent(0), m = event(0, 1), p2 = presenceEvent(0);
        store.append(p1);
        store.append(m);
        store.append(p2);
        assertThat(store.prune(0)).containsExactly(p1);
    }

    @Test
    void afterReturnsEventsWithAnyItemPastTheSerial() {
        MemoryHistoryStore store = new MemoryHistoryStore(RetentionPolicy.defaults());
        ChannelEvent a = event(0, 1);  // seq 1
        ChannelEvent b = event(0, 3);  // seq 2..4
        ChannelEvent c = event(0, 1);  // seq 5
        store.append(a);
        store.append(b);
        store.append(c);

        assertThat(store.after(0)).containsExactly(a, b, c);
        assertThat(store.after(1)).containsExactly(b, c);
        assertThat(store.after(2)).as("b holds seq 3 and 4").containsExactly(b, c);
        assertThat(store.after(4)).containsExactly(c);
        assertThat(store.after(5)).isEmpty();
        assertThat(store.after(99)).isEmpty();
    }

    @Test
    void emptyStore() {
        MemoryHistoryStore store = new MemoryHistoryStore(RetentionPolicy.defaults());
        assertThat(store.oldest()).isNull();
        assertThat(store.events()).isEmpty();
        assertThat(store.after(0)).isEmpty();
        assertThat(store.prune(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void eventsIsASnapshot() {
        MemoryHistoryStore store = new MemoryHistoryStore(RetentionPolicy.defaults());
        store.append(event(0, 1));
        List<ChannelEvent> snapshot = store.events();
        store.append(event(0, 1));
        assertThat(snapshot).hasSize(1);
    }
}
