package dev.switchboard.server.database;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a PostgreSQL database is and how to log in: a JDBC URL plus credentials.
 * Produced by {@link DatabaseUrl#parse(String)} and by {@link EmbeddedDatabase#endpoint()}.
 *
 * @param jdbcUrl  {@code jdbc:postgresql://host:port/db} (may carry extra query parameters)
 * @param user     login role
 * @param password password, empty when the server trusts the connection
 */
public record DatabaseEndpoint(String jdbcUrl, String user, String password) {

    public DatabaseEndpoint {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        password = password == null ? "" : password;
    }

    /** Opens a plain (non-replication) JDBC connection. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, credentials());
    }

    /** Opens a plain connection with extra PgJDBC properties (timeouts, batching) on top of the credentials. */
    public Connection connect(Map<String, String> options) throws SQLException {
        Properties props = credentials();
        options.forEach(props::setProperty);
        return DriverManager.getConnection(jdbcUrl, props);
    }

    /** User and password as PgJDBC connection properties; callers may add more. */
    public Properties credentials() {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        return props;
    }

    @Override
    public String toString() {
        // Never print the password.
        return "DatabaseEndpoint[" + jdbcUrl + ", user=" + user + "]";
    }
}
