package dev.switchboard.server.testing;

/** The two wire formats every SDK test runs with. */
public enum WireProtocol {
    JSON(false), MSGPACK(true);

    private final boolean binary;

    WireProtocol(boolean binary) { this.binary = binary; }

    /** The SDKs' {@code useBinaryProtocol}. */
    public boolean binary() { return binary; }
}
