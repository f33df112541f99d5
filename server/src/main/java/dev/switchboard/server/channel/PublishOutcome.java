package dev.switchboard.server.channel;

import java.util.List;

/** The serials a publish was given, one per message; for a duplicate message, the serial of the original. */
public record PublishOutcome(List<String> serials) {}
