package dev.switchboard.server.rules;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.channel.PublishOutcome;
import dev.switchboard.server.config.ServerConfig;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import dev.switchboard.server.protocol.WireFormat;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/** Shared helpers for the rules integration tests: a real server with a rules config, publishing, a webhook receiver. */
final class RulesTestSupport {
    static final String APP = "app1";
    private static final AtomicInteger PUBLISHES = new AtomicInteger();

    private RulesTestSupport() {}

    static JsonNode json(String text) {
        try {
            return WireFormat.jsonMapper().readTree(text.replace('\'', '"'));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static JsonNode json(byte[] bytes) {
        try {
            return WireFormat.jsonMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ServerConfig config(Path dir, JsonNode file) {
        return ServerConfig.defaults(APP + ".root:secret", dir).withFile(file);
    }

    static SwitchboardServer start(Path dir, String rulesJson, RuleFunctions functions) {
        return SwitchboardServer.start(config(dir, json("{'rules': " + rulesJson + "}")), Clock.systemUTC(), List.of(), functions);
    }

    /** Publishes one text message through the channel registry; completes when the channel has accepted it. */
    static CompletableFuture<PublishOutcome> publish(SwitchboardServer server, String channel, String name, Object data) {
        Payload payload = data instanceof byte[] b ? new Payload(b, null) : new Payload(data, null);
        Message m = new Message(null, name, "tester", null, null, payload, null, null);
        return server.context().channels().publish(APP, channel, List.of(m), "pub" + PUBLISHES.incrementAndGet());
    }

    static RuleStats stats(SwitchboardServer server, String ruleId) {
        return server.rules().snapshot().rule(ruleId);
    }

    /** Captures what the rules engine logs. */
    static ListAppender<ILoggingEvent> captureEngineLog() {
        Logger logger = (Logger) LoggerFactory.getLogger(RulesEngine.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    static void stopCapture(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(RulesEngine.class)).detachAppender(appender);
    }

    /** One request a {@link Receiver} got, and the status it answered. */
    record Received(String path, Map<String, List<String>> headers, byte[] body, int status) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) return e.getValue().get(0);
            }
            return null;
        }

        JsonNode json() { return RulesTestSupport.json(body); }

        boolean ok() { return status / 100 == 2; }
    }

    /** A local HTTP endpoint: answers request number n (0-based, per server) with {@code statusFor(n)}; 0 means never answer. */
    static final class Receiver implements AutoCloseable {
        final List<Received> requests = new CopyOnWriteArrayList<>();
        private final HttpServer http;
        private final AtomicInteger count = new AtomicInteger();
        private final List<com.sun.net.httpserver.HttpExchange> hanging = new CopyOnWriteArrayList<>();

        Receiver(IntUnaryOperator statusFor) throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/", exchange -> {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                int status = statusFor.applyAsInt(count.getAndIncrement());
                requests.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body, status));
                if (status == 0) { // never answer: the caller's timeout has to act
                    hanging.add(exchange);
                    return;
                }
                byte[] answer = (status / 100 == 2 ? "ok" : "try again").getBytes();
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            http.start();
        }

        String url(String path) { return "http://127.0.0.1:" + http.getAddress().getPort() + path; }

        List<Received> delivered() { return requests.stream().filter(Received::ok).toList(); }

        @Override
        public void close() {
            hanging.forEach(com.sun.net.httpserver.HttpExchange::close);
            http.stop(0);
        }
    }
}
