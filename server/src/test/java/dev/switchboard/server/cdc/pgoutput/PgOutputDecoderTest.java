package dev.switchboard.server.cdc.pgoutput;

import static dev.switchboard.server.cdc.pgoutput.PgOutputMessageBuilder.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.cdc.Lsn;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PgOutputDecoderTest {

    private static final long MICROS_2024_01_01 = (Instant.parse("2024-01-01T00:00:00Z").getEpochSecond() - 946_684_800L) * 1_000_000L;
    private final PgOutputDecoder decoder = new PgOutputDecoder();

    @Test
    void begin() {
        ReplicationMessage m = decoder.decode(message('B').int64(0x1_0000_00A0L).int64(MICROS_2024_01_01 + 1_500_000).int32(742).build());
        assertThat(m).isEqualTo(new ReplicationMessage.Begin(Lsn.parse("1/A0"), Instant.parse("2024-01-01T00:00:01.500Z"), 742));
    }

    @Test
    void commit() {
        ReplicationMessage m = decoder.decode(message('C').byte_(0).int64(0x100).int64(0x180).int64(MICROS_2024_01_01).build());
        assertThat(m).isEqualTo(new ReplicationMessage.Commit(Lsn.of(0x100), Lsn.of(0x180), Instant.parse("2024-01-01T00:00:00Z")));
    }

    @Test
    void relationWithKeyFlagsTypesAndModifiers() {
        ReplicationMessage m = decoder.decode(message('R').int32(16384).string("public").string("chat_data").byte_('f').int16(2)
                .byte_(1).string("msg_id").int32(25).int32(-1)
                .byte_(0).string("name").int32(1043).int32(24)
                .build());
        assertThat(m).isEqualTo(new ReplicationMessage.Relation(16384, "public", "chat_data", 'f', List.of(
                new ReplicationMessage.Column("msg_id", 25, -1, true),
                new ReplicationMessage.Column("name", 1043, 24, false))));
    }

    @Test
    void type() {
        assertThat(decoder.decode(message('Y').int32(90001).string("public").string("mood").build()))
                .isEqualTo(new ReplicationMessage.Type(90001, "public", "mood"));
    }

    @Test
    void insertWithNullAndUtf8Text() {
        ReplicationMessage m = decoder.decode(message('I').int32(7).byte_('N').tuple("héllo ✓", null).build());
        assertThat(m).isEqualTo(new ReplicationMessage.Insert(7,
                new TupleData(List.of(new ColumnValue.Text("héllo ✓"), ColumnValue.NULL))));
    }

    @Test
    void updateWithFullOldRowAndUnchangedToast() {
        ReplicationMessage m = decoder.decode(message('U').int32(7).byte_('O').tuple("1", "big").byte_('N').tuple("2", "\u0000u").build());
        assertThat(m).isEqualTo(new ReplicationMessage.Update(7,
                Optional.of(new TupleData(List.of(new ColumnValue.Text("1"), new ColumnValue.Text("big")))), false,
                new TupleData(List.of(new ColumnValue.Text("2"), ColumnValue.UNCHANGED_TOAST))));
    }

    @Test
    void updateWithoutOldRowAndWithKeyOnly() {
        ReplicationMessage plain = decoder.decode(message('U').int32(7).byte_('N').tuple("x").build());
        assertThat(plain).isEqualTo(new ReplicationMessage.Update(7, Optional.empty(), false,
                new TupleData(List.of(new ColumnValue.Text("x")))));
        ReplicationMessage keyed = decoder.decode(message('U').int32(7).byte_('K').tuple("k").byte_('N').tuple("x").build());
        assertThat(((ReplicationMessage.Update) keyed).oldIsKeyOnly()).isTrue();
    }

    @Test
    void deleteWithKeyOrFullRow() {
        assertThat(decoder.decode(message('D').int32(7).byte_('K').tuple("k", null).build()))
                .isEqualTo(new ReplicationMessage.Delete(7, new TupleData(List.of(new ColumnValue.Text("k"), ColumnValue.NULL)), true));
        assertThat(((ReplicationMessage.Delete) decoder.decode(message('D').int32(7).byte_('O').tuple("k").build())).oldIsKeyOnly())
                .isFalse();
    }

    @Test
    void truncateWithOptions() {
        assertThat(decoder.decode(message('T').int32(2).byte_(3).int32(7).int32(8).build()))
                .isEqualTo(new ReplicationMessage.Truncate(List.of(7, 8), true, true));
    }

    @Test
    void originAndLogicalMessagesAreIgnored() {
        assertThat(decoder.decode(message('O').int64(5).string("node2").build())).isEqualTo(new ReplicationMessage.Ignored('O'));
        assertThat(decoder.decode(message('M').build())).isEqualTo(new ReplicationMessage.Ignored('M'));
    }

    @Test
    void malformedMessagesAreRejected() {
        assertThatThrownBy(() -> decoder.decode(message('Z').build())).hasMessageContaining("unknown pgoutput message type 'Z'");
        assertThatThrownBy(() -> decoder.decode(message('I').int32(1).byte_('X').build())).hasMessageContaining("expected 'N'");
        assertThatThrownBy(() -> decoder.decode(message('I').int32(1).byte_('N').int16(1).byte_('q').build()))
                .hasMessageContaining("unknown tuple column kind 'q'");
    }
}
