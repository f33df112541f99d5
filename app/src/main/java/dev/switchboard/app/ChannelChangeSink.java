package dev.switchboard.app;

import dev.switchboard.server.cdc.ChangeMessage;
import dev.switchboard.server.cdc.ChangeSink;
import dev.switchboard.server.channel.ChannelRegistry;
import dev.switchboard.server.metrics.Metrics;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.Payload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Publishes the change connector's messages on this server's channels, in process. A batch completes when
 * every channel has accepted (retained) its messages; repeats after a replay are dropped by the channels'
 * idempotent publishing, since the connector's message ids are derived from the change position.
 */
final class ChannelChangeSink implements ChangeSink {
    /** Messages per frame: keeps a 100k-row transaction from becoming one huge frame. */
    private static final int CHUNK = 100;

    private final ChannelRegistry channels;
    private final String appId;
    private final Metrics metrics;

    ChannelChangeSink(ChannelRegistry channels, String appId, Metrics metrics) {
        this.channels = channels;
        this.appId = appId;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<Void> publish(List<ChangeMessage> batch) {
        // Per channel, in order; channels are independent, so they proceed in parallel on their owners.
        Map<String, List<Message>> byChannel = new LinkedHashMap<>();
        for (ChangeMessage m : batch) {
            byChannel.computeIfAbsent(m.channel(), c -> new ArrayList<>())
                    .add(new Message(m.id(), m.name(), null, null, null, new Payload(m.data(), null), null, null));
        }
        List<CompletableFuture<?>> accepted = new ArrayList<>();
        byChannel.forEach((channel, messages) -> {
            for (int from = 0; from < messages.size(); from += CHUNK) {
                List<Message> chunk = messages.subList(from, Math.min(messages.size(), from + CHUNK));
                accepted.add(channels.publishReplayable(appId, channel, List.copyOf(chunk), chunk.get(0).id()));
                long bytes = 0;
                for (Message m : chunk) bytes += m.size();
                metrics.accepted(Metrics.Source.CONNECTOR, chunk.size(), bytes);
            }
        });
        return CompletableFuture.allOf(accepted.toArray(new CompletableFuture[0]));
    }
}
