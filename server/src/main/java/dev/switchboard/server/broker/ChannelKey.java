package dev.switchboard.server.broker;

/** A channel as the broker knows it: the app it belongs to and its name. */
public record ChannelKey(String appId, String name) {
    public ChannelKey {
        if (appId == null || name == null) throw new IllegalArgumentException("a channel key needs an app id and a name");
    }

    @Override
    public String toString() { return appId + "/" + name; }
}
