package dev.switchboard.server.util;

/** Closing what may already be broken. */
public final class Closeables {
    private Closeables() {}

    /** Closes {@code closeable} (null is fine), ignoring failures: for connections that are being given up anyway. */
    public static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) return;
        try {
            closeable.close();
        } catch (Exception ignored) {
            // broken already, or going away
        }
    }
}
