package dev.switchboard.server.cdc.replication;

/** Quoting of SQL identifiers; names never go into SQL unquoted. */
final class SqlNames {

    private SqlNames() {
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    static String qualified(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }
}
