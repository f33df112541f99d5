package dev.switchboard.server.channel;

import dev.switchboard.server.broker.Broker;
import dev.switchboard.server.broker.ChannelKey;
import dev.switchboard.server.persistence.MessageStore;
import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a channel's messages onwards from one of them, wherever the channel keeps them: the store for a persisted
 * namespace, the shared log (Redis, or memory on one node), or the channel's own memory. For what needs a message
 * and everything that happened to it since (its latest version, its versions, its annotations).
 */
public final class ChannelLog {
    private static final int PAGE = 1000;

    private final ChannelRegistry channels;

    ChannelLog(ChannelRegistry channels) { this.channels = channels; }

    /**
     * The channel's messages from the one with {@code serial} on, oldest first, each with its serial. Fails with 40400
     * when the serial is not one of the channel's current epoch (never given out, or from before history was lost).
     */
    public CompletableFuture<List<Message>> from(String appId, String channelName, String serial) {
        ChannelSerial target = ChannelSerial.parse(serial);
        if (target == null) return CompletableFuture.failedFuture(notFound(serial));
        if (channels.persisted(channelName)) return fromStore(channels.channel(appId, channelName), serial, target.seq());
        if (channels.shared() != null) {
            return fromShared(new ChannelKey(appId, channelName), target, null, new ArrayList<>());
        }
        Channel channel = channels.existing(appId, channelName);
        if (channel == null) return CompletableFuture.failedFuture(notFound(serial));
        long now = channels.clock().millis();
        return channels.inspect(channel, c -> {
            if (c.seqOf(serial) < 0) throw notFound(serial);
            List<Message> out = new ArrayList<>();
            for (ChannelEvent e : c.retainedEvents(now)) {
                for (int i = 0; i < e.messages().size(); i++) if (e.firstSeq() + i >= target.seq()) out.add(e.messages().get(i));
            }
            return out;
        });
    }

    /** Every message the channel keeps, oldest first, each with its serial (empty for a channel never used). */
    public CompletableFuture<List<Message>> all(String appId, String channelName) {
        if (channels.persisted(channelName)) {
            return channels.inspect(channels.channel(appId, channelName), c -> c).thenCompose(c -> storePages(c, null, new ArrayList<>()));
        }
        if (channels.shared() != null) return sharedPages(new ChannelKey(appId, channelName), null, null, new ArrayList<>());
        Channel channel = channels.existing(appId, channelName);
        if (channel == null) return CompletableFuture.completedFuture(new ArrayList<>());
        long now = channels.clock().millis();
        return channels.inspect(channel, c -> {
            List<Message> out = new ArrayList<>();
            for (ChannelEvent e : c.retainedEvents(now)) out.addAll(e.messages());
            return out;
        });
    }

    private CompletableFuture<List<Message>> fromStore(Channel channel, String serial, long fromSeq) {
        return channels.inspect(channel, c -> {
            if (c.seqOf(serial) < 0) throw notFound(serial);
            return c;
        }).thenCompose(c -> storePages(c, fromSeq - 1, new ArrayList<>()));
    }

    private CompletableFuture<List<Message>> storePages(Channel c, Long after, List<Message> out) {
        MessageStore.HistoryQuery q = c.historyQuery(Long.MAX_VALUE, after, null, null, false, PAGE);
        return c.store().history(q).thenCompose(page -> {
            for (MessageStore.StoredMessage sm : page) out.add(c.withSerial(sm));
            if (page.size() < PAGE) return CompletableFuture.completedFuture(out);
            return storePages(c, page.get(page.size() - 1).seq(), out);
        });
    }

    private CompletableFuture<List<Message>> fromShared(ChannelKey key, ChannelSerial target, Long after, List<Message> out) {
        return sharedPages(key, target, after == null ? target.seq() - 1 : after, out);
    }

    /** The shared log's messages after {@code after} (null: from its start); {@code target}, when given, must be of its epoch. */
    private CompletableFuture<List<Message>> sharedPages(ChannelKey key, ChannelSerial target, Long after, List<Message> out) {
        Broker.HistoryQuery q = new Broker.HistoryQuery(null, null, false, PAGE, null, after);
        return channels.shared().broker().history(key, q).thenCompose(page -> {
            if (target != null && (page.epoch() == null || !page.epoch().equals(target.epoch()))) throw notFound(target.format());
            for (Broker.Entry e : page.entries()) {
                Message m = BrokerLink.messageOf(e, new ChannelSerial(page.epoch(), e.offset()).formatSortable());
                if (m != null) out.add(m);
            }
            if (!page.more() || page.entries().isEmpty()) return CompletableFuture.completedFuture(out);
            return sharedPages(key, target, page.entries().get(page.entries().size() - 1).offset(), out);
        });
    }

    private static RuntimeException notFound(String serial) {
        return ErrorCode.NOT_FOUND.exception("No message with serial " + serial + " on this channel (unknown, or no longer kept)");
    }
}
