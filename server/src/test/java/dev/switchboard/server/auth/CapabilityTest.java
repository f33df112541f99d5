package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.Flags;
import dev.switchboard.server.protocol.SwitchboardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CapabilityTest {

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[\"publish\"]", "\"x\"", "{\"a\":\"publish\"}", "{\"a\":[1]}", "{\"a\":{\"b\":[]}}", "{\"a\":[\"x\"]"})
    void malformedCapabilityIs40003(String text) {
        assertThatThrownBy(() -> Capability.parse(text)).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40003));
    }

    @Test
    void absentCapabilityMeansEverything() {
        assertThat(Capability.parse(null)).isEqualTo(Capability.ALL);
        assertThat(Capability.parse("  ")).isEqualTo(Capability.ALL);
    }

    @Test
    void anEmptyCapabilityGrantsNothing() {
        assertThat(Capability.parse("{}").isEmpty()).isTrue();
    }

    /** As the hosted service refuses them (ably-js's capability tests): no silent narrowing of what was asked. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":[]}", "{\"a\":[\"publish_\"]}", "{\"a\":[\"*\",\"publish\"]}", "{\"a\":[\"subscribe\"],\"b\":[\"Publish\"]}"})
    void emptyUnknownOrWildcardMixedOperationsAre40003(String text) {
        assertThatThrownBy(() -> Capability.parse(text)).isInstanceOfSatisfying(SwitchboardException.class,
                e -> assertThat(e.error().code()).isEqualTo(40003));
    }

    @Test
    void jsonIsCanonical() {
        Capability c = Capability.parse("{ \"b\": [\"subscribe\", \"publish\", \"publish\"], \"a\": [\"*\"] }");
        assertThat(c.json()).isEqualTo("{\"a\":[\"*\"],\"b\":[\"publish\",\"subscribe\"]}");
        assertThat(Capability.parse(c.json())).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c).hasToString(c.json());
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "*,             foo,             true",
            "*,             foo:bar:baz,     true",
            "*,             [?rewind=1]foo,  false",
            "[*]*,          [meta]foo,       true",
            "[*]*,          foo:bar,         true",
            "foo,           foo,             true",
            "foo,           foo:bar,         false",
            "foo,           fo,              false",
            "ns:*,          ns:a,            true",
            "ns:*,          ns:a:b:c,        true",
            "ns:*,          ns,              false",
            "ns:*,          other:a,         false",
            "ns:*,          nsx:a,           false",
            "foo:*:baz,     foo:bar:baz,     true",
            "foo:*:baz,     foo:bar:bam:baz, false",
            "foo:*:baz,     foo:bar,         false",
            "*:baz,         foo:baz,         true",
            "*:baz,         foo:bar,         false",
            "foo*,          foo*,            true",
            "foo*,          foobar,          false",
            "[meta]foo,     [meta]foo,       true",
            "[meta]foo,     foo,             false",
    })
    void wildcardMatching(String pattern, String channel, boolean expected) {
        assertThat(Capability.matches(pattern, channel)).isEqualTo(expected);
    }

    @Test
    void allowsChecksOperationsPerPattern() {
        Capability c = Capability.parse("{\"chat:*\":[\"publish\",\"subscribe\"],\"admin\":[\"*\"],\"feed\":[\"history\"]}");
        assertThat(c.allows("chat:room", "publish")).isTrue();
        assertThat(c.allows("chat:room", "presence")).isFalse();
        assertThat(c.allows("admin", "presence")).isTrue();
        assertThat(c.allows("other", "subscribe")).isFalse();
        assertThat(c.allowsAny("feed")).isTrue();
        assertThat(c.allowsAny("other")).isFalse();
    }

    @Test
    void modesFor() {
        Capability c = Capability.parse("{\"pub\":[\"publish\"],\"sub\":[\"subscribe\"],\"pres\":[\"presence\"],\"all\":[\"*\"],\"hist\":[\"history\"]}");
        assertThat(c.modesFor("pub")).isEqualTo(Flags.MODE_PUBLISH);
        assertThat(c.modesFor("sub")).isEqualTo(Flags.MODE_SUBSCRIBE | Flags.MODE_PRESENCE_SUBSCRIBE);
        assertThat(c.modesFor("pres")).isEqualTo(Flags.MODE_PRESENCE);
        assertThat(c.modesFor("all")).isEqualTo(Flags.MODES);
        assertThat(c.modesFor("hist")).isZero();
        assertThat(c.modesFor("none")).isZero();
    }

    @Test
    void intersectKeepsOperationsBothGrant() {
        Capability key = Capability.parse("{\"chat\":[\"publish\",\"subscribe\"]}");
        assertThat(key.intersect(Capability.parse("{\"chat\":[\"subscribe\",\"presence\"]}")))
                .isEqualTo(Capability.of(Map.of("chat", Set.of("subscribe"))));
    }

    @Test
    void intersectOfDisjointOperationsOrChannelsIsEmpty() {
        Capability key = Capability.parse("{\"chat\":[\"publish\"]}");
        assertThat(key.intersect(Capability.parse("{\"chat\":[\"subscribe\"]}")).isEmpty()).isTrue();
        assertThat(key.intersect(Capability.parse("{\"other\":[\"publish\"]}")).isEmpty()).isTrue();
    }

    @Test
    void narrowerRequestedPatternUnderBroaderKeyKeepsTheRequestedPattern() {
        Capability key = Capability.parse("{\"*\":[\"*\"]}");
        assertThat(key.intersect(Capability.parse("{\"chat:*\":[\"subscribe\"]}")))
                .isEqualTo(Capability.parse("{\"chat:*\":[\"subscribe\"]}"));
        assertThat(Capability.parse("{\"ns:*\":[\"publish\"]}").intersect(Capability.parse("{\"ns:a:b\":[\"publish\"]}")))
                .isEqualTo(Capability.parse("{\"ns:a:b\":[\"publish\"]}"));
    }

    @Test
    void broaderRequestedPatternOverNarrowerKeyKeepsTheKeyPattern() {
        Capability key = Capability.parse("{\"chat:*\":[\"publish\",\"subscribe\"],\"feed\":[\"subscribe\"]}");
        Capability granted = key.intersect(Capability.parse("{\"*\":[\"*\"]}"));
        assertThat(granted).isEqualTo(Capability.parse("{\"chat:*\":[\"publish\",\"subscribe\"],\"feed\":[\"subscribe\"]}"));
        assertThat(Capability.parse("{\"*\":[\"subscribe\"]}").intersect(Capability.parse("{\"[*]*\":[\"subscribe\",\"publish\"]}")))
                .isEqualTo(Capability.parse("{\"*\":[\"subscribe\"]}"));
    }

    @Test
    void starOperationsOnEitherSideYieldTheOtherSidesOperations() {
        assertThat(Capability.parse("{\"a\":[\"*\"]}").intersect(Capability.parse("{\"a\":[\"presence\"]}")))
                .isEqualTo(Capability.parse("{\"a\":[\"presence\"]}"));
        assertThat(Capability.parse("{\"a\":[\"history\"]}").intersect(Capability.parse("{\"a\":[\"*\"]}")))
                .isEqualTo(Capability.parse("{\"a\":[\"history\"]}"));
        assertThat(Capability.ALL.intersect(Capability.ALL)).isEqualTo(Capability.ALL);
    }

    @Test
    void requestedPatternsMergedOntoOneResourceKeepStarAloneAndParseBack() {
        // Found by DecoderFuzzTest: "[*]*" narrows to the key's "*" and merged with "*": ["*"] gave ["*", "publish"].
        Capability granted = Capability.ALL.intersect(Capability.parse("{\"*\":[\"*\"],\"[*]*\":[\"publish\"]}"));
        assertThat(granted).isEqualTo(Capability.ALL);
        assertThat(Capability.parse(granted.json())).isEqualTo(granted);
    }

    @Test
    void overlappingPatternsWhereNeitherCoversTheOtherAreDropped() {
        // ns:* and *:b overlap only on ns:b; granting either pattern would exceed one side.
        assertThat(Capability.parse("{\"ns:*\":[\"*\"]}").intersect(Capability.parse("{\"*:b\":[\"*\"]}")).isEmpty()).isTrue();
        // a plain * does not reach qualified channels, so it cannot grant [*]*.
        assertThat(Capability.parse("{\"*\":[\"*\"]}").intersect(Capability.parse("{\"[*]*\":[\"subscribe\"]}")))
                .isEqualTo(Capability.parse("{\"*\":[\"subscribe\"]}"));
    }

    @Test
    void coversIsPatternContainment() {
        assertThat(Capability.covers("*", "a:*")).isTrue();
        assertThat(Capability.covers("a:*", "*")).isFalse();
        assertThat(Capability.covers("a:*", "a:*:c")).isTrue();
        assertThat(Capability.covers("a:*:c", "a:*")).isFalse();
        assertThat(Capability.covers("[*]*", "[meta]x")).isTrue();
        assertThat(Capability.covers("*", "[meta]x")).isFalse();
    }
}
