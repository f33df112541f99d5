package dev.switchboard.server.cdc.mapping;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps type OIDs to {@link ValueType}. Built-in types are known up front; others (domains,
 * arrays of non-built-ins, enums) are asked of the database once through a {@link Lookup} and
 * cached. Domains take their base type's category, as {@code row_to_json} does.
 */
public final class TypeCatalog {

    /** One {@code pg_type} row, as much as we need of it. */
    public record PgType(char typtype, int baseType, int elementType, char category) {
    }

    /** Reads {@code pg_type}; empty when the OID is unknown. */
    @FunctionalInterface
    public interface Lookup {
        Optional<PgType> find(int oid);
    }

    private static final Map<Integer, ValueType> BUILT_IN = Map.ofEntries(
            Map.entry(16, ValueType.BOOLEAN),
            Map.entry(20, ValueType.NUMBER), Map.entry(21, ValueType.NUMBER), Map.entry(23, ValueType.NUMBER),
            Map.entry(700, ValueType.NUMBER), Map.entry(701, ValueType.NUMBER), Map.entry(1700, ValueType.NUMBER),
            Map.entry(114, ValueType.JSON), Map.entry(3802, ValueType.JSON),
            Map.entry(1082, ValueType.DATE), Map.entry(1114, ValueType.TIMESTAMP), Map.entry(1184, ValueType.TIMESTAMPTZ),
            Map.entry(1266, ValueType.TEXT),
            Map.entry(25, ValueType.TEXT), Map.entry(1043, ValueType.TEXT), Map.entry(1042, ValueType.TEXT),
            Map.entry(2950, ValueType.TEXT), Map.entry(17, ValueType.TEXT), Map.entry(1083, ValueType.TEXT),
            Map.entry(1186, ValueType.TEXT), Map.entry(26, ValueType.TEXT), Map.entry(19, ValueType.TEXT),
            Map.entry(1000, ValueType.arrayOf(ValueType.BOOLEAN)),
            Map.entry(1005, ValueType.arrayOf(ValueType.NUMBER)), Map.entry(1007, ValueType.arrayOf(ValueType.NUMBER)),
            Map.entry(1016, ValueType.arrayOf(ValueType.NUMBER)), Map.entry(1021, ValueType.arrayOf(ValueType.NUMBER)),
            Map.entry(1022, ValueType.arrayOf(ValueType.NUMBER)), Map.entry(1231, ValueType.arrayOf(ValueType.NUMBER)),
            Map.entry(199, ValueType.arrayOf(ValueType.JSON)), Map.entry(3807, ValueType.arrayOf(ValueType.JSON)),
            Map.entry(1009, ValueType.arrayOf(ValueType.TEXT)), Map.entry(1015, ValueType.arrayOf(ValueType.TEXT)),
            Map.entry(1014, ValueType.arrayOf(ValueType.TEXT)), Map.entry(2951, ValueType.arrayOf(ValueType.TEXT)),
            Map.entry(1182, ValueType.arrayOf(ValueType.DATE)), Map.entry(1115, ValueType.arrayOf(ValueType.TIMESTAMP)),
            Map.entry(1185, ValueType.arrayOf(ValueType.TIMESTAMPTZ)));

    private final Lookup lookup;
    private final Map<Integer, ValueType> resolved = new ConcurrentHashMap<>(BUILT_IN);

    public TypeCatalog(Lookup lookup) {
        this.lookup = lookup;
    }

    /** Only the built-in types; everything else is text. */
    public static TypeCatalog builtInOnly() {
        return new TypeCatalog(oid -> Optional.empty());
    }

    public ValueType typeOf(int oid) {
        ValueType known = resolved.get(oid);
        if (known != null) {
            return known;
        }
        ValueType type = resolve(oid, 0);
        resolved.put(oid, type);
        return type;
    }

    private ValueType resolve(int oid, int depth) {
        ValueType known = resolved.get(oid);
        if (known != null) {
            return known;
        }
        if (depth > 10) {
            return ValueType.TEXT;
        }
        Optional<PgType> row = lookup.find(oid);
        if (row.isEmpty()) {
            return ValueType.TEXT;
        }
        PgType type = row.get();
        if (type.typtype() == 'd' && type.baseType() != 0) {
            return resolve(type.baseType(), depth + 1);
        }
        if (type.category() == 'A' && type.elementType() != 0) {
            return ValueType.arrayOf(resolve(type.elementType(), depth + 1));
        }
        return ValueType.TEXT;
    }
}
