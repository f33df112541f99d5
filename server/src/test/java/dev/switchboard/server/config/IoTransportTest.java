package dev.switchboard.server.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IoTransportTest {
    @Test
    void theSettingIsReadAndABadValueIsNamed() {
        assertThat(Settings.load(Map.of()).transport()).isEqualTo(IoTransport.AUTO);
        assertThat(Settings.load(Map.of("SWITCHBOARD_TRANSPORT", "io-uring")).transport()).isEqualTo(IoTransport.IO_URING);
        assertThat(Settings.load(Map.of("SWITCHBOARD_TRANSPORT", "NIO")).transport()).isEqualTo(IoTransport.NIO);
        assertThatThrownBy(() -> Settings.load(Map.of("SWITCHBOARD_TRANSPORT", "kqueue")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("SWITCHBOARD_TRANSPORT").hasMessageContaining("auto, io_uring, epoll or nio");
    }

    @Test
    void nioIsAlwaysThereAndAutoNeverPicksTheExperimentalOne() {
        assertThat(IoTransport.NIO.resolve().name()).isEqualTo("nio");
        assertThat(IoTransport.AUTO.resolve().name()).isIn("epoll", "nio");
    }
}
