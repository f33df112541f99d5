package dev.switchboard.server.http;

import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RestApi.body, the decoder of every REST body (publish, batch publish, requestToken, sandbox apps). */
class RestApiBodyTest {

    /** Found by DecoderFuzzTest: a null body was a NullPointerException in RestApi.publish (List.of(null)), a 500. */
    @ParameterizedTest
    @ValueSource(strings = {"null", " null ", "null\n"})
    void aJsonNullBodyIsAnInvalidBody(String body) {
        assertThatThrownBy(() -> RestBodies.decode(body.getBytes(StandardCharsets.UTF_8), "application/json"))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> {
                    assertThat(e.error().code()).isEqualTo(40001);
                    assertThat(e.error().statusCode()).isEqualTo(400);
                });
    }

    @Test
    void aMessagePackNilBodyIsAnInvalidBody() {
        assertThatThrownBy(() -> RestBodies.decode(new byte[]{(byte) 0xc0}, "application/x-msgpack"))
                .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(40001));
    }

    @Test
    void messagesAndArraysAreStillRead() {
        assertThat(RestBodies.decode("{\"name\":\"a\"}".getBytes(StandardCharsets.UTF_8), "application/json")).isEqualTo(Map.of("name", "a"));
        assertThat(RestBodies.decode("[{}]".getBytes(StandardCharsets.UTF_8), null)).isEqualTo(List.of(Map.of()));
    }
}
