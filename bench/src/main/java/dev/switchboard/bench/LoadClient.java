package dev.switchboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The load generator's transport: one Vert.x instance with a few event loops and one WebSocket client per
 * source address (127.0.0.2, .3, ...), so tens of thousands of connections to one server port do not run
 * out of ephemeral ports. Each connection lives on one event loop; handlers never block.
 */
public final class LoadClient implements AutoCloseable {
    private final Vertx vertx;
    private final WebSocketClient[] clients;
    private int next;

    public LoadClient(int eventLoops, int sourceAddresses) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true));
        this.clients = new WebSocketClient[sourceAddresses];
        for (int i = 0; i < sourceAddresses; i++) {
            clients[i] = vertx.createWebSocketClient(new WebSocketClientOptions()
                    .setLocalAddress("127.0.0." + (2 + i))
                    .setMaxConnections(100_000)
                    .setTcpNoDelay(true)
                    .setConnectTimeout(30_000)
                    .setMaxFrameSize(1 << 20)
                    .setMaxMessageSize(1 << 22));
        }
    }

    public Vertx vertx() { return vertx; }

    /** Opens a WebSocket from the next source address; the socket's handlers run on one event loop. */
    public synchronized Future<WebSocket> connect(String host, int port, String uri) {
        WebSocketClient c = clients[next++ % clients.length];
        return c.connect(new WebSocketConnectOptions().setHost(host).setPort(port).setURI(uri).setTimeout(60_000));
    }

    /**
     * Runs {@code n} asynchronous opens with at most {@code inFlight} outstanding, blocking the caller (never
     * an event loop) until all finished. Returns the first failure, if any.
     */
    public static Throwable runBounded(int n, int inFlight, Supplier<Future<?>> open) throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < n && failure.get() == null; i++) {
            permits.acquire();
            open.get().onComplete(ar -> {
                if (ar.failed()) failure.compareAndSet(null, ar.cause());
                permits.release();
            });
        }
        if (!permits.tryAcquire(inFlight, 120, TimeUnit.SECONDS)) return new IllegalStateException("opens did not finish in 120 s");
        return failure.get();
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort at exit
        }
    }
}
