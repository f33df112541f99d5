package dev.switchboard.server.cdc.replication;

import dev.switchboard.server.cdc.ConnectorException;
import dev.switchboard.server.cdc.config.ConnectorConfig;
import dev.switchboard.server.cdc.config.Operation;
import dev.switchboard.server.cdc.config.TableMapping;
import dev.switchboard.server.cdc.mapping.Route;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that the database can feed the connector and prepares it, in this order: wal_level,
 * replication permission, mapped tables exist, REPLICA IDENTITY FULL for tables mapped for
 * UPDATE/DELETE (see {@code TransactionAssembler} for why), the publication, the slot.
 * Problems a human must fix become {@link ConnectorException}s that say how.
 */
public final class ReplicationSetup {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSetup.class);

    private record ResolvedTable(String schema, String table, char replicaIdentity) {
        String qualified() {
            return SqlNames.qualified(schema, table);
        }
    }

    private ReplicationSetup() {
    }

    /** Runs every check and preparation; returns the mappings with resolved table names. */
    public static List<Route> prepare(Connection connection, ConnectorConfig config) throws SQLException {
        checkWalLevel(connection);
        checkReplicationPermission(connection);
        Map<TableMapping, ResolvedTable> tables = resolveTables(connection, config.mappings());
        ensureReplicaIdentityFull(connection, tables);
        ensurePublication(connection, config.publicationName(), new LinkedHashSet<>(tables.values()));
        ensureSlot(connection, config.slotName());
        List<Route> routes = new ArrayList<>();
        tables.forEach((mapping, table) -> routes.add(
                new Route(table.schema(), table.table(), mapping.operation(), mapping.channels(), mapping.messageName())));
        return routes;
    }

    static void checkWalLevel(Connection connection) throws SQLException {
        String level = single(connection, "SHOW wal_level");
        if (!"logical".equals(level)) {
            throw new ConnectorException("PostgreSQL wal_level is '" + level + "' but the change connector needs 'logical'. "
                    + "Fix: run ALTER SYSTEM SET wal_level = logical; as a superuser and restart PostgreSQL "
                    + "(or set wal_level = logical in postgresql.conf; on a managed service, enable logical replication)");
        }
    }

    static void checkReplicationPermission(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_user, rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user")) {
            if (rs.next() && !rs.getBoolean(2)) {
                String user = rs.getString(1);
                throw new ConnectorException("database role '" + user + "' may not use logical replication. "
                        + "Fix: as a superuser run ALTER ROLE " + SqlNames.quote(user) + " WITH REPLICATION;");
            }
        }
    }

    private static Map<TableMapping, ResolvedTable> resolveTables(Connection connection, List<TableMapping> mappings)
            throws SQLException {
        Map<TableMapping, ResolvedTable> resolved = new LinkedHashMap<>();
        String sql = "SELECT n.nspname, c.relname, c.relreplident, c.relkind FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(?)";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (TableMapping mapping : mappings) {
                ps.setString(1, mapping.table().toString());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ConnectorException("mapped table '" + mapping.table() + "' does not exist in database '"
                                + connection.getCatalog() + "'. Fix: create the table, or correct \"tablename\" in the connector config");
                    }
                    String kind = rs.getString(4);
                    if (!"r".equals(kind) && !"p".equals(kind)) {
                        throw new ConnectorException("mapped table '" + mapping.table() + "' is not a table (relkind " + kind
                                + "); only tables can be published");
                    }
                    resolved.put(mapping, new ResolvedTable(rs.getString(1), rs.getString(2), rs.getString(3).charAt(0)));
                }
            }
        }
        return resolved;
    }

    private static void ensureReplicaIdentityFull(Connection connection, Map<TableMapping, ResolvedTable> tables)
            throws SQLException {
        Set<ResolvedTable> needFull = new LinkedHashSet<>();
        tables.forEach((mapping, table) -> {
            boolean needsOldRow = mapping.operation() == Operation.UPDATE || mapping.operation() == Operation.DELETE;
            if (needsOldRow && table.replicaIdentity() != 'f') {
                needFull.add(table);
            }
        });
        for (ResolvedTable table : needFull) {
            try (Statement st = connection.createStatement()) {
                st.execute("ALTER TABLE " + table.qualified() + " REPLICA IDENTITY FULL");
                LOG.info("set REPLICA IDENTITY FULL on {} so UPDATE and DELETE messages carry complete rows", table.qualified());
            } catch (SQLException e) {
                throw new ConnectorException("cannot set REPLICA IDENTITY FULL on " + table.qualified() + ": " + e.getMessage()
                        + ". Fix: as the table owner run ALTER TABLE " + table.qualified() + " REPLICA IDENTITY FULL;", e);
            }
        }
    }

    private static void ensurePublication(Connection connection, String publication, Set<ResolvedTable> tables)
            throws SQLException {
        Set<String> wanted = new LinkedHashSet<>();
        tables.forEach(t -> wanted.add(t.schema() + "." + t.table()));
        String tableList = String.join(", ", tables.stream().map(ResolvedTable::qualified).toList());
        boolean exists;
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        try (Statement st = connection.createStatement()) {
            if (!exists) {
                st.execute("CREATE PUBLICATION " + SqlNames.quote(publication) + " FOR TABLE " + tableList);
                LOG.info("created publication {} for {}", publication, wanted);
                return;
            }
            Set<String> current = new LinkedHashSet<>();
            try (PreparedStatement ps = connection.prepareStatement(
                    "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        current.add(rs.getString(1));
                    }
                }
            }
            if (!current.equals(wanted)) {
                st.execute("ALTER PUBLICATION " + SqlNames.quote(publication) + " SET TABLE " + tableList);
                LOG.info("publication {} now covers {} (was {})", publication, wanted, current);
            }
        } catch (SQLException e) {
            throw new ConnectorException("cannot create or update publication " + publication + ": " + e.getMessage()
                    + ". Fix: connect as the owner of the mapped tables (with CREATE on the database), or create it yourself: "
                    + "CREATE PUBLICATION " + SqlNames.quote(publication) + " FOR TABLE " + tableList + ";", e);
        }
    }

    private static void ensureSlot(Connection connection, String slot) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT plugin, database FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!"pgoutput".equals(rs.getString(1)) || !connection.getCatalog().equals(rs.getString(2))) {
                        throw new ConnectorException("replication slot '" + slot + "' already exists for plugin " + rs.getString(1)
                                + " on database " + rs.getString(2) + ". Fix: choose another slot name, or drop it with "
                                + "SELECT pg_drop_replication_slot('" + slot + "');");
                    }
                    return;
                }
            }
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
            LOG.info("created logical replication slot {} (pgoutput); changes from now on are kept until published", slot);
        }
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
