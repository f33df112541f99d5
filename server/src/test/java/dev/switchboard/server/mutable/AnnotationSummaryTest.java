package dev.switchboard.server.mutable;

import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Mutation;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnnotationSummaryTest {
    private final List<Message> annotations = new ArrayList<>();

    private AnnotationSummaryTest add(int action, String clientId, String type, String name, Long count) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", action);
        details.put("type", type);
        if (count != null) details.put("count", count);
        annotations.add(new Message(null, name, clientId, null, 1L, Payload.EMPTY, null, null,
                new Mutation(Mutation.ANNOTATION, "ep:1", null, null, details)));
        return this;
    }

    @Test
    void uniqueKeepsEachClientUnderItsLatestNameAndADeleteOnlyTakesBackThatName() {
        add(0, "a", "v:unique.v1", "yes", null).add(0, "b", "v:unique.v1", "yes", null).add(0, "a", "v:unique.v1", "no", null)
                .add(1, "b", "v:unique.v1", "no", null); // b is not under "no": nothing to take back
        assertThat(AnnotationSummary.of(annotations)).isEqualTo(Map.of("v:unique.v1", Map.of(
                "yes", Map.of("total", 1, "clientIds", List.of("b"), "clipped", false),
                "no", Map.of("total", 1, "clientIds", List.of("a"), "clipped", false))));
    }

    @Test
    void multipleSumsCountsPerClientAndUnidentifiedApartAndADeleteTakesBackAClientsWhole() {
        add(0, "a", "s:multiple.v1", "gold", 3L).add(0, "a", "s:multiple.v1", "gold", 2L).add(0, null, "s:multiple.v1", "gold", 4L)
                .add(0, "b", "s:multiple.v1", "gold", null).add(1, "a", "s:multiple.v1", "gold", null);
        Map<String, Object> gold = new LinkedHashMap<>();
        gold.put("total", 5L);
        gold.put("clientIds", Map.of("b", 1L));
        gold.put("totalUnidentified", 4L);
        gold.put("clipped", false);
        gold.put("totalClientIds", 1);
        assertThat(AnnotationSummary.of(annotations)).isEqualTo(Map.of("s:multiple.v1", Map.of("gold", gold)));
    }

    @Test
    void distinctFlagAndTotal() {
        add(0, "a", "r:distinct.v1", "x", null).add(0, "a", "r:distinct.v1", "x", null).add(0, "a", "r:distinct.v1", "y", null)
                .add(1, "a", "r:distinct.v1", "y", null).add(0, "a", "f:flag.v1", null, null).add(0, "b", "f:flag.v1", null, null)
                .add(1, "a", "f:flag.v1", null, null).add(0, null, "t:total.v1", null, null).add(0, "c", "t:total.v1", null, null);
        assertThat(AnnotationSummary.of(annotations)).isEqualTo(Map.of(
                "r:distinct.v1", Map.of("x", Map.of("total", 1, "clientIds", List.of("a"), "clipped", false)),
                "f:flag.v1", Map.of("total", 1, "clientIds", List.of("b"), "clipped", false),
                "t:total.v1", Map.of("total", 2L)));
    }

    @Test
    void typesAreChecked() {
        add(0, "a", "r:sum.v9", "x", null).add(0, null, "r:distinct.v1", "x", null).add(0, "a", "r:distinct.v1", null, null);
        assertThatThrownBy(() -> AnnotationSummary.check(annotations.get(0))).isInstanceOf(SwitchboardException.class).hasMessageContaining("Unknown annotation type");
        assertThatThrownBy(() -> AnnotationSummary.check(annotations.get(1))).isInstanceOf(SwitchboardException.class).hasMessageContaining("clientId");
        assertThatThrownBy(() -> AnnotationSummary.check(annotations.get(2))).isInstanceOf(SwitchboardException.class).hasMessageContaining("need a name");
    }
}
