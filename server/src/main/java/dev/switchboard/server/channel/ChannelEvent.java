package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.EncodedFrame;
import dev.switchboard.server.protocol.Message;

import java.util.List;

/** One accepted publish on a channel: its position, time, messages and the frame subscribers got. */
public record ChannelEvent(long seq, long timestamp, String publisherConnectionId, List<Message> messages, EncodedFrame frame) {}
