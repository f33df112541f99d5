package dev.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The conditions of a run, printed first and written to results/environment.txt. */
final class Environment {
    private Environment() {}

    static String describe(Bench.Options o) {
        StringBuilder sb = new StringBuilder("Switchboard benchmarks\n");
        sb.append("  cpus: ").append(Runtime.getRuntime().availableProcessors()).append(" (").append(cpuModel()).append(")\n");
        sb.append("  load average at start: ").append(read("/proc/loadavg").trim()).append('\n');
        sb.append("  java: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version")).append('\n');
        sb.append("  server java: ").append(ServerProcess.serverJavaHome()).append('\n');
        sb.append("  server JVM options: ").append(String.join(" ", o.serverJvmArgs())).append(o.url() != null ? " (external server " + o.url() + ")" : "").append('\n');
        sb.append("  load client: this JVM, max heap ").append(Runtime.getRuntime().maxMemory() >> 20).append(" MB, format ").append(o.format()).append('\n');
        sb.append("  scale: ").append(o.smoke() ? "smoke" : o.quick() ? "quick" : "full").append('\n');
        try {
            Files.createDirectories(o.out());
            Files.writeString(o.out().resolve("environment.txt"), sb.toString());
        } catch (Exception ignored) {
            // printed anyway
        }
        return sb.toString();
    }

    private static String cpuModel() {
        for (String line : read("/proc/cpuinfo").split("\n")) if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
        return "unknown";
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (Exception e) {
            return "";
        }
    }
}
