package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RewindTest {

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1", "10, 10", "' 25 ', 25"})
    void countIsAWholeNumber(String text, int count) {
        assertThat(Channel.Rewind.parse(text)).isEqualTo(new Channel.Rewind(count, null));
    }

    @ParameterizedTest
    @CsvSource({"500ms, 500", "10s, 10000", "2m, 120000", "1h, 3600000", "0s, 0"})
    void durationHasAUnit(String text, long ms) {
        assertThat(Channel.Rewind.parse(text)).isEqualTo(new Channel.Rewind(null, ms));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "1.5", "2d", "m", "10 s", "ten", "99999999999", "2M"})
    void anythingElseIs40003(String text) {
        assertThatThrownBy(() -> Channel.Rewind.parse(text)).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40003));
    }
}
