package dev.switchboard.server.channel;

import dev.switchboard.server.protocol.EncodedFrame;

import java.util.List;

/**
 * What an attach produced: the channel's position, whether continuity was kept, whether presence members
 * exist (a SYNC follows), and the frames to send after ATTACHED, in order.
 */
public record AttachResult(String channelSerial, boolean resumed, boolean hasPresence, List<EncodedFrame> followUp) {}
