package dev.switchboard.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay in front of PostgreSQL that can stop forwarding what replication connections send to the server (the
 * connector's reports of how far it got), as if they were lost on the way: the server keeps streaming WAL, the client
 * keeps publishing, but the slot's confirmed position stays where it was. Ordinary connections are relayed as they
 * are. A client that goes away closes its server connection, so a killed client's sessions end as they would directly.
 */
final class ReplicationFeedbackProxy implements AutoCloseable {
    /** In the startup packet of a logical replication connection: the parameter {@code replication=database}. */
    private static final byte[] REPLICATION_PARAMETER = "replication\0database\0".getBytes(StandardCharsets.US_ASCII);
    private static final int STARTUP_BYTES = 1024;

    private final ServerSocket listener;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean dropping;

    ReplicationFeedbackProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "pg-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() { return listener.getLocalPort(); }

    /** From now on, bytes replication connections send to the server are dropped (for good: the stream is broken after). */
    void dropReplicationFeedback() { dropping = true; }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                start("pg-proxy-up", () -> relayUp(client, server));
                start("pg-proxy-down", () -> relay(server, client));
            } catch (IOException e) {
                if (listener.isClosed()) return;
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** Client to server: recognises a replication connection by its startup packet, drops its bytes once asked to. */
    private void relayUp(Socket client, Socket server) {
        byte[] startup = new byte[STARTUP_BYTES];
        int startupLength = 0;
        boolean replication = false;
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!replication && startupLength < STARTUP_BYTES) {
                    int copy = Math.min(n, STARTUP_BYTES - startupLength);
                    System.arraycopy(buf, 0, startup, startupLength, copy);
                    startupLength += copy;
                    replication = contains(startup, startupLength, REPLICATION_PARAMETER);
                }
                if (replication && dropping) continue;
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side went away: both are closed below
        } finally {
            closeBoth(client, server);
        }
    }

    private void relay(Socket from, Socket to) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side went away: both are closed below
        } finally {
            closeBoth(from, to);
        }
    }

    private void closeBoth(Socket a, Socket b) {
        for (Socket s : new Socket[] {a, b}) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
            sockets.remove(s);
        }
    }

    private static boolean contains(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) s.close();
    }
}
