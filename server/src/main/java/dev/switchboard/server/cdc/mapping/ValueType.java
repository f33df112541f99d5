package dev.switchboard.server.cdc.mapping;

/**
 * How a column's text value becomes JSON, following PostgreSQL's {@code row_to_json}: numbers
 * and booleans bare, json/jsonb nested, timestamps in ISO 8601 with a {@code T} (but time and
 * timetz as their text form, as row_to_json leaves them), arrays as
 * JSON arrays of their element type, everything else as the text form in a string.
 *
 * @param kind    the category
 * @param element for {@link Kind#ARRAY}, the element type; otherwise null
 */
public record ValueType(Kind kind, ValueType element) {

    /** JSON categories of PostgreSQL types. */
    public enum Kind { NUMBER, BOOLEAN, JSON, DATE, TIMESTAMP, TIMESTAMPTZ, ARRAY, TEXT }

    public static final ValueType NUMBER = new ValueType(Kind.NUMBER, null);
    public static final ValueType BOOLEAN = new ValueType(Kind.BOOLEAN, null);
    public static final ValueType JSON = new ValueType(Kind.JSON, null);
    public static final ValueType DATE = new ValueType(Kind.DATE, null);
    public static final ValueType TIMESTAMP = new ValueType(Kind.TIMESTAMP, null);
    public static final ValueType TIMESTAMPTZ = new ValueType(Kind.TIMESTAMPTZ, null);
    public static final ValueType TEXT = new ValueType(Kind.TEXT, null);

    public static ValueType arrayOf(ValueType element) {
        return new ValueType(Kind.ARRAY, element);
    }
}
