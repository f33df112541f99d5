package dev.switchboard.server.cdc.config;

import dev.switchboard.server.database.DatabaseEndpoint;

/** The original connector's {@code dbConfig} block. */
public record DbConfig(String host, int port, String user, String password, String database) {

    public DatabaseEndpoint toEndpoint() {
        String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return new DatabaseEndpoint("jdbc:postgresql://" + hostPart + ":" + port + "/" + database, user, password);
    }

    @Override
    public String toString() {
        return "DbConfig[" + user + "@" + host + ":" + port + "/" + database + "]";
    }
}
