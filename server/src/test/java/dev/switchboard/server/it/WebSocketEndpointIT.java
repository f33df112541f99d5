package dev.switchboard.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.testing.SwitchboardExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket endpoint at the byte level (it is written on Netty, not the HTTP server's WebSocket): the handshake's
 * refusals, no extension offered back, fragmented messages, ping, and the close handshake in both directions.
 */
class WebSocketEndpointIT {
    @RegisterExtension
    static final SwitchboardExtension server = new SwitchboardExtension();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anUpgradeOfferingCompressionIsAnsweredWithoutExtensionsAndWorks() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?format=json&key=" + key(), Map.of(
                "Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"))) {
            assertThat(c.status).isEqualTo(101);
            assertThat(c.headers).doesNotContainKey("sec-websocket-extensions");
            assertThat(c.readJson().path("action").asInt()).isEqualTo(4); // CONNECTED
            c.send(0x1, true, "{\"action\":10,\"channel\":\"plain\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(c.readJson().path("action").asInt()).isEqualTo(11); // ATTACHED
        }
    }

    @Test
    void anUnsupportedVersionGets426NamingVersion13() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?key=" + key(), Map.of("Sec-WebSocket-Version", "99"))) {
            assertThat(c.status).isEqualTo(426);
            assertThat(c.headers.get("sec-websocket-version")).isEqualTo("13");
        }
    }

    @Test
    void anUpgradeWithoutAKeyGets400() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?key=" + key(), Map.of("Sec-WebSocket-Key", ""))) {
            assertThat(c.status).isEqualTo(400);
        }
    }

    @Test
    void anUnknownPathIsClosedWithPolicyViolation() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/elsewhere?key=" + key(), Map.of())) {
            assertThat(c.status).isEqualTo(101);
            Frame close = c.read();
            assertThat(close.opcode).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1008);
            assertThat(close.closeReason()).contains("/elsewhere");
        }
    }

    @Test
    void aMessageInFragmentsIsReadAsOne() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?format=json&key=" + key(), Map.of())) {
            c.readJson(); // CONNECTED
            byte[] attach = "{\"action\":10,\"channel\":\"fragmented\"}".getBytes(StandardCharsets.UTF_8);
            c.send(0x1, false, java.util.Arrays.copyOfRange(attach, 0, 5));
            c.send(0x9, true, "between".getBytes(StandardCharsets.UTF_8)); // a ping may come between fragments
            c.send(0x0, false, java.util.Arrays.copyOfRange(attach, 5, 20));
            c.send(0x0, true, java.util.Arrays.copyOfRange(attach, 20, attach.length));
            Frame pong = c.read();
            assertThat(pong.opcode).isEqualTo(0xA);
            assertThat(new String(pong.payload, StandardCharsets.UTF_8)).isEqualTo("between");
            JsonNode attached = c.readJson();
            assertThat(attached.path("action").asInt()).isEqualTo(11);
            assertThat(attached.path("channel").asText()).isEqualTo("fragmented");
        }
    }

    @Test
    void aContinuationWithoutAMessageIsAProtocolError() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?format=json&key=" + key(), Map.of())) {
            c.readJson();
            c.send(0x0, true, "stray".getBytes(StandardCharsets.UTF_8));
            Frame close = c.read();
            assertThat(close.opcode).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1002);
        }
    }

    @Test
    void aFrameOverTheLimitIsClosedAsTooBig() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?format=json&key=" + key(), Map.of())) {
            c.readJson();
            // The header alone: the server answers from it (and no unread payload turns its close into a reset).
            c.sendHeaderOnly(0x1, server.server().context().config().maxFrameSize() + 1);
            Frame close = c.read();
            assertThat(close.opcode).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void aClientCloseIsAnsweredWithItsCodeAndTheSocketEnds() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?format=json&key=" + key(), Map.of())) {
            c.readJson();
            c.send(0x8, true, new byte[]{0x03, (byte) 0xE8}); // 1000
            Frame close = c.read();
            assertThat(close.opcode).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1000);
            assertThat(c.in.read()).isEqualTo(-1);
        }
    }

    @Test
    void aRefusedConnectionReadsItsErrorThenAClose() throws Exception {
        try (Client c = Client.upgrade(server.port(), "/?format=json&key=" + URLEncoder.encode("app.nope:wrong", StandardCharsets.UTF_8), Map.of())) {
            JsonNode error = c.readJson();
            assertThat(error.path("action").asInt()).isEqualTo(9);
            assertThat(error.path("error").path("code").asInt()).isBetween(40100, 40199);
            Frame close = c.read();
            assertThat(close.opcode).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1000);
        }
    }

    private static String key() { return URLEncoder.encode(SwitchboardExtension.ROOT_KEY, StandardCharsets.UTF_8); }

    record Frame(int opcode, boolean fin, byte[] payload) {
        int closeCode() { return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF); }

        String closeReason() { return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8); }
    }

    /** A WebSocket client of a few lines: the handshake with chosen headers, masked frames out, frames in. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();

        private Client(int port) throws IOException {
            socket = new Socket("localhost", port);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        static Client upgrade(int port, String target, Map<String, String> extra) throws IOException {
            Client c = new Client(port);
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Host", "localhost:" + port);
            h.put("Upgrade", "websocket");
            h.put("Connection", "Upgrade");
            h.put("Sec-WebSocket-Version", "13");
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            h.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(nonce));
            h.putAll(extra);
            StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\n");
            h.forEach((k, v) -> { if (!v.isEmpty()) request.append(k).append(": ").append(v).append("\r\n"); });
            c.out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            c.out.flush();
            String statusLine = c.line();
            c.status = Integer.parseInt(statusLine.split(" ")[1]);
            for (String line = c.line(); !line.isEmpty(); line = c.line()) {
                int colon = line.indexOf(':');
                c.headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
            }
            return c;
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int ch = in.read(); ch != '\n'; ch = in.read()) {
                if (ch < 0) throw new IOException("closed in the headers");
                if (ch != '\r') b.write(ch);
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        void send(int opcode, boolean fin, byte[] payload) throws IOException {
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            f.write((fin ? 0x80 : 0) | opcode);
            int n = payload.length;
            if (n < 126) {
                f.write(0x80 | n);
            } else if (n <= 0xFFFF) {
                f.write(0x80 | 126);
                f.write(n >>> 8);
                f.write(n);
            } else {
                f.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) f.write((int) ((long) n >>> shift));
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            f.write(mask);
            for (int i = 0; i < n; i++) f.write(payload[i] ^ mask[i & 3]);
            out.write(f.toByteArray());
            out.flush();
        }

        void sendHeaderOnly(int opcode, int length) throws IOException {
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            f.write(0x80 | opcode);
            f.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) f.write((int) ((long) length >>> shift));
            f.write(new byte[4]);
            out.write(f.toByteArray());
            out.flush();
        }

        Frame read() throws IOException {
            int b0 = in.readUnsignedByte(), b1 = in.readUnsignedByte();
            long n = b1 & 0x7F;
            if (n == 126) n = in.readUnsignedShort();
            else if (n == 127) n = in.readLong();
            assertThat(b1 & 0x80).as("server frames are not masked").isZero();
            byte[] payload = new byte[(int) n];
            in.readFully(payload);
            return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
        }

        JsonNode readJson() throws IOException {
            Frame f = read();
            assertThat(f.opcode).as("a text frame").isEqualTo(0x1);
            return JSON.readTree(f.payload);
        }

        @Override
        public void close() throws IOException { socket.close(); }
    }
}
