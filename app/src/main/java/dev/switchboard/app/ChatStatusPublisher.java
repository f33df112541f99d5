package dev.switchboard.app;

import dev.switchboard.chat.ChatChannels;
import dev.switchboard.server.channel.ChannelRegistry;
import dev.switchboard.server.health.Health;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Tells the chat's pages whether messages can be saved (the database answers) and delivered (the change connector
 * streams), on {@link ChatChannels#STATUS}: when that changes, and again every {@link #REPEAT_MS} while something is
 * wrong, so that a page attaching with {@code rewind=1} learns it too. No message at all means everything works.
 * Reads the server's health checks, which never block, on an event loop timer.
 */
final class ChatStatusPublisher implements AutoCloseable {
    static final long CHECK_EVERY_MS = 250;
    static final long REPEAT_MS = 30_000;

    private final Vertx vertx;
    private final Health health;
    private final ChannelRegistry channels;
    private final String appId;
    private final Clock clock;
    private final String idBase = "chat-status-" + UUID.randomUUID();
    private long timer = -1;
    private String last = "{\"saving\":true,\"delivering\":true}";
    private long lastAt;
    private long sequence;

    ChatStatusPublisher(Vertx vertx, Health health, ChannelRegistry channels, String appId, Clock clock) {
        this.vertx = vertx;
        this.health = health;
        this.channels = channels;
        this.appId = appId;
        this.clock = clock;
    }

    ChatStatusPublisher start() {
        timer = vertx.setPeriodic(CHECK_EVERY_MS, id -> check());
        return this;
    }

    /** The status as the pages read it: {@code {"saving": bool, "delivering": bool}}. */
    static String statusOf(Map<String, String> problems) {
        boolean saving = !problems.containsKey("database");
        boolean delivering = saving && !problems.containsKey("connector");
        return "{\"saving\":" + saving + ",\"delivering\":" + delivering + "}";
    }

    private void check() {
        String now = statusOf(health.problems());
        boolean allWell = now.equals("{\"saving\":true,\"delivering\":true}");
        long at = clock.millis();
        if (now.equals(last) && (allWell || at - lastAt < REPEAT_MS)) return;
        last = now;
        lastAt = at;
        Message m = new Message(null, "status", null, null, null, new Payload(now, null), null, null);
        channels.publish(appId, ChatChannels.STATUS, List.of(m), idBase + ":" + (sequence++));
    }

    @Override
    public void close() {
        if (timer >= 0) vertx.cancelTimer(timer);
    }
}
