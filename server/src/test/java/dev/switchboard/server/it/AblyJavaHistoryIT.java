package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.testing.AblyJava;
import dev.switchboard.server.testing.SwitchboardExtension;
import dev.switchboard.server.testing.WireProtocol;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.PaginatedResult;
import io.ably.lib.types.Param;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static dev.switchboard.server.testing.SwitchboardExtension.ROOT_KEY;
import static dev.switchboard.server.testing.SwitchboardExtension.uniqueChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** ably-java 1.5.0: rewind, history pagination and untilAttach, idempotent REST publish, sandbox apps. */
class AblyJavaHistoryIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension().withSandbox();
    private final AblyJava ably = new AblyJava(server);

    private Channel seed(WireProtocol protocol, String name, int n, String prefix) throws Exception {
        Channel ch = ably.connected(ably.options(protocol, ROOT_KEY)).channels.get(name);
        for (int i = 0; i < n; i++) assertThat(AblyJava.publish(ch, prefix + i, Integer.toString(i))).isNull();
        return ch;
    }

    private List<Message> subscribe(Channel channel) throws Exception {
        List<Message> got = new CopyOnWriteArrayList<>();
        channel.subscribe(got::add);
        assertThat(AblyJava.attach(channel)).isNull();
        return got;
    }

    private static List<String> names(List<Message> list) { return list.stream().map(m -> m.name).toList(); }

    private static List<Message> allPages(PaginatedResult<Message> page, List<Integer> sizes) throws Exception {
        List<Message> all = new ArrayList<>(List.of(page.items()));
        sizes.add(page.items().length);
        while (page.hasNext()) {
            page = page.next();
            sizes.add(page.items().length);
            all.addAll(List.of(page.items()));
        }
        return all;
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void rewindByCountAndDurationAsQualifierAndParams(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-rewind");
        Channel pub = seed(protocol, name, 2, "old");
        long oldAt = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > oldAt + 1_500);
        for (int i = 0; i < 8; i++) assertThat(AblyJava.publish(pub, "m" + i, Integer.toString(i))).isNull();

        List<Message> byQualifierCount = subscribe(ably.connected(ably.options(protocol, ROOT_KEY)).channels.get("[?rewind=3]" + name));
        ChannelOptions countParams = new ChannelOptions();
        countParams.params = Map.of("rewind", "4");
        List<Message> byParamsCount = subscribe(ably.connected(ably.options(protocol, ROOT_KEY)).channels.get(name, countParams));
        List<Message> byQualifierTime = subscribe(ably.connected(ably.options(protocol, ROOT_KEY)).channels.get("[?rewind=1s]" + name));
        ChannelOptions timeParams = new ChannelOptions();
        timeParams.params = Map.of("rewind", "1m");
        List<Message> byParamsTime = subscribe(ably.connected(ably.options(protocol, ROOT_KEY)).channels.get(name, timeParams));

        assertThat(AblyJava.publish(pub, "live", "x")).isNull();
        for (List<Message> got : List.of(byQualifierCount, byParamsCount, byQualifierTime, byParamsTime)) {
            await().atMost(AblyJava.TIMEOUT).until(() -> got.stream().anyMatch(m -> "live".equals(m.name)));
        }
        assertThat(names(byQualifierCount)).containsExactly("m5", "m6", "m7", "live");
        assertThat(names(byParamsCount)).containsExactly("m4", "m5", "m6", "m7", "live");
        assertThat(names(byQualifierTime)).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "live");
        assertThat(names(byParamsTime)).containsExactly("old0", "old1", "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "live");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void historyPagesBothDirectionsAndUntilAttach(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-history");
        Channel pub = seed(protocol, name, 25, "m");
        AblyRest rest = ably.rest(ably.options(protocol, ROOT_KEY));
        List<Integer> sizes = new ArrayList<>();
        List<Message> backwards = allPages(rest.channels.get(name).history(new Param[]{new Param("limit", "10")}), sizes);
        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(backwards).extracting(m -> Integer.parseInt((String) m.data)).containsExactlyElementsOf(IntStream.range(0, 25).map(i -> 24 - i).boxed().toList());
        sizes.clear();
        List<Message> forwards = allPages(pub.history(new Param[]{new Param("limit", "10"), new Param("direction", "forwards")}), sizes);
        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(forwards).extracting(m -> Integer.parseInt((String) m.data)).containsExactlyElementsOf(IntStream.range(0, 25).boxed().toList());

        Channel late = ably.connected(ably.options(protocol, ROOT_KEY)).channels.get(name);
        List<Message> live = subscribe(late);
        for (int i = 0; i < 3; i++) assertThat(AblyJava.publish(pub, "after" + i, "a")).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> live.size() >= 3);
        sizes.clear();
        List<Message> untilAttach = allPages(late.history(new Param[]{new Param("untilAttach", "true"), new Param("limit", "10")}), sizes);
        assertThat(untilAttach).hasSize(25);
        assertThat(untilAttach.get(0).name).isEqualTo("m24");
        assertThat(late.history(new Param[]{new Param("limit", "100")}).items()).hasSize(28);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void idempotentRestPublishWithExplicitIds(WireProtocol protocol) throws Exception {
        String name = uniqueChannel("java-idem");
        List<Message> got = subscribe(ably.connected(ably.options(protocol, ROOT_KEY)).channels.get(name));
        AblyRest rest = ably.rest(ably.options(protocol, ROOT_KEY));
        var channel = rest.channels.get(name);
        for (int attempt = 0; attempt < 2; attempt++) {
            Message a = new Message("b", "0");
            a.id = "java-batch:0";
            Message b = new Message("b", "1");
            b.id = "java-batch:1";
            channel.publish(new Message[]{a, b});
        }
        channel.publish("end", "x");
        await().atMost(AblyJava.TIMEOUT).until(() -> got.stream().anyMatch(m -> "end".equals(m.name)));
        assertThat(got).extracting(m -> m.id).containsExactly("java-batch:0", "java-batch:1", got.get(2).id);
        assertThat(channel.history(null).items()).hasSize(3);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void sandboxAppIsCreatedUsedAndDeleted(WireProtocol protocol) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String spec = "{\"keys\":[{}],\"namespaces\":[{\"id\":\"persisted\",\"persisted\":true}]}";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/apps"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode app = new ObjectMapper().readTree(created.body());
        String key = app.path("keys").path(0).path("keyStr").asText();
        AblyRealtime client = ably.connected(ably.options(protocol, key));
        Channel channel = client.channels.get(uniqueChannel("sandbox"));
        List<Message> got = subscribe(channel);
        assertThat(AblyJava.publish(channel, "hello", "sandbox")).isNull();
        await().atMost(AblyJava.TIMEOUT).until(() -> got.stream().anyMatch(m -> "hello".equals(m.name)));

        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(URI.create(server.httpBase() + "/apps/" + app.path("appId").asText()))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isBetween(200, 299);
        AblyRealtime after = ably.realtime(ably.options(protocol, key));
        AblyJava.awaitState(after, ConnectionState.failed);
        assertThat(after.connection.reason.code).isEqualTo(40101);
    }
}
