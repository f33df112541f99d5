package dev.switchboard.server.cdc.replication;

import dev.switchboard.server.cdc.mapping.TypeCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** Reads {@code pg_type} rows for {@link TypeCatalog} over the control connection. */
public final class PgTypeLookup implements TypeCatalog.Lookup {

    private final Connection connection;

    public PgTypeLookup(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Optional<TypeCatalog.PgType> find(int oid) {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT typtype, typbasetype, typelem, typcategory FROM pg_type WHERE oid = ?")) {
            ps.setLong(1, oid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new TypeCatalog.PgType(rs.getString(1).charAt(0), (int) rs.getLong(2),
                        (int) rs.getLong(3), rs.getString(4).charAt(0)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_type for oid " + oid, e);
        }
    }
}
