package dev.switchboard.bench;

/** The server under load: where it listens, how to authenticate, and which process to measure. */
public interface Target extends AutoCloseable {
    String name();

    String host();

    int port();

    /** Realtime API key ({@code appId.keyId:secret}); unused by the Socket.IO peer. */
    String key();

    /** The server's process id, or -1 when unknown (then CPU and memory are not reported). */
    long pid();

    /** JDBC URL of the database behind the change connector (user postgres), or null. */
    String jdbcUrl();

    /** CPU seconds of the server process itself (all its threads), NaN when unknown. */
    default double cpuSeconds() { return pid() < 0 ? Double.NaN : ProcStat.cpuSeconds(pid()); }

    /** CPU seconds the server's JIT compiler threads have used, 0 when unknown (or not a JVM). */
    default double jitCpuSeconds() { return pid() < 0 ? 0 : ProcStat.jitCpuSeconds(pid()); }

    /**
     * CPU seconds the server spent on the work: all its threads but the JIT compilers, which keep compiling for tens
     * of seconds after a fresh start and would otherwise be charged to the first steps measured.
     */
    default double workCpuSeconds() { return cpuSeconds() - jitCpuSeconds(); }

    /** CPU seconds of the server's child processes (the embedded PostgreSQL), 0 when none. */
    default double childCpuSeconds() {
        if (pid() < 0) return Double.NaN;
        return ProcessHandle.of(pid()).map(h -> h.descendants().mapToDouble(d -> {
            double c = ProcStat.cpuSeconds(d.pid());
            return Double.isNaN(c) ? 0 : c;
        }).sum()).orElse(0.0);
    }

    @Override
    void close();

    /** A server started elsewhere: nothing to start or stop. */
    record External(String name, String host, int port, String key, long pid, String jdbcUrl) implements Target {
        @Override
        public void close() { }
    }
}
