package dev.switchboard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A CSV file built row by row and written once. */
public final class Csv {
    private final List<String> lines = new ArrayList<>();

    public Csv(String... header) { lines.add(String.join(",", header)); }

    public Csv row(Object... values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) sb.append(',');
            String v = format(values[i]);
            sb.append(v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v);
        }
        lines.add(sb.toString());
        return this;
    }

    public void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String format(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return Double.isNaN(d) ? "" : String.format(java.util.Locale.ROOT, "%.3f", d);
        return v.toString();
    }
}
