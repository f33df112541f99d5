package dev.switchboard.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Line charts drawn with plain Java2D: a latency CDF (log x axis) and a rate over time. */
public final class Plot {
    public record Series(String label, double[] x, double[] y) {
        /** A latency histogram as a CDF line: x in milliseconds, y the fraction at or below. */
        public static Series cdfMillis(String label, Histogram h) {
            double[][] pts = h.cdf();
            double[] x = new double[pts.length], y = new double[pts.length];
            for (int i = 0; i < pts.length; i++) {
                x[i] = pts[i][0] / 1000.0;
                y[i] = pts[i][1];
            }
            return new Series(label, x, y);
        }
    }

    private static final int W = 900, H = 520, L = 80, R = 220, T = 50, B = 60;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0x17becf), new Color(0xbcbd22)};

    private Plot() {}

    static { System.setProperty("java.awt.headless", "true"); }

    /** CDF of latencies: x in milliseconds on a log scale, y the fraction of deliveries at or below x. */
    public static void cdf(String title, List<Series> series, Path file) {
        double minX = Double.MAX_VALUE, maxX = 0;
        for (Series s : series) for (double x : s.x()) if (x > 0) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); }
        if (maxX == 0) { minX = 0.1; maxX = 10; }
        double lo = Math.floor(Math.log10(Math.max(minX, 0.01))), hi = Math.ceil(Math.log10(maxX));
        if (hi <= lo) hi = lo + 1;
        final double flo = lo, fhi = hi;
        draw(title, "latency (ms, log scale)", "fraction of deliveries ≤ x", series, file,
                x -> (Math.log10(Math.max(x, Math.pow(10, flo))) - flo) / (fhi - flo), 0, 1,
                g -> {
                    for (double d = flo; d <= fhi; d++) tickX(g, (d - flo) / (fhi - flo), trim(Math.pow(10, d)));
                }, true);
    }

    /** A rate over time: x in seconds, y in events per second. */
    public static void timeSeries(String title, String yLabel, List<Series> series, Path file) {
        lines(title, "time (s)", yLabel, series, Double.NaN, file);
    }

    /** Lines on linear axes; values above {@code maxY} (when given) are drawn at the top edge. */
    public static void lines(String title, String xLabel, String yLabel, List<Series> series, double maxY, Path file) {
        double fixedY = maxY;
        maxY = 1;
        double maxX = 1;
        for (Series s : series) {
            for (double x : s.x()) maxX = Math.max(maxX, x);
            for (double y : s.y()) maxY = Math.max(maxY, y);
        }
        double fx = maxX, fy = Double.isNaN(fixedY) ? niceCeil(maxY * 1.05) : fixedY;
        draw(title, xLabel, yLabel, series, file, x -> x / fx, 0, fy,
                g -> {
                    double step = niceCeil(fx / 8);
                    for (double x = 0; x <= fx + 1e-9; x += step) tickX(g, x / fx, trim(x));
                }, false);
    }

    private interface XMap { double map(double x); }

    private interface Ticks { void draw(Graphics2D g); }

    private static void draw(String title, String xLabel, String yLabel, List<Series> series, Path file, XMap xmap,
                             double minY, double maxY, Ticks xTicks, boolean step) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        int pw = W - L - R, ph = H - T - B;
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = T + ph - ph * i / 5;
            g.drawLine(L, y, L + pw, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(L, T, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, L, T - 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 5; i++) {
            double v = minY + (maxY - minY) * i / 5;
            String s = trim(v);
            g.drawString(s, L - 8 - g.getFontMetrics().stringWidth(s), T + ph - ph * i / 5 + 4);
        }
        xTicks.draw(g);
        g.drawString(xLabel, L + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, H - 15);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString(yLabel, -(T + ph / 2) - g.getFontMetrics().stringWidth(yLabel) / 2, 18);
        gy.dispose();
        g.setStroke(new BasicStroke(2f));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            g.setColor(COLORS[k % COLORS.length]);
            int px = -1, py = -1;
            for (int i = 0; i < s.x().length; i++) {
                int x = L + (int) Math.round(pw * clamp(xmap.map(s.x()[i])));
                int y = T + ph - (int) Math.round(ph * clamp((s.y()[i] - minY) / (maxY - minY)));
                if (px >= 0) {
                    if (step) { g.drawLine(px, py, x, py); g.drawLine(x, py, x, y); } else g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            int ly = T + 10 + k * 18;
            g.drawLine(L + pw + 12, ly, L + pw + 36, ly);
            g.setColor(Color.BLACK);
            g.drawString(s.label(), L + pw + 42, ly + 4);
        }
        g.dispose();
        try {
            Files.createDirectories(file.getParent());
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void tickX(Graphics2D g, double frac, String label) {
        int pw = W - L - R, ph = H - T - B;
        int x = L + (int) Math.round(pw * frac);
        g.setColor(new Color(0xdddddd));
        g.drawLine(x, T, x, T + ph);
        g.setColor(Color.BLACK);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, T + ph + 18);
    }

    private static double clamp(double v) { return Math.max(0, Math.min(1, v)); }

    static double niceCeil(double v) {
        if (v <= 0) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * p >= v) return m * p;
        return 10 * p;
    }

    static String trim(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "");
    }
}
