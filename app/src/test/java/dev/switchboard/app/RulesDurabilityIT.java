package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * After-publish webhook rules with the outbox, Switchboard in its own process: events are committed before the
 * publisher's ACK, survive a SIGKILL while the target is down, arrive in order once it is back; an event the target
 * keeps refusing goes to the dead letters, and a full backlog NACKs publishers.
 */
class RulesDurabilityIT {
    private final List<AblyRealtime> clients = new ArrayList<>();
    private HttpServer target;
    /** Message ids in the order the target accepted them (2xx). */
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private volatile boolean targetDown;
    private final Set<String> refusedIds = ConcurrentHashMap.newKeySet();

    @AfterEach
    void stop() {
        clients.forEach(AblyRealtime::close);
        if (target != null) target.stop(0);
    }

    private int startTarget() throws Exception {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/hook", exchange -> {
            JsonNode body = RunningApp.JSON.readTree(exchange.getRequestBody().readAllBytes());
            List<String> ids = new ArrayList<>();
            body.path("messages").forEach(m -> ids.add(m.path("id").asText()));
            int status = targetDown ? 503 : ids.stream().anyMatch(refusedIds::contains) ? 400 : 200;
            if (status == 200) delivered.addAll(ids);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        target.start();
        return target.getAddress().getPort();
    }

    private static String config(int port, String retry, int queueLimit) {
        return "{\"rules\": [{\"id\": \"hook\", \"channelFilter\": \"^orders:\", \"queueLimit\": " + queueLimit + ","
                + " \"target\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:" + port + "/hook\", \"timeoutMs\": 1000},"
                + " \"retry\": " + retry + "}]}";
    }

    private Channel channel(AppProcess app, String name) throws Exception {
        AblyRealtime r = new AblyRealtime(app.clientOptions());
        clients.add(r);
        return r.channels.get(name);
    }

    private static CompletableFuture<ErrorInfo> publish(Channel channel, String id) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        Message m = new Message("order", "payload of " + id);
        m.id = id;
        channel.publish(m, new CompletionListener() {
            @Override public void onSuccess() { done.complete(null); }

            @Override public void onError(ErrorInfo reason) { done.complete(reason); }
        });
        return done;
    }

    private static int index(String id) { return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)); }

    @Test
    void eventsWaitingForADownTargetSurviveASigkillAndArriveInOrderOnceItIsBack() throws Exception {
        targetDown = true;
        int port = startTarget();
        try (AppProcess app = new AppProcess("rules-sigkill", config(port, "{\"maxAttempts\": 1000, \"initialBackoffMs\": 50, \"maxBackoffMs\": 300}", 10_000))) {
            app.start();
            Channel orders = channel(app, "orders:a");
            List<CompletableFuture<ErrorInfo>> acks = new ArrayList<>();
            Set<String> acked = ConcurrentHashMap.newKeySet();
            for (int i = 1; i <= 1000; i++) {
                String id = "ev-" + i;
                acks.add(publish(orders, id).thenApply(e -> {
                    if (e == null) acked.add(id);
                    return e;
                }));
                if (i == 500) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 500);
                    app.kill();
                    app.start();
                }
            }
            for (CompletableFuture<ErrorInfo> ack : acks) ack.get(60, TimeUnit.SECONDS);
            assertThat(delivered).as("nothing reaches a target that is down").isEmpty();
            assertThat(acked.size()).isGreaterThanOrEqualTo(990);

            targetDown = false;
            await().atMost(Duration.ofSeconds(60)).until(() -> delivered.containsAll(acked));
            List<String> firstDeliveries = new ArrayList<>(new LinkedHashSet<>(delivered));
            System.out.printf("RulesDurabilityIT: %d ACKed, %d deliveries (%d distinct)%n", acked.size(), delivered.size(), firstDeliveries.size());
            assertThat(firstDeliveries).as("in publish order").isSortedAccordingTo((a, b) -> Integer.compare(index(a), index(b)));
        }
    }

    @Test
    void anEventTheTargetKeepsRefusingGoesToTheDeadLettersAndTheNextEventsFlow() throws Exception {
        int port = startTarget();
        refusedIds.add("poison-2");
        try (AppProcess app = new AppProcess("rules-dead-letters", config(port, "{\"maxAttempts\": 3, \"initialBackoffMs\": 10, \"maxBackoffMs\": 20}", 10_000))) {
            app.start();
            Channel orders = channel(app, "orders:b");
            for (String id : List.of("ok-1", "poison-2", "ok-3")) assertThat(publish(orders, id).get(10, TimeUnit.SECONDS)).isNull();
            await().atMost(Duration.ofSeconds(20)).until(() -> delivered.contains("ok-3"));
            assertThat(delivered).containsExactly("ok-1", "ok-3");

            JsonNode letters = RunningApp.JSON.readTree(app.request("GET", "/rules/dead-letters").body());
            assertThat(letters).hasSize(1);
            JsonNode letter = letters.get(0);
            assertThat(letter.path("rule").asText()).isEqualTo("hook");
            assertThat(letter.path("channel").asText()).isEqualTo("orders:b");
            assertThat(letter.path("attempts").asInt()).isEqualTo(3);
            assertThat(letter.path("lastError").asText()).contains("400");
            assertThat(letter.path("messages").get(0).path("id").asText()).isEqualTo("poison-2");
            JsonNode status = RunningApp.JSON.readTree(app.request("GET", "/status").body());
            assertThat(status.path("rules").path("hook").path("deadLetters").asLong()).isEqualTo(1);

            refusedIds.clear();
            long id = letter.path("id").asLong();
            assertThat(app.request("POST", "/rules/dead-letters/" + id + "/replay").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> delivered.contains("poison-2"));
            assertThat(RunningApp.JSON.readTree(app.request("GET", "/rules/dead-letters").body())).isEmpty();
            assertThat(app.request("DELETE", "/rules/dead-letters/" + id).statusCode()).isEqualTo(404);
            assertThat(app.request("POST", "/rules/dead-letters/abc/replay").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void aFullBacklogNacksThePublisherInsteadOfDroppingTheEvent() throws Exception {
        targetDown = true;
        int port = startTarget();
        try (AppProcess app = new AppProcess("rules-backlog", config(port, "{\"maxAttempts\": 1000, \"initialBackoffMs\": 50, \"maxBackoffMs\": 100}", 5))) {
            app.start();
            Channel orders = channel(app, "orders:c");
            for (int i = 1; i <= 5; i++) assertThat(publish(orders, "q-" + i).get(10, TimeUnit.SECONDS)).isNull();
            ErrorInfo refused = publish(orders, "q-6").get(10, TimeUnit.SECONDS);
            assertThat(refused).isNotNull();
            assertThat(refused.code).isEqualTo(42910);
            assertThat(refused.message).contains("events waiting");

            targetDown = false;
            await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() >= 5);
            assertThat(delivered).containsExactly("q-1", "q-2", "q-3", "q-4", "q-5");
            assertThat(publish(orders, "q-6").get(10, TimeUnit.SECONDS)).as("accepted again once the backlog drained").isNull();
        }
    }
}
