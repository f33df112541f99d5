package dev.switchboard.server.database;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Parses the conventional database URL {@code postgres://user:pass@host:port/db?param=value}
 * (also {@code postgresql://}) into a {@link DatabaseEndpoint}. Port defaults to 5432, user and
 * password are percent-decoded, query parameters are passed through to the JDBC URL.
 */
public final class DatabaseUrl {

    private DatabaseUrl() {
    }

    /**
     * @throws IllegalArgumentException naming what is wrong, without echoing the password
     */
    public static DatabaseEndpoint parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("database URL is empty; expected postgres://user:pass@host:port/db");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("database URL is malformed; expected postgres://user:pass@host:port/db");
        }
        String scheme = uri.getScheme();
        if (!"postgres".equals(scheme) && !"postgresql".equals(scheme)) {
            throw new IllegalArgumentException("database URL scheme must be postgres:// or postgresql://, got " + scheme + "://");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("database URL has no host; expected postgres://user:pass@host:port/db");
        }
        String path = uri.getRawPath();
        String database = path == null || path.length() <= 1 ? "" : decode(path.substring(1));
        if (database.isEmpty()) {
            throw new IllegalArgumentException("database URL has no database name; expected postgres://user:pass@host:port/db");
        }
        String user = "";
        String password = "";
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        }
        if (user.isEmpty()) {
            throw new IllegalArgumentException("database URL has no user; expected postgres://user:pass@host:port/db");
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        // PgJDBC percent-decodes the database name itself, so the raw path segment goes through as is.
        String jdbcUrl = "jdbc:postgresql://" + hostPart + ":" + port + "/" + path.substring(1) + query;
        return new DatabaseEndpoint(jdbcUrl, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
