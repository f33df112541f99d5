package dev.switchboard.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A flame graph PNG from a JFR recording's CPU samples ({@code jdk.ExecutionSample}), so a profile can sit in the docs
 * next to the figures it explains. Frames are method names (class simple name + method); width is the share of
 * samples; colour says whose code it is (ours, Netty, Vert.x, the JDK).
 * <pre>java -cp bench/target/switchboard-bench.jar dev.switchboard.bench.FlameGraph server.jfr out.png [thread-name-prefix] [title]</pre>
 */
public final class FlameGraph {
    private static final int WIDTH = 1800, ROW = 17, MAX_DEPTH = 48;

    /** One frame of the merged call tree: its samples and its callees. */
    static final class Node {
        final String name;
        long samples;
        final Map<String, Node> children = new LinkedHashMap<>();

        Node(String name) { this.name = name; }

        Node child(String n) { return children.computeIfAbsent(n, Node::new); }

        int depth() {
            int d = 0;
            for (Node c : children.values()) d = Math.max(d, c.depth());
            return d + 1;
        }
    }

    private FlameGraph() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: FlameGraph recording.jfr out.png [thread-name-prefix] [title]");
            System.exit(2);
        }
        String prefix = args.length > 2 ? args[2] : "";
        Node root = read(Path.of(args[0]), prefix);
        String title = args.length > 3 ? args[3] : "CPU samples" + (prefix.isEmpty() ? "" : " of threads " + prefix + "*");
        render(root, title + " (" + root.samples + " samples)", Path.of(args[1]));
        System.out.println("wrote " + args[1] + " from " + root.samples + " samples");
    }

    /** Merges the stacks of every CPU sample taken on a thread whose name starts with {@code threadPrefix}. */
    static Node read(Path jfr, String threadPrefix) throws IOException {
        Node root = new Node("all");
        try (RecordingFile file = new RecordingFile(jfr)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) continue;
                var thread = e.getThread("sampledThread");
                String threadName = thread == null || thread.getJavaName() == null ? "" : thread.getJavaName();
                if (!threadName.startsWith(threadPrefix)) continue;
                RecordedStackTrace stack = e.getStackTrace();
                if (stack == null) continue;
                List<RecordedFrame> frames = stack.getFrames();
                root.samples++;
                Node n = root;
                // Outermost frame first; very deep stacks are cut below MAX_DEPTH (their samples still count above).
                for (int i = frames.size() - 1, d = 0; i >= 0 && d < MAX_DEPTH; i--, d++) {
                    RecordedFrame f = frames.get(i);
                    String type = f.getMethod().getType().getName();
                    n = n.child(type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + "|" + type);
                    n.samples++;
                }
            }
        }
        return root;
    }

    static void render(Node root, String title, Path out) throws IOException {
        int depth = Math.min(root.depth(), MAX_DEPTH + 1);
        int height = 40 + depth * ROW + 10;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title + "   colours: ours orange, Netty blue, Vert.x green, JDK grey", 10, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        if (root.samples > 0) draw(g, root, 0, WIDTH, height - 10 - ROW, root.samples);
        g.dispose();
        java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
        ImageIO.write(img, "png", out.toFile());
    }

    private static void draw(Graphics2D g, Node n, double x, double w, int y, long total) {
        if (w < 0.5 || y < 30) return;
        String[] parts = n.name.split("\\|", 2);
        g.setColor(colour(parts.length > 1 ? parts[1] : ""));
        g.fillRect((int) x, y, Math.max(1, (int) w - 1), ROW - 1);
        FontMetrics fm = g.getFontMetrics();
        String label = parts[0] + String.format(java.util.Locale.ROOT, " %.1f%%", 100.0 * n.samples / total);
        if (w > 30) {
            g.setColor(Color.BLACK);
            String shown = label;
            while (shown.length() > 3 && fm.stringWidth(shown) > w - 4) shown = shown.substring(0, shown.length() - 2);
            if (!shown.equals(label)) shown = shown + "…";
            g.drawString(shown, (int) x + 2, y + ROW - 5);
        }
        double cx = x;
        List<Node> children = new ArrayList<>(n.children.values());
        children.sort((a, b) -> Long.compare(b.samples, a.samples));
        for (Node c : children) {
            double cw = w * c.samples / Math.max(1, n.samples);
            draw(g, c, cx, cw, y - ROW, total);
            cx += cw;
        }
    }

    private static Color colour(String type) {
        int h = Math.abs(type.hashCode() % 40);
        if (type.startsWith("dev.switchboard")) return new Color(240, 150 + h, 60);
        if (type.startsWith("io.netty")) return new Color(110 + h, 160, 235);
        if (type.startsWith("io.vertx")) return new Color(110 + h, 200, 120);
        if (type.isEmpty()) return new Color(220, 220, 220);
        return new Color(185 + h / 2, 185 + h / 2, 185 + h / 2);
    }
}
