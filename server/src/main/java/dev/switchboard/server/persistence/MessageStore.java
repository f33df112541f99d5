package dev.switchboard.server.persistence;

import dev.switchboard.server.protocol.Message;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where persisted channels keep their messages, so that history, resume, rewind and idempotent publishing outlive
 * the process. A channel is identified by (appId, channel) and numbered within its epoch.
 *
 * <p>Contract: {@link #append} never blocks the caller; its future completes (on a thread of the store) once the
 * messages and the channel's epoch and last serial are durable — committed — or fails with a retriable error, in
 * which case nothing of that append is visible. Appends complete in the order they were made; many appends share
 * a commit (group commit). Reads see every completed append. Messages older than their retention are never
 * returned. {@link #load} is blocking and meant for start-up.
 */
public interface MessageStore extends AutoCloseable {

    /** One channel's messages to make durable, with serials (seq) already assigned, and the channel's position after them. */
    record Append(String appId, String channel, String epoch, long lastSeq, long retentionMs, List<StoredMessage> messages) {}

    /** A message as stored: its position in the channel's epoch and the message as accepted (id, timestamp, serial...). */
    record StoredMessage(long seq, Message message) {}

    /** A persisted channel as found at start-up: its epoch, last serial and its most recent messages, oldest first. */
    record StoredChannel(String appId, String channel, String epoch, long lastSeq, List<StoredMessage> recent) {}

    /**
     * A history query pushed down to the store: messages of one channel epoch with {@code seq <= untilSeq}, strictly
     * beyond {@code cursor} in the direction of reading, within [start, end] by timestamp; at most {@code limit}, newest
     * first when {@code backwards}.
     */
    record HistoryQuery(String appId, String channel, String epoch, long untilSeq, Long cursor, Long start, Long end,
                        boolean backwards, int limit) {}

    CompletableFuture<Void> append(Append append);

    CompletableFuture<List<StoredMessage>> history(HistoryQuery query);

    /** Every persisted channel with the messages it accepted at or after {@code since} (ms), for the memory window. */
    List<StoredChannel> load(long since) throws Exception;

    @Override
    void close();
}
