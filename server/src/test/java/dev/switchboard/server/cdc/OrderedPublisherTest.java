package dev.switchboard.server.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.cdc.mapping.CommittedTransaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OrderedPublisherTest {

    private final List<List<ChangeMessage>> calls = new ArrayList<>();
    private final List<CompletableFuture<Void>> futures = new ArrayList<>();
    private final OrderedPublisher publisher = new OrderedPublisher(batch -> {
        calls.add(batch);
        CompletableFuture<Void> f = new CompletableFuture<>();
        futures.add(f);
        return f;
    }, 3, () -> { });

    private static CommittedTransaction tx(long end, int messages) {
        return new CommittedTransaction(Lsn.of(end - 1), Lsn.of(end), Instant.EPOCH, IntStream.range(0, messages)
                .mapToObj(i -> new ChangeMessage("c", end + ":" + i, "n", "{}")).toList());
    }

    @Test
    void oneBatchAtATimeAndLaterTransactionsAreGrouped() {
        publisher.enqueue(tx(10, 1));
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(null, 0));
        publisher.enqueue(tx(20, 1));
        publisher.enqueue(tx(30, 1));
        publisher.pump();
        assertThat(calls).hasSize(1); // still waiting for the first

        futures.get(0).complete(null);
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(Lsn.of(10), 1));
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).extracting(ChangeMessage::id).containsExactly("20:0", "30:0");

        futures.get(1).complete(null);
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(Lsn.of(30), 2));
        assertThat(publisher.isIdle()).isTrue();
    }

    @Test
    void largeTransactionIsSplitAndFlushedOnlyAfterItsLastPart() {
        publisher.enqueue(tx(10, 7));
        publisher.pump();
        assertThat(publisher.queuedMessages()).isEqualTo(4);
        futures.get(0).complete(null);
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(null, 3));
        futures.get(1).complete(null);
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(null, 3));
        futures.get(2).complete(null);
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(Lsn.of(10), 1));
        assertThat(calls).extracting(List::size).containsExactly(3, 3, 1);
    }

    @Test
    void emptyTransactionsAdvanceWithoutCallingTheSink() {
        publisher.enqueue(tx(10, 0));
        publisher.enqueue(tx(20, 0));
        assertThat(publisher.pump()).isEqualTo(new OrderedPublisher.Progress(Lsn.of(20), 0));
        assertThat(calls).isEmpty();
    }

    @Test
    void aRejectedBatchIsReportedAndNothingAfterItWasSent() {
        publisher.enqueue(tx(10, 1));
        publisher.pump();
        publisher.enqueue(tx(20, 1));
        futures.get(0).completeExceptionally(new IllegalStateException("disk full"));

        assertThatThrownBy(publisher::pump).isInstanceOf(OrderedPublisher.SinkFailedException.class).hasMessageContaining("disk full");
        assertThat(calls).hasSize(1);
    }
}
