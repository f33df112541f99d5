package dev.switchboard.server.connection;

import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.WireFormat;

import java.util.List;

/**
 * How one connection's frames reach its client and the client's frames reach it: a WebSocket, or comet's HTTP
 * requests. The connection ({@link ClientConnection}) is the same whatever carries it. Every method runs on the
 * connection's event loop, except where it says otherwise.
 */
interface Transport extends FlushBatcher.Flushable {
    /** What the caller must do after frames were offered. */
    enum Verdict { WRITTEN, TOO_SLOW }

    /** What the transport tells its connection. */
    interface Client {
        /** The key the client resumes with; comet requests name the connection by it. */
        String connectionKey();

        /** One encoded frame from the client (a WebSocket message). */
        void onFrame(byte[] bytes);

        /** Frames from the client that cannot be read: the connection fails with {@code error}. */
        void onMalformed(ErrorInfo error);

        /** Protocol messages the client sent together, decoded (a comet send). */
        void onMessages(List<ProtocolMessage> messages);

        /** The client's side went away without a CLOSE; the connection stays resumable. */
        void onTransportGone();
    }

    /** Starts carrying the connection {@code client}, in {@code format}. */
    void start(Client client, WireFormat format);

    /**
     * Refuses the connection before it starts: the client gets one frame, {@code action} (ERROR, or DISCONNECTED for
     * something it may try again differently) with {@code error}, and the transport ends.
     */
    void refuse(int action, ErrorInfo error, WireFormat format);

    /** Stops reading the client's frames while the connection is being looked up elsewhere (a shared resume). */
    void pauseInbound();

    void resumeInbound();

    /** Whether the client has gone already (while a resume was looked up). Any thread. */
    boolean isGone();

    /** A control frame (CONNECTED, ACK, ATTACHED, HEARTBEAT, errors): sent now, behind any backlog. */
    void sendNow(byte[] frame);

    /** A live fan-out frame, flushed with the loop's batch; TOO_SLOW when the client is a whole buffer behind. */
    Verdict deliver(byte[] frame);

    /** A backlog (rewind, resume, SYNC), sent in order as the client takes it; TOO_SLOW when too much already waits. */
    Verdict backlog(List<byte[]> frames);

    /** When a frame was last written for the client: heartbeats fill silence. */
    long lastWriteAt();

    /** Bytes written for the client that it has not taken yet. Any thread (diagnostics, tests). */
    long bufferedBytes();

    /** Ends the transport after what was sent (CLOSED, DISCONNECTED, ERROR) has gone out. */
    void close();

    /** Ends it at once and drops what waits: a client too slow to keep up. */
    void abort();

    /** The client's side is gone already: drops what waits. */
    void release();
}
