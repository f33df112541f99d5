package dev.switchboard.server.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void parsesAndPrintsPostgresNotation() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.value()).isEqualTo(0x16_B374D848L);
        assertThat(lsn).hasToString("16/B374D848");
        assertThat(Lsn.of(0)).hasToString("0/0");
    }

    @Test
    void comparesUnsignedAndMeasuresDistance() {
        Lsn low = Lsn.parse("0/10");
        Lsn high = Lsn.parse("FFFFFFFF/0");
        assertThat(high.isAfter(low)).isTrue();
        assertThat(Lsn.parse("0/30").bytesSince(low)).isEqualTo(0x20);
        assertThat(low.bytesSince(Lsn.parse("0/30"))).isZero();
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> Lsn.parse("12345")).hasMessageContaining("not an LSN");
    }
}
