package dev.switchboard.server.cdc.mapping;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.switchboard.server.cdc.Lsn;
import dev.switchboard.server.cdc.config.Operation;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * Builds a message's {@code data} string in the original connector's shape:
 * <pre>{"table":"chat_data","type":"INSERT","row":{...},"schema":"public","lsn":"0/1A2B3C","commitTime":"2024-..Z"}</pre>
 * {@code table}, {@code type} and {@code row} are the original's; {@code schema}, {@code lsn}
 * (commit LSN) and {@code commitTime} are additions. {@code row} is null for TRUNCATE.
 */
public final class PayloadWriter {

    /** A column ready for output. */
    public record Field(String name, ValueType type, String text) {
    }

    private static final JsonFactory FACTORY = new JsonFactory();

    private PayloadWriter() {
    }

    /**
     * @param row columns in table order; a null {@code text} is SQL NULL; null list for no row
     */
    public static String write(String schema, String table, Operation operation, List<Field> row, Lsn commitLsn,
                               Instant commitTime) {
        StringWriter sw = new StringWriter(256);
        try (JsonGenerator out = FACTORY.createGenerator(sw)) {
            out.writeStartObject();
            out.writeStringField("table", table);
            out.writeStringField("type", operation.name());
            out.writeFieldName("row");
            if (row == null) {
                out.writeNull();
            } else {
                out.writeStartObject();
                for (Field field : row) {
                    out.writeFieldName(field.name());
                    if (field.text() == null) {
                        out.writeNull();
                    } else {
                        JsonValues.write(out, field.type(), field.text());
                    }
                }
                out.writeEndObject();
            }
            out.writeStringField("schema", schema);
            out.writeStringField("lsn", commitLsn.toString());
            out.writeStringField("commitTime", commitTime.toString());
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }
}
