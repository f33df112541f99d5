package dev.switchboard.server.testing;

/**
 * Starts the two servers AblyJsIT starts (the default one and the short-TTL/grace/sandbox one) and prints
 * the environment for running a single {@code src/test/js} file by hand:
 * {@code java -cp <test classpath> dev.switchboard.server.testing.StandaloneTestServers}, then
 * {@code env <printed vars> node --test history.test.mjs}. Stops on Ctrl-C.
 */
public final class StandaloneTestServers {
    private StandaloneTestServers() {}

    public static void main(String[] args) throws Exception {
        SwitchboardExtension main = new SwitchboardExtension();
        SwitchboardExtension shortServer = new SwitchboardExtension().withConnectionStateTtlMs(3_000).withPresenceGraceMs(2_500).withSandbox();
        main.beforeAll(null);
        shortServer.beforeAll(null);
        System.out.println("SWITCHBOARD_TEST_PORT=" + main.port() + " SWITCHBOARD_TEST_ROOT_KEY=" + SwitchboardExtension.ROOT_KEY
                + " SWITCHBOARD_TEST_RESTRICTED_KEY=" + SwitchboardExtension.RESTRICTED_KEY
                + " SWITCHBOARD_TEST_SUBSCRIBE_ONLY_KEY=" + SwitchboardExtension.SUBSCRIBE_ONLY_KEY
                + " SWITCHBOARD_TEST_SHORT_PORT=" + shortServer.port() + " SWITCHBOARD_TEST_SHORT_TTL_MS=3000 SWITCHBOARD_TEST_SHORT_GRACE_MS=2500");
        Thread.currentThread().join();
    }
}
