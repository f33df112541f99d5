package dev.switchboard.server.it;

import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.PrometheusText;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.ErrorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Operators' endpoints: metrics, health, the channel list and dead letters; the guarded ones answer only a key with every capability. */
class OperatorEndpointsIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private final AblyJava ably = new AblyJava(server);

    private static HttpResponse<String> get(String path, String key) throws Exception {
        return send("GET", path, key);
    }

    private static HttpResponse<String> send(String method, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(key.getBytes()));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onLinuxX8664TheServerRunsOnANativeTransport() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"));
        assertThat(server.server().vertx().isNativeTransportEnabled()).as("epoll, not NIO (the native jar is on the classpath)").isTrue();
        assertThat(server.server().context().config().transport().resolve().name()).isEqualTo("epoll");
    }

    @Test
    void deadLettersNeedAKeyWithEveryCapability() throws Exception {
        HttpResponse<String> anonymous = get("/rules/dead-letters", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> restricted = get("/rules/dead-letters", SwitchboardExtension.RESTRICTED_KEY);
        assertThat(restricted.statusCode()).isEqualTo(401);
        assertThat(restricted.headers().firstValue("X-Ably-ErrorCode")).hasValue("40160");
        // The root key passes the check; this server has no outbox (no database), so it keeps no dead letter: an empty
        // list (not a 404 a polling console would be refused with every few seconds), and nothing to replay.
        HttpResponse<String> root = get("/rules/dead-letters", SwitchboardExtension.ROOT_KEY);
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).isEqualTo("[]");
        HttpResponse<String> replay = send("POST", "/rules/dead-letters/1/replay", SwitchboardExtension.ROOT_KEY);
        assertThat(replay.statusCode()).isEqualTo(404);
        assertThat(replay.headers().firstValue("X-Ably-ErrorCode")).hasValue("40400");
    }

    private static PrometheusText scrape() throws Exception {
        HttpResponse<String> r = get("/metrics", SwitchboardExtension.ROOT_KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        return new PrometheusText(r.body());
    }

    @Test
    void metricsNeedAKeyWithEveryCapabilityAndArePrometheusText() throws Exception {
        assertThat(get("/metrics", null).statusCode()).isEqualTo(401);
        HttpResponse<String> restricted = get("/metrics", SwitchboardExtension.RESTRICTED_KEY);
        assertThat(restricted.statusCode()).isEqualTo(401);
        assertThat(restricted.headers().firstValue("X-Ably-ErrorCode")).hasValue("40160");
        HttpResponse<String> root = get("/metrics", SwitchboardExtension.ROOT_KEY);
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        assertThat(root.body()).contains("# TYPE switchboard_messages_in_total counter", "# TYPE switchboard_fanout_seconds histogram",
                "switchboard_publish_ack_seconds_bucket{le=\"0.01\"}", "jvm_memory_used_bytes", "jvm_threads_live_threads",
                // jvm_gc_pause_seconds appears with the first collection; the allocation counter is there from the start.
                "jvm_gc_memory_allocated_bytes_total");
    }

    @Test
    void countersAndHistogramsMoveWithARealtimeRoundTripAndRefusalsAreCountedByCode() throws Exception {
        PrometheusText before = scrape();
        AblyRealtime subscriber = ably.connected(ably.options(WireProtocol.MSGPACK, SwitchboardExtension.ROOT_KEY));
        AblyRealtime publisher = ably.connected(ably.options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
        Channel sub = subscriber.channels.get("metrics-round-trip");
        AtomicInteger received = new AtomicInteger();
        sub.subscribe(m -> received.incrementAndGet());
        assertThat(AblyJava.attach(sub)).isNull();
        Channel pub = publisher.channels.get("metrics-round-trip");
        for (int i = 0; i < 5; i++) assertThat(AblyJava.publish(pub, "m", "payload " + i)).isNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.get() == 5);
        // A publish the key may not make: NACKed 40160, counted under its code.
        AblyRealtime limited = ably.connected(ably.options(WireProtocol.JSON, SwitchboardExtension.SUBSCRIBE_ONLY_KEY));
        ErrorInfo refused = AblyJava.publish(limited.channels.get("metrics-round-trip"), "m", "no");
        assertThat(refused).isNotNull();
        assertThat(refused.code).isEqualTo(40160);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusText after = scrape();
            assertThat(after.value("switchboard_messages_in_total{source=\"realtime\"}") - before.value("switchboard_messages_in_total{source=\"realtime\"}"))
                    .isGreaterThanOrEqualTo(5);
            assertThat(after.value("switchboard_messages_out_total") - before.value("switchboard_messages_out_total")).isGreaterThanOrEqualTo(5);
            assertThat(after.value("switchboard_sent_bytes_total")).isGreaterThan(before.value("switchboard_sent_bytes_total"));
            assertThat(after.value("switchboard_publish_ack_seconds_count") - before.value("switchboard_publish_ack_seconds_count")).isGreaterThanOrEqualTo(6);
            assertThat(after.value("switchboard_fanout_seconds_count") - before.value("switchboard_fanout_seconds_count")).isGreaterThanOrEqualTo(5);
            assertThat(after.value("switchboard_fanout_seconds_bucket{le=\"+Inf\"}")).isEqualTo(after.value("switchboard_fanout_seconds_count"));
            assertThat(after.value("switchboard_refusals_total{code=\"40160\"}") - before.value("switchboard_refusals_total{code=\"40160\"}")).isGreaterThanOrEqualTo(1);
            assertThat(after.value("switchboard_connections{format=\"msgpack\",transport=\"websocket\"}")).isGreaterThanOrEqualTo(1);
            assertThat(after.value("switchboard_connections{format=\"json\",transport=\"websocket\"}")).isGreaterThanOrEqualTo(2);
            assertThat(after.value("switchboard_attachments")).isGreaterThanOrEqualTo(1);
        });
    }

    @Test
    void liveAnswersWhileTheProcessRunsAndReadyWhenEveryDependencyWorks() throws Exception {
        HttpResponse<String> live = get("/health/live", null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("live");
        HttpResponse<String> ready = get("/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ok\"");
        server.server().health().register("test-dependency", () -> java.util.Optional.of("down for the test"));
        try {
            HttpResponse<String> notReady = get("/health/ready", null);
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("test-dependency", "down for the test");
            assertThat(get("/health", null).statusCode()).as("the older path answers the same").isEqualTo(503);
            assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
        } finally {
            server.server().health().register("test-dependency", java.util.Optional::empty);
        }
    }

    @Test
    void channelsListsTheActiveChannelsTheCredentialsMaySeeWithOccupancy() throws Exception {
        AblyRealtime client = ably.connected(ably.options(WireProtocol.JSON, SwitchboardExtension.ROOT_KEY));
        assertThat(AblyJava.attach(client.channels.get("listed-one"))).isNull();
        assertThat(AblyJava.attach(client.channels.get("allowed:two"))).isNull();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> all = get("/channels", SwitchboardExtension.ROOT_KEY);
            assertThat(all.statusCode()).isEqualTo(200);
            assertThat(all.body()).contains("\"channelId\":\"listed-one\"", "\"channelId\":\"allowed:two\"", "\"isActive\":true",
                    "\"connections\":1");
        });
        HttpResponse<String> restricted = get("/channels", SwitchboardExtension.RESTRICTED_KEY);
        assertThat(restricted.body()).contains("allowed:two").doesNotContain("listed-one");
        assertThat(get("/channels?prefix=listed", SwitchboardExtension.ROOT_KEY).body()).contains("listed-one").doesNotContain("allowed:two");
        assertThat(get("/channels?limit=0", SwitchboardExtension.ROOT_KEY).statusCode()).isEqualTo(400);
        assertThat(get("/channels", null).statusCode()).isEqualTo(401);
    }
}
