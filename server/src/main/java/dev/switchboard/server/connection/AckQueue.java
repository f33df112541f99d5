package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.ProtocolMessage;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Answers a connection's publishes in msgSerial order. SDKs treat an ACK for serial n as completing every
 * pending message up to n, so an answer that arrives early (another channel's owner was faster) waits.
 * Used on the connection's context only.
 */
final class AckQueue {
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Consumer<ProtocolMessage> sender;
    private final java.util.function.LongConsumer answeredAfterNanos;

    /** {@code answeredAfterNanos} is told how long each publish waited for its answer (metrics). */
    AckQueue(Consumer<ProtocolMessage> sender, java.util.function.LongConsumer answeredAfterNanos) {
        this.sender = sender;
        this.answeredAfterNanos = answeredAfterNanos;
    }

    /** Registers a publish in arrival order; complete it later with {@link Pending#ack} or {@link Pending#nack}. */
    Pending expect(long msgSerial, int count) {
        Pending p = new Pending(msgSerial, count);
        pending.addLast(p);
        return p;
    }

    private void flush() {
        while (!pending.isEmpty() && pending.peekFirst().answer != null) sender.accept(pending.removeFirst().answer);
    }

    int size() { return pending.size(); }

    final class Pending {
        private final long msgSerial;
        private final int count;
        private final long arrivedNanos = System.nanoTime();
        private ProtocolMessage answer;

        private Pending(long msgSerial, int count) {
            this.msgSerial = msgSerial;
            this.count = count;
        }

        private void answer(ProtocolMessage pm) {
            answer = pm;
            answeredAfterNanos.accept(System.nanoTime() - arrivedNanos);
            flush();
        }

        void ack(List<String> serials) {
            ProtocolMessage pm = new ProtocolMessage(Action.ACK);
            pm.msgSerial = msgSerial;
            pm.count = count;
            pm.res = serials == null ? null : List.of(serials);
            answer(pm);
        }

        void nack(ErrorInfo error) {
            ProtocolMessage pm = new ProtocolMessage(Action.NACK);
            pm.msgSerial = msgSerial;
            pm.count = count;
            pm.error = error;
            answer(pm);
        }
    }
}
