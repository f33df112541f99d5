package dev.switchboard.server.broker;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.SwitchboardException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * What {@link RedisBroker} and {@link RedisPresenceManager} share: channel hash tags, Lua scripts, error mapping. The
 * public members ({@link Clients}, {@link Script}, {@link #escape}) are for the other Redis stores (token nonces, rate
 * limits), so that every Redis user connects, runs scripts and maps failures the same way.
 */
public final class RedisSupport {
    private static final Logger log = LoggerFactory.getLogger(RedisSupport.class);

    private RedisSupport() {}

    /** {@code sb:{appId:name}:}, the prefix of every key of a channel: one hash tag, so one Cluster slot. */
    static String channelPrefix(ChannelKey channel) { return "sb:{" + tag(channel) + "}:"; }

    /** The channel's hash tag, {@code appId:name} escaped; {@link #untag} gives the channel back. */
    static String tag(ChannelKey channel) { return escape(channel.appId()) + ":" + escape(channel.name()); }

    static ChannelKey untag(String tag) {
        int colon = tag.indexOf(':');
        return new ChannelKey(unescape(tag.substring(0, colon)), unescape(tag.substring(colon + 1)));
    }

    /**
     * Percent-escapes what would break the hash tag ({@code { }}) or make two channels share keys ({@code : %}):
     * the tag stays readable and is the same on every node.
     */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '%' -> out.append("%25");
                case '{' -> out.append("%7B");
                case '}' -> out.append("%7D");
                case ':' -> out.append("%3A");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A Lua script: its resource files (under {@code redis/}) one after the other, and its SHA-1 digest for EVALSHA. */
    public record Script(byte[] source, String sha) {
        static Script load(String... names) { return load(RedisSupport.class, names); }

        /** The script of the resources {@code redis/<name>.lua} beside {@code owner}'s class file. */
        public static Script load(Class<?> owner, String... names) {
            StringBuilder text = new StringBuilder();
            for (String name : names) text.append(resource(owner, name)).append('\n');
            byte[] source = utf8(text.toString());
            try {
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source));
                return new Script(source, sha);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String resource(Class<?> owner, String name) {
            String path = "redis/" + name + ".lua";
            try (InputStream in = owner.getResourceAsStream(path)) {
                if (in == null) throw new IllegalStateException("missing resource " + path);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** How long a script is tried again while its slot is being resharded (Redis answers TRYAGAIN meanwhile). */
    static final long RESHARDING_PATIENCE_MS = 5_000;
    private static final long RESHARDING_RETRY_MS = 20;

    /**
     * Runs a script by its digest; a Redis that lost its script cache (restarted, failed over) gets the source, and a
     * script whose keys are half moved by a resharding (TRYAGAIN) is run again shortly, for a few seconds at most.
     */
    static CompletableFuture<List<Object>> run(RedisClusterAsyncCommands<byte[], byte[]> commands, Script script, String what,
                                               List<byte[]> keys, List<byte[]> args) {
        CompletableFuture<List<Object>> result = new CompletableFuture<>();
        attempt(commands, script, what, keys.toArray(new byte[0][]), args.toArray(new byte[0][]), System.nanoTime(), result);
        return result;
    }

    private static void attempt(RedisClusterAsyncCommands<byte[], byte[]> commands, Script script, String what, byte[][] k, byte[][] a,
                                long startedAt, CompletableFuture<List<Object>> result) {
        java.util.function.BiConsumer<List<Object>, Throwable> answer = (reply, failure) -> {
            if (failure == null) {
                result.complete(reply);
            } else if (resharding(failure) && System.nanoTime() - startedAt < TimeUnit.MILLISECONDS.toNanos(RESHARDING_PATIENCE_MS)) {
                CompletableFuture.delayedExecutor(RESHARDING_RETRY_MS, TimeUnit.MILLISECONDS)
                        .execute(() -> attempt(commands, script, what, k, a, startedAt, result));
            } else {
                result.completeExceptionally(failure(what, failure));
            }
        };
        try {
            commands.<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, k, a).whenComplete((reply, failure) -> {
                if (failure != null && unwrap(failure) instanceof RedisNoScriptException) {
                    commands.<List<Object>>eval(script.source(), ScriptOutputType.MULTI, k, a).whenComplete(answer);
                } else {
                    answer.accept(reply, failure);
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(failure(what, e));
        }
    }

    /** TRYAGAIN: a multi-key command while some of its keys have moved to the slot's new master and some not yet. */
    private static boolean resharding(Throwable failure) {
        Throwable t = unwrap(failure);
        return t.getMessage() != null && t.getMessage().startsWith("TRYAGAIN");
    }

    /** A plain command's future, its failures mapped as a script's are. */
    static <T> CompletableFuture<T> guard(String what, java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<T>> command) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            command.get().whenComplete((value, failure) -> {
                if (failure == null) result.complete(value);
                else result.completeExceptionally(failure(what, failure));
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(failure(what, e));
        }
        return result;
    }

    /** Every Redis failure is the store being unavailable to the caller: retriable, with what went wrong. */
    static SwitchboardException failure(String what, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof SwitchboardException s) return s;
        if (cause instanceof RedisCommandExecutionException) log.warn("Redis refused to {}", what, cause);
        return ErrorCode.TIMEOUT.exception("Redis could not " + what + " (" + describe(cause) + "); try again");
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    static String describe(Throwable t) {
        Throwable cause = unwrap(t);
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * A node's command connection to a standalone Redis or a Cluster, connected before the constructor returns (it
     * blocks); unreachable, it throws a retriable 50003. Stores outside this package share one through {@link #run}.
     */
    public static final class Clients implements AutoCloseable {
        final ClientResources resources;
        final RedisClient standaloneClient;
        final RedisClusterClient clusterClient;
        final StatefulConnection<byte[], byte[]> connection;
        final RedisClusterAsyncCommands<byte[], byte[]> commands;

        private Clients(ClientResources resources, RedisClient standaloneClient, RedisClusterClient clusterClient,
                        StatefulConnection<byte[], byte[]> connection, RedisClusterAsyncCommands<byte[], byte[]> commands) {
            this.resources = resources;
            this.standaloneClient = standaloneClient;
            this.clusterClient = clusterClient;
            this.connection = connection;
            this.commands = commands;
        }

        static {
            // Lettuce prefers epoll anyway, but with both native transports on the class path (io_uring is an option of
            // the event loops, SWITCHBOARD_TRANSPORT) it warns once per client; asked for, it is still used for Vert.x.
            if (System.getProperty("io.lettuce.core.iouring") == null) System.setProperty("io.lettuce.core.iouring", "false");
        }

        /** Connects to the Redis of {@code config}; blocks up to its command timeout, then throws a retriable 50003. */
        public static Clients connect(RedisBroker.Config config) {
            // Reconnect quickly (at most every 2 s): a restarted Redis is used again as soon as it answers.
            ClientResources resources = ClientResources.builder()
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                    .build();
            Duration timeout = config.commandTimeout();
            SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
            RedisClient standalone = null;
            RedisClusterClient cluster = null;
            try {
                if (config.isCluster()) {
                    List<RedisURI> seeds = config.clusterNodes().stream().map(Clients::clusterUri).toList();
                    seeds.forEach(u -> u.setTimeout(timeout));
                    cluster = RedisClusterClient.create(resources, seeds);
                    cluster.setOptions(ClusterClientOptions.builder()
                            .socketOptions(socket)
                            .timeoutOptions(TimeoutOptions.enabled(timeout))
                            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                    .enableAllAdaptiveRefreshTriggers()
                                    .enablePeriodicRefresh(Duration.ofSeconds(30))
                                    .build())
                            .build());
                    var connection = cluster.connect(ByteArrayCodec.INSTANCE);
                    return new Clients(resources, null, cluster, connection, connection.async());
                }
                RedisURI uri = RedisURI.create(config.redisUrl());
                uri.setTimeout(timeout);
                standalone = RedisClient.create(resources, uri);
                standalone.setOptions(ClientOptions.builder()
                        .socketOptions(socket)
                        .timeoutOptions(TimeoutOptions.enabled(timeout))
                        .build());
                var connection = standalone.connect(ByteArrayCodec.INSTANCE);
                return new Clients(resources, standalone, null, connection, connection.async());
            } catch (RuntimeException e) {
                new Clients(resources, standalone, cluster, null, null).close();
                throw ErrorCode.TIMEOUT.exception("Redis at " + (config.isCluster() ? config.clusterNodes() : config.redisUrl())
                        + " could not be reached (" + describe(e) + ")");
            }
        }

        private static RedisURI clusterUri(String hostPort) {
            if (hostPort.contains("://")) return RedisURI.create(hostPort);
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) return RedisURI.create("redis://" + hostPort);
            return RedisURI.create(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        }

        /**
         * Runs {@code script} on {@code keys} (one slot in a Cluster) without blocking; completes on a Lettuce thread
         * with the script's array reply, or fails with a retriable 50003 naming {@code what} could not be done.
         */
        public CompletableFuture<List<Object>> run(Script script, String what, List<byte[]> keys, List<byte[]> args) {
            return RedisSupport.run(commands, script, what, keys, args);
        }

        /** Closes the connection and Lettuce's threads; blocks up to a few seconds. */
        @Override
        public void close() {
            try {
                if (connection != null) connection.close();
            } catch (RuntimeException e) {
                log.debug("Closing the Redis connection failed", e);
            }
            try {
                if (standaloneClient != null) standaloneClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                if (clusterClient != null) clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                log.debug("Shutting the Redis client down failed", e);
            }
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Lua strings are bytes: cmsgpack writes them as MessagePack str, which must be read raw, not as UTF-8. */
    static byte[] readBytes(MessageUnpacker in) throws IOException {
        ValueType type = in.getNextFormat().getValueType();
        int length = type == ValueType.BINARY ? in.unpackBinaryHeader() : in.unpackRawStringHeader();
        return in.readPayload(length);
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static byte[] ascii(Object o) { return String.valueOf(o).getBytes(StandardCharsets.US_ASCII); }

    static String text(Object bytes) { return new String((byte[]) bytes, StandardCharsets.UTF_8); }
}
