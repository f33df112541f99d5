package dev.switchboard.app;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChatStatusPublisherTest {
    @Test
    void aDatabaseProblemStopsSavingAndDeliveringAConnectorProblemOnlyDelivering() {
        assertThat(ChatStatusPublisher.statusOf(Map.of())).isEqualTo("{\"saving\":true,\"delivering\":true}");
        assertThat(ChatStatusPublisher.statusOf(Map.of("database", "down"))).isEqualTo("{\"saving\":false,\"delivering\":false}");
        assertThat(ChatStatusPublisher.statusOf(Map.of("connector", "retrying"))).isEqualTo("{\"saving\":true,\"delivering\":false}");
        assertThat(ChatStatusPublisher.statusOf(Map.of("redis", "down"))).as("other components are not the chat's").isEqualTo("{\"saving\":true,\"delivering\":true}");
    }
}
