package dev.switchboard.server.apps;

import dev.switchboard.server.auth.ApiKey;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The apps this server hosts, looked up by id or by key name. Thread-safe. */
public final class AppRegistry {
    private final Map<String, App> apps = new ConcurrentHashMap<>();

    public App app(String appId) { return apps.get(appId); }

    public App getOrCreate(String appId) { return apps.computeIfAbsent(appId, App::new); }

    public void addKey(ApiKey key) { getOrCreate(key.appId()).addKey(key); }

    public App remove(String appId) { return apps.remove(appId); }

    public Collection<App> apps() { return apps.values(); }

    /** The key named {@code appId.keyId}, or null. */
    public ApiKey key(String keyName) {
        if (keyName == null) return null;
        int dot = keyName.indexOf('.');
        if (dot <= 0) return null;
        App app = apps.get(keyName.substring(0, dot));
        return app == null ? null : app.key(keyName);
    }
}
