package dev.switchboard.server.config;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;

/**
 * The socket layer the event loops run on. {@code auto} takes epoll where Netty's native library loads, else Java NIO.
 * {@code io_uring} is experimental: one submission carries many sockets' writes (15–20 % less server CPU per fan-out
 * delivery than epoll in quick fan-out runs here), but ably-js's tests against it failed with an event loop that had
 * terminated, which is not understood yet; it is also often unavailable in containers (seccomp).
 */
public enum IoTransport {
    AUTO, IO_URING, EPOLL, NIO;

    static IoTransport parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be auto, io_uring, epoll or nio");
        }
    }

    /** The Vert.x transport to use: the one asked for, which must be available, or for {@code auto} the first available. */
    public Transport resolve() {
        return switch (this) {
            case AUTO -> Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
            case IO_URING -> required(Transport.IO_URING);
            case EPOLL -> required(Transport.EPOLL);
            case NIO -> Transport.NIO;
        };
    }

    /** A Vert.x instance on this transport. */
    public Vertx vertx(VertxOptions options) {
        return Vertx.builder().with(options).withTransport(resolve()).build();
    }

    private Transport required(Transport t) {
        if (!t.available()) {
            Throwable why = t.unavailabilityCause();
            throw new SettingsException(Settings.TRANSPORT.env() + "=" + name().toLowerCase(java.util.Locale.ROOT)
                    + ": that transport is not available here" + (why == null ? "" : " (" + why.getMessage() + ")") + "; use auto");
        }
        return t;
    }
}
