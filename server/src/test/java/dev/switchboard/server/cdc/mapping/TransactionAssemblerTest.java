package dev.switchboard.server.cdc.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.cdc.ChangeMessage;
import dev.switchboard.server.cdc.Lsn;
import dev.switchboard.server.cdc.config.Operation;
import dev.switchboard.server.cdc.pgoutput.ColumnValue;
import dev.switchboard.server.cdc.pgoutput.ReplicationMessage;
import dev.switchboard.server.cdc.pgoutput.TupleData;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TransactionAssemblerTest {

    private static final Instant COMMIT = Instant.parse("2024-05-01T10:00:00Z");
    private static final ReplicationMessage.Relation CHAT = new ReplicationMessage.Relation(1, "public", "chat_data", 'f', List.of(
            new ReplicationMessage.Column("msg_id", 25, -1, true),
            new ReplicationMessage.Column("msg_data", 25, -1, false),
            new ReplicationMessage.Column("n", 23, -1, false)));
    private static final ReplicationMessage.Relation OTHER = new ReplicationMessage.Relation(2, "public", "other", 'd', List.of(
            new ReplicationMessage.Column("id", 23, -1, true)));

    private final TransactionAssembler assembler = new TransactionAssembler("slot", new ChangeMapper(List.of(
            new Route("public", "chat_data", Operation.INSERT, List.of("incoming-chat", "audit"), "db-change"),
            new Route("public", "chat_data", Operation.UPDATE, List.of("incoming-chat"), "db-change"),
            new Route("public", "chat_data", Operation.DELETE, List.of("incoming-chat"), "db-change"))),
            TypeCatalog.builtInOnly());

    private static TupleData row(Object... values) {
        return new TupleData(Arrays.stream(values).map(v -> v == null ? ColumnValue.NULL
                : v == ColumnValue.UNCHANGED_TOAST ? (ColumnValue) v : new ColumnValue.Text(v.toString())).toList());
    }

    private Optional<CommittedTransaction> feed(ReplicationMessage... messages) {
        Optional<CommittedTransaction> last = Optional.empty();
        for (ReplicationMessage m : messages) {
            last = assembler.accept(m);
        }
        return last;
    }

    @Test
    void buildsPayloadsAndPositionalIds() {
        CommittedTransaction tx = feed(
                new ReplicationMessage.Begin(Lsn.parse("0/AB0"), COMMIT, 9), CHAT, OTHER,
                new ReplicationMessage.Insert(2, row(5)),
                new ReplicationMessage.Insert(1, row("m1", "hi", 3)),
                new ReplicationMessage.Delete(1, row("m1", "hi", 3), false),
                new ReplicationMessage.Commit(Lsn.parse("0/AB0"), Lsn.parse("0/AC8"), COMMIT)).orElseThrow();

        assertThat(tx.endLsn()).isEqualTo(Lsn.parse("0/AC8"));
        // The unmapped change to "other" still counts as change 0, so ids do not depend on the mapping.
        assertThat(tx.messages()).extracting(ChangeMessage::id).containsExactly("slot:0/AB0:1:0", "slot:0/AB0:1:1", "slot:0/AB0:2:0");
        assertThat(tx.messages()).extracting(ChangeMessage::channel).containsExactly("incoming-chat", "audit", "incoming-chat");
        assertThat(tx.messages().get(0).data()).isEqualTo("{\"table\":\"chat_data\",\"type\":\"INSERT\","
                + "\"row\":{\"msg_id\":\"m1\",\"msg_data\":\"hi\",\"n\":3},\"schema\":\"public\",\"lsn\":\"0/AB0\","
                + "\"commitTime\":\"2024-05-01T10:00:00Z\"}");
        assertThat(tx.messages().get(2).data()).contains("\"type\":\"DELETE\"");
    }

    @Test
    void unchangedToastColumnsAreFilledFromTheFullOldRow() {
        CommittedTransaction tx = feed(
                new ReplicationMessage.Begin(Lsn.parse("0/10"), COMMIT, 1), CHAT,
                new ReplicationMessage.Update(1, Optional.of(row("m1", "very large text", 1)), false,
                        row("m1", ColumnValue.UNCHANGED_TOAST, 2)),
                new ReplicationMessage.Commit(Lsn.parse("0/10"), Lsn.parse("0/20"), COMMIT)).orElseThrow();

        assertThat(tx.messages().get(0).data()).contains("\"row\":{\"msg_id\":\"m1\",\"msg_data\":\"very large text\",\"n\":2}");
    }

    @Test
    void nullValuesAndEmptyTransactions() {
        CommittedTransaction tx = feed(
                new ReplicationMessage.Begin(Lsn.parse("0/10"), COMMIT, 1), CHAT,
                new ReplicationMessage.Insert(1, row("m1", null, null)),
                new ReplicationMessage.Commit(Lsn.parse("0/10"), Lsn.parse("0/20"), COMMIT)).orElseThrow();
        assertThat(tx.messages().get(0).data()).contains("\"row\":{\"msg_id\":\"m1\",\"msg_data\":null,\"n\":null}");

        CommittedTransaction empty = feed(new ReplicationMessage.Begin(Lsn.parse("0/30"), COMMIT, 2),
                new ReplicationMessage.Commit(Lsn.parse("0/30"), Lsn.parse("0/40"), COMMIT)).orElseThrow();
        assertThat(empty.messages()).isEmpty();
        assertThat(assembler.inTransaction()).isFalse();
    }

    @Test
    void changeBeforeItsRelationIsAnError() {
        feed(new ReplicationMessage.Begin(Lsn.parse("0/10"), COMMIT, 1));
        assertThatThrownBy(() -> assembler.accept(new ReplicationMessage.Insert(42, row("x"))))
                .hasMessageContaining("relation 42");
    }
}
