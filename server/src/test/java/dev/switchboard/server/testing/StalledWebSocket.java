package dev.switchboard.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client that stops reading after the handshake and the server's first frame, as a client on a
 * stalled network would: it can still send frames, and its small receive buffer fills at once. Shows what a
 * server keeps for a peer that never reads.
 */
public final class StalledWebSocket implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final String firstFrame;

    private StalledWebSocket(Socket socket, String firstFrame) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.firstFrame = firstFrame;
    }

    /** Connects to {@code 127.0.0.1:port} with the query (e.g. {@code key=...&format=json}) and reads the first text frame only. */
    public static StalledWebSocket open(int port, String query) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET /?" + query + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        if (!head.startsWith("HTTP/1.1 101")) throw new IOException("WebSocket upgrade refused: " + head);
        return new StalledWebSocket(socket, readTextFrame(in));
    }

    /** The server's first frame (CONNECTED or ERROR), as JSON text. */
    public String firstFrame() { return firstFrame; }

    /** Sends one masked text frame, as a client must. */
    public void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) frame.write((int) ((long) payload.length >>> shift));
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) frame.write(payload[i] ^ mask[i & 3]);
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Whether the server has closed the connection (checked without reading any pending data). */
    public boolean isClosedByServer() {
        try {
            // A write to a socket the peer has closed fails (after at most one write that elicits the reset).
            out.write(new byte[]{(byte) 0x89, (byte) 0x80, 0, 0, 0, 0}); // a masked, empty PING
            out.flush();
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException { socket.close(); }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            sb.append((char) b);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) return sb.toString();
        }
        throw new IOException("Connection closed during the handshake: " + sb);
    }

    private static String readTextFrame(InputStream in) throws IOException {
        int first = in.read();
        int second = in.read();
        if (first < 0 || second < 0) throw new IOException("Connection closed before the first frame");
        long length = second & 0x7f;
        if (length == 126) length = (in.read() << 8) | in.read();
        else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) length = (length << 8) | in.read();
        }
        return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
    }
}
