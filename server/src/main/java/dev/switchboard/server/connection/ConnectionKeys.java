package dev.switchboard.server.connection;

import dev.switchboard.server.util.Ids;

import java.util.regex.Pattern;

/** Connection ids and the keys clients resume or recover with: {@code <connectionId>!<16 random characters>}. */
final class ConnectionKeys {
    static final int ID_LENGTH = 10;
    private static final int SECRET_LENGTH = 16;
    private static final Pattern SHAPE = Pattern.compile("[0-9A-Za-z]{" + ID_LENGTH + "}![0-9A-Za-z]{" + SECRET_LENGTH + "}");

    private ConnectionKeys() {}

    static String newId() { return Ids.random(ID_LENGTH); }

    /** A fresh key for {@code connectionId}: a recovered connection gets one (RTN16d), so its old key stops working. */
    static String newKey(String connectionId) { return connectionId + "!" + Ids.random(SECRET_LENGTH); }

    /** Whether {@code key} could be one this server (or another node) gave out; otherwise it is malformed (80018). */
    static boolean wellFormed(String key) { return SHAPE.matcher(key).matches(); }
}
