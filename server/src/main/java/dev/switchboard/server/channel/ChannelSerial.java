package dev.switchboard.server.channel;

/**
 * A position in a channel's message sequence: the channel instance's epoch and a counter. Serials of one
 * epoch compare by counter; a serial from another epoch (e.g. before a restart) cannot be resumed from.
 */
public record ChannelSerial(String epoch, long seq) {

    public String format() { return epoch + ":" + seq; }

    /**
     * With the counter zero-padded to 16 digits, so serials of one epoch sort as text in counter order (clients such as
     * the Chat SDK compare serials as strings); {@link #parse} reads both forms.
     */
    public String formatSortable() {
        String digits = Long.toString(seq);
        return epoch + ":" + "0".repeat(Math.max(0, 16 - digits.length())) + digits;
    }

    /** Parses a serial; null when the text is not one of ours. */
    public static ChannelSerial parse(String text) {
        if (text == null) return null;
        int colon = text.lastIndexOf(':');
        if (colon <= 0) return null;
        try {
            return new ChannelSerial(text.substring(0, colon), Long.parseLong(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public String toString() { return format(); }
}
