package dev.switchboard.server.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that tests move by hand; thread-safe, so servers may read it from any thread. */
public final class MovableClock extends Clock {
    private final AtomicLong millis;

    public MovableClock(long millis) { this.millis = new AtomicLong(millis); }

    public void advance(long ms) { millis.addAndGet(ms); }

    @Override public long millis() { return millis.get(); }

    @Override public Instant instant() { return Instant.ofEpochMilli(millis.get()); }

    @Override public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override public Clock withZone(ZoneId zone) { return this; }
}
