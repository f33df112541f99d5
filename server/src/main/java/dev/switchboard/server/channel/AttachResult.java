package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.EncodedFrame;

import java.util.List;

/** What an attach produced: the channel's position, whether continuity was kept, and the backlog to send after ATTACHED. */
public record AttachResult(String channelSerial, boolean resumed, List<EncodedFrame> backlog) {}
