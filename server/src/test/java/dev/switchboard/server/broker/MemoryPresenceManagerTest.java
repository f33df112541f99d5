package dev.switchboard.server.broker;

import dev.switchboard.server.testing.MovableClock;

class MemoryPresenceManagerTest extends PresenceManagerContract {
    private final MovableClock clock = new MovableClock(1_700_000_000_000L);
    private MemoryPresenceManager shared;

    /** A single node's presence: every "node" of a test is the same manager. */
    @Override
    protected PresenceManager newManager() {
        if (shared == null) shared = new MemoryPresenceManager(clock);
        return shared;
    }

    @Override
    protected void passTime(long ms) { clock.advance(ms); }
}
