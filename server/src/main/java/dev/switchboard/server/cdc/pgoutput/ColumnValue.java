package dev.switchboard.server.cdc.pgoutput;

/**
 * One column of a row as pgoutput sends it: SQL NULL, "unchanged TOASTed value" (the value is
 * not in the WAL record), or the type's text output.
 */
public sealed interface ColumnValue {

    ColumnValue NULL = new Null();
    ColumnValue UNCHANGED_TOAST = new UnchangedToast();

    record Null() implements ColumnValue {
    }

    record UnchangedToast() implements ColumnValue {
    }

    record Text(String text) implements ColumnValue {
    }
}
