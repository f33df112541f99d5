package dev.switchboard.server.auth;

import java.time.Clock;

/** The {@link NonceStore} contract for the memory store (the server without a database). */
class MemoryNonceStoreTest extends NonceStoreContract {

    @Override
    NonceStore open(Clock clock) {
        return new MemoryNonceStore(clock);
    }

    @Override
    long remembered() {
        return ((MemoryNonceStore) store).size();
    }
}
