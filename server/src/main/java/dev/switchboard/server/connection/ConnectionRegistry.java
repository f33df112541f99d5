package dev.switchboard.server.connection;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The live connections of this server, by connection id. Thread-safe. */
public final class ConnectionRegistry {
    private final Map<String, ClientConnection> byId = new ConcurrentHashMap<>();

    void add(ClientConnection c) { byId.put(c.connectionId(), c); }

    void remove(ClientConnection c) { byId.remove(c.connectionId(), c); }

    public ClientConnection get(String connectionId) { return byId.get(connectionId); }

    public int size() { return byId.size(); }

    public Collection<ClientConnection> all() { return byId.values(); }
}
