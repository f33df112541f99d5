package dev.switchboard.server.cdc.mapping;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes a PostgreSQL text value as the JSON value {@code row_to_json} would produce for it.
 * Input is the type's text output as pgoutput sends it: PgJDBC opens the replication session with
 * DateStyle ISO and the JVM's time zone, so timestamptz values are rendered in that zone (as
 * row_to_json would render them in a session with the same zone).
 */
public final class JsonValues {

    /** JSON's number grammar; PostgreSQL writes NaN and Infinity as strings because they fail it. */
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    /** A trailing UTC offset with hours only, e.g. {@code +02}, which XSD style writes {@code +02:00}. */
    private static final Pattern HOUR_ONLY_OFFSET = Pattern.compile("[+-][0-9]{2}$");

    private JsonValues() {
    }

    public static void write(JsonGenerator out, ValueType type, String text) throws IOException {
        switch (type.kind()) {
            case NUMBER -> {
                if (JSON_NUMBER.matcher(text).matches()) {
                    out.writeNumber(text);
                } else {
                    out.writeString(text);
                }
            }
            case BOOLEAN -> out.writeBoolean("t".equals(text) || "true".equals(text));
            case JSON -> out.writeRawValue(text);
            case DATE -> out.writeString(text);
            case TIMESTAMP -> out.writeString(isoTimestamp(text));
            case TIMESTAMPTZ -> out.writeString(withFullOffset(isoTimestamp(text)));
            case ARRAY -> writeArray(out, type.element(), ArrayLiteral.parse(text));
            case TEXT -> out.writeString(text);
        }
    }

    /** {@code 2024-05-01 12:00:00} becomes {@code 2024-05-01T12:00:00}; infinity stays. */
    static String isoTimestamp(String text) {
        int space = text.indexOf(' ');
        // A BC suffix (" BC") is the only other space; leave such rare values as they are.
        if (space == 10 && text.indexOf(' ', space + 1) < 0) {
            return text.substring(0, space) + 'T' + text.substring(space + 1);
        }
        return text;
    }

    static String withFullOffset(String text) {
        return HOUR_ONLY_OFFSET.matcher(text).find() ? text + ":00" : text;
    }

    private static void writeArray(JsonGenerator out, ValueType element, List<Object> items) throws IOException {
        out.writeStartArray();
        for (Object item : items) {
            if (item == null) {
                out.writeNull();
            } else if (item instanceof List<?> nested) {
                @SuppressWarnings("unchecked")
                List<Object> inner = (List<Object>) nested;
                writeArray(out, element, inner);
            } else {
                write(out, element, (String) item);
            }
        }
        out.writeEndArray();
    }

    /** Parser for PostgreSQL's array text form: {@code {1,NULL,"a \"b\""}}, nested for several dimensions. */
    static final class ArrayLiteral {

        private final String text;
        private int pos;

        private ArrayLiteral(String text) {
            this.text = text;
        }

        /** Elements as String, null for NULL, or List for a nested dimension. */
        static List<Object> parse(String text) {
            ArrayLiteral parser = new ArrayLiteral(text);
            // Explicit bounds ("[0:2]={...}") are dropped, as row_to_json does.
            if (text.startsWith("[")) {
                parser.pos = text.indexOf('=') + 1;
            }
            return parser.array();
        }

        private List<Object> array() {
            expect('{');
            List<Object> items = new ArrayList<>();
            if (peek() == '}') {
                pos++;
                return items;
            }
            while (true) {
                char c = peek();
                if (c == '{') {
                    items.add(array());
                } else if (c == '"') {
                    items.add(quoted());
                } else {
                    String raw = unquoted();
                    items.add("NULL".equalsIgnoreCase(raw) ? null : raw);
                }
                char next = text.charAt(pos++);
                if (next == '}') {
                    return items;
                }
                if (next != ',') {
                    throw new IllegalArgumentException("malformed array literal: " + text);
                }
            }
        }

        private String quoted() {
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = text.charAt(pos++);
                if (c == '\\') {
                    sb.append(text.charAt(pos++));
                } else if (c == '"') {
                    return sb.toString();
                } else {
                    sb.append(c);
                }
            }
        }

        private String unquoted() {
            int start = pos;
            while (pos < text.length() && text.charAt(pos) != ',' && text.charAt(pos) != '}') {
                pos++;
            }
            return text.substring(start, pos).trim();
        }

        private char peek() {
            return text.charAt(pos);
        }

        private void expect(char c) {
            if (pos >= text.length() || text.charAt(pos) != c) {
                throw new IllegalArgumentException("malformed array literal: " + text);
            }
            pos++;
        }
    }
}
