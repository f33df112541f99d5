package dev.switchboard.server.testing;

import java.util.HashMap;
import java.util.Map;

/** A scrape of {@code /metrics} read back: each sample line's value by its name and labels as written. */
public final class PrometheusText {
    private final Map<String, Double> samples = new HashMap<>();
    private final String text;

    public PrometheusText(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
    }

    /** The value of {@code sample} (e.g. {@code switchboard_messages_in_total{source="rest"}}); 0 when absent. */
    public double value(String sample) { return samples.getOrDefault(sample, 0.0); }

    public boolean has(String sample) { return samples.containsKey(sample); }

    public String text() { return text; }
}
