package dev.switchboard.server.connection;

import dev.switchboard.server.testing.MovableClock;

class MemoryResumeDirectoryTest extends ResumeDirectoryContract {
    private final MovableClock clock = new MovableClock(1_700_000_000_000L);

    @Override protected ResumeDirectory directory() { return new MemoryResumeDirectory(clock); }

    @Override protected void passTime(long ms) { clock.advance(ms); }
}
