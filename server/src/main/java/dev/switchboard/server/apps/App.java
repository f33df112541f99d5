package dev.switchboard.server.apps;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.stats.StatsStore;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A hosted app: a namespace of channels with its own keys. */
public final class App {
    private final String id;
    private final Map<String, ApiKey> keysByName = new ConcurrentHashMap<>();
    private final StatsStore stats = new StatsStore();

    public App(String id) { this.id = id; }

    public String id() { return id; }

    public void addKey(ApiKey key) {
        if (!key.appId().equals(id)) throw new IllegalArgumentException("Key " + key.keyName() + " does not belong to app " + id);
        keysByName.put(key.keyName(), key);
    }

    public ApiKey key(String keyName) { return keysByName.get(keyName); }

    public Collection<ApiKey> keys() { return keysByName.values(); }

    public StatsStore stats() { return stats; }
}
