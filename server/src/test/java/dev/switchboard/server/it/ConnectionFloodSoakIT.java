package dev.switchboard.server.it;

import dev.switchboard.server.testing.ChildServer;
import dev.switchboard.server.testing.SwitchboardExtension;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.util.Log;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The soak of the security issue: 5,000 half-open HTTP sockets and 5,000 refused WebSockets that never answer the
 * close, opened at 1,000 a second from one host after 1,000 more to warm the server up, are all closed by the timeouts, while an official SDK client's publish-to-receive round trip on the same
 * server stays under 100 ms at the 99th percentile. The server runs in its own JVM so the two sides' sockets do
 * not share one open-files limit (20,000 half-open sockets exhausted it before, and /health stopped answering).
 */
class ConnectionFloodSoakIT {
    private static final int HALF_OPEN = 5_000;
    private static final int REFUSED_WEBSOCKETS = 5_000;
    private static final int WARM_UP = 1_000;
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    /** Sockets opened per second: a sustained flood from one host, well past any real client's rate. */
    private static final int OPEN_RATE = 1_000;

    @Test
    void floodsOfIdleSocketsAreClosedByTheTimeoutsWhileAnSdkClientKeepsItsRoundTrip() throws Exception {
        try (ChildServer server = ChildServer.start(Map.of("SWITCHBOARD_HANDSHAKE_TIMEOUT_MS", "2000",
                "SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS", "20000"));
             Flood flood = new Flood(server.port())) {
            ClientOptions options = new ClientOptions(SwitchboardExtension.ROOT_KEY);
            options.restHost = "127.0.0.1";
            options.realtimeHost = "127.0.0.1";
            options.port = server.port();
            options.tls = false;
            options.logLevel = Log.WARN;
            AblyRealtime client = new AblyRealtime(options);
            try {
                await().atMost(Duration.ofSeconds(15)).until(() -> client.connection.state == ConnectionState.connected);
                Channel channel = client.channels.get("soak-rtt");
                Map<String, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();
                channel.subscribe(m -> {
                    CompletableFuture<Long> f = pending.remove(m.name);
                    if (f != null) f.complete(System.nanoTime());
                });
                await().atMost(Duration.ofSeconds(15)).until(() -> channel.state == io.ably.lib.realtime.ChannelState.attached);

                // Warm-up: the first round trips pay for class loading and JIT on both sides; they are not the flood's doing.
                for (int i = 0; i < 50; i++) {
                    CompletableFuture<Long> received = new CompletableFuture<>();
                    pending.put("warm-" + i, received);
                    channel.publish("warm-" + i, "x");
                    received.get(10, TimeUnit.SECONDS);
                }

                // The server's accept, refusal and close paths get compiled by the JIT too: a first thousand sockets do it,
                // so that the figure below is the flood's, not the first second's interpretation of unexercised code.
                flood.open(WARM_UP);
                await().atMost(Duration.ofSeconds(30)).until(() -> flood.closed() == WARM_UP);

                Thread opener = new Thread(() -> flood.open(HALF_OPEN + REFUSED_WEBSOCKETS), "flood-opener");
                opener.start();
                List<Long> roundTripsMicros = new ArrayList<>();
                long end = System.nanoTime() + DEADLINE.toNanos();
                int n = 0;
                while ((opener.isAlive() || flood.closed() < WARM_UP + HALF_OPEN + REFUSED_WEBSOCKETS) && System.nanoTime() < end) {
                    String name = "ping-" + n++;
                    CompletableFuture<Long> received = new CompletableFuture<>();
                    pending.put(name, received);
                    long sent = System.nanoTime();
                    channel.publish(name, "x");
                    long arrived = received.get(10, TimeUnit.SECONDS);
                    roundTripsMicros.add((arrived - sent) / 1_000);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // pacing: about 40 round trips a second
                }
                opener.join(TimeUnit.SECONDS.toMillis(10));

                assertThat(flood.opened()).as("sockets opened").isEqualTo(WARM_UP + HALF_OPEN + REFUSED_WEBSOCKETS);
                assertThat(flood.closed()).as("sockets the server closed within " + DEADLINE).isEqualTo(WARM_UP + HALF_OPEN + REFUSED_WEBSOCKETS);
                Collections.sort(roundTripsMicros);
                long p99 = roundTripsMicros.get((int) Math.ceil(roundTripsMicros.size() * 0.99) - 1);
                System.out.printf("Flood soak: %d round trips, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", roundTripsMicros.size(),
                        roundTripsMicros.get(roundTripsMicros.size() / 2) / 1000.0, p99 / 1000.0, roundTripsMicros.get(roundTripsMicros.size() - 1) / 1000.0);
                assertThat(roundTripsMicros.size()).as("round trips measured during the flood").isGreaterThanOrEqualTo(100);
                assertThat(p99).as("SDK round trip p99 in µs").isLessThan(100_000);
                assertThat(client.connection.state).isEqualTo(ConnectionState.connected);
            } finally {
                client.close();
            }
        }
    }

    /**
     * Opens the sockets (every other one sends half an HTTP request; the rest a WebSocket upgrade without credentials,
     * whose close they never answer) and counts the ones the server closes, reading and dropping what it sends.
     */
    private static final class Flood implements AutoCloseable {
        private static final byte[] HALF_REQUEST = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Ends: ".getBytes(StandardCharsets.US_ASCII);
        private final InetSocketAddress address;
        private final Selector selector = Selector.open();
        private final Queue<SocketChannel> toWatch = new ConcurrentLinkedQueue<>();
        private final AtomicInteger opened = new AtomicInteger();
        private final AtomicInteger closed = new AtomicInteger();
        private final Thread watcher = new Thread(this::watch, "flood-watcher");
        private volatile boolean running = true;

        Flood(int port) throws IOException {
            this.address = new InetSocketAddress("127.0.0.1", port);
            watcher.setDaemon(true);
            watcher.start();
        }

        int opened() { return opened.get(); }

        int closed() { return closed.get(); }

        /** Opens {@code count} more sockets at {@link #OPEN_RATE}, half of each kind. */
        void open(int count) {
            byte[] upgrade = ("GET /?format=json&v=6 HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            for (int i = 0; i < count && running; i++) {
                long due = start + i * (1_000_000_000L / OPEN_RATE);
                long early = due - System.nanoTime();
                if (early > 0) LockSupport.parkNanos(early);
                try {
                    SocketChannel socket = SocketChannel.open(address);
                    socket.write(ByteBuffer.wrap(i % 2 == 0 ? HALF_REQUEST : upgrade));
                    socket.configureBlocking(false);
                    opened.incrementAndGet();
                    toWatch.add(socket);
                    selector.wakeup();
                } catch (IOException e) {
                    // counted as not opened; the assertion on opened() reports it
                }
            }
        }

        private void watch() {
            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            while (running) {
                try {
                    selector.select(100);
                    SocketChannel next;
                    while ((next = toWatch.poll()) != null) next.register(selector, SelectionKey.OP_READ);
                    for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey key = it.next();
                        it.remove();
                        SocketChannel socket = (SocketChannel) key.channel();
                        int read;
                        try {
                            do {
                                sink.clear();
                                read = socket.read(sink);
                            } while (read > 0);
                        } catch (IOException reset) {
                            read = -1;
                        }
                        if (read < 0) {
                            key.cancel();
                            socket.close();
                            closed.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            running = false;
            selector.wakeup();
            for (SelectionKey key : selector.keys()) key.channel().close();
            selector.close();
        }
    }
}
