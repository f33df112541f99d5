package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.ProtocolMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AckQueueTest {
    private final List<ProtocolMessage> sent = new ArrayList<>();
    private final List<Long> waits = new ArrayList<>();
    private final AckQueue queue = new AckQueue(sent::add, waits::add);

    @Test
    void answersInMsgSerialOrderWhenCompletionsArriveOutOfOrder() {
        AckQueue.Pending p0 = queue.expect(0, 1);
        AckQueue.Pending p1 = queue.expect(1, 2);
        AckQueue.Pending p2 = queue.expect(2, 1);

        p2.ack(List.of("e:9"));
        p1.nack(ErrorCode.OPERATION_NOT_PERMITTED.info("denied"));
        assertThat(sent).as("held back until serial 0 is answered").isEmpty();
        assertThat(queue.size()).isEqualTo(3);

        p0.ack(List.of("e:1"));

        assertThat(sent).extracting(pm -> pm.msgSerial).containsExactly(0L, 1L, 2L);
        assertThat(sent).extracting(pm -> pm.action).containsExactly(Action.ACK, Action.NACK, Action.ACK);
        assertThat(queue.size()).isZero();
        assertThat(waits).as("each answer's wait is reported once, held-back ones included").hasSize(3).allMatch(n -> n >= 0);
    }

    @Test
    void answersAsSoonAsEverythingBeforeIsAnswered() {
        AckQueue.Pending p0 = queue.expect(5, 1);
        AckQueue.Pending p1 = queue.expect(6, 1);
        p0.ack(List.of("a"));
        assertThat(sent).hasSize(1);
        AckQueue.Pending p2 = queue.expect(7, 1);
        p2.ack(List.of("c"));
        assertThat(sent).hasSize(1);
        p1.ack(List.of("b"));
        assertThat(sent).extracting(pm -> pm.res).containsExactly(List.of(List.of("a")), List.of(List.of("b")), List.of(List.of("c")));
    }

    @Test
    void ackCarriesCountAndSerialsNackCarriesTheError() {
        queue.expect(3, 2).ack(List.of("e:1", "e:2"));
        queue.expect(4, 1).ack(null);
        queue.expect(5, 3).nack(ErrorCode.INBOUND_RATE_LIMIT.info("slow down"));

        assertThat(sent.get(0).count).isEqualTo(2);
        assertThat(sent.get(0).res).containsExactly(List.of("e:1", "e:2"));
        assertThat(sent.get(1).res).isNull();
        ProtocolMessage nack = sent.get(2);
        assertThat(nack.action).isEqualTo(Action.NACK);
        assertThat(nack.count).isEqualTo(3);
        assertThat(nack.error.code()).isEqualTo(42911);
        assertThat(nack.res).isNull();
    }
}
