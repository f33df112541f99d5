package dev.switchboard.server.cdc.pgoutput;

import java.util.List;

/** The column values of one row, in the relation's column order. */
public record TupleData(List<ColumnValue> values) {

    public TupleData {
        values = List.copyOf(values);
    }

    public int size() {
        return values.size();
    }

    public ColumnValue get(int index) {
        return values.get(index);
    }
}
