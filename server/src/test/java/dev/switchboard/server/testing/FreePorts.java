package dev.switchboard.server.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the helper processes the tests start (redis-server, haproxy). They are picked below Linux's ephemeral
 * range (32768 and up): a port from {@code new ServerSocket(0)} is released before the process binds it, and in
 * between one of the run's many client connections could take it as its source port.
 */
public final class FreePorts {
    private FreePorts() {}

    /** A loopback port between 20000 and 32000 that is free now. */
    public static int belowEphemeralRange() throws IOException {
        for (int tries = 0; tries < 1_000; tries++) {
            int candidate = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket s = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }
}
