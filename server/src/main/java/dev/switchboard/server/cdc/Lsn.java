package dev.switchboard.server.cdc;

/**
 * A PostgreSQL WAL position (log sequence number): an unsigned 64-bit byte offset, written
 * {@code XXXXXXXX/XXXXXXXX} in hex like PostgreSQL does.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    public static Lsn of(long value) {
        return new Lsn(value);
    }

    /** Parses PostgreSQL's {@code 16/B374D848} notation. */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN: " + text);
        }
        long high = Long.parseLong(text.substring(0, slash), 16);
        long low = Long.parseLong(text.substring(slash + 1), 16);
        return new Lsn((high << 32) | low);
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    /** Bytes from {@code earlier} to this position, 0 if {@code earlier} is not before it. */
    public long bytesSince(Lsn earlier) {
        return isAfter(earlier) ? value - earlier.value : 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
