package dev.switchboard.server.cluster;

import dev.switchboard.server.broker.RedisBroker;
import dev.switchboard.server.broker.RedisSupport;
import dev.switchboard.server.connection.ResumeDirectory;
import dev.switchboard.server.connection.ResumeDirectoryContract;
import dev.switchboard.server.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The resume directory contract on a standalone Redis and on a 3-master Redis Cluster (Redis's own expiry: real time). */
class RedisResumeDirectoryIT {
    private static RedisServers standalone;
    private static RedisServers cluster;
    private static RedisSupport.Clients standaloneClients;
    private static RedisSupport.Clients clusterClients;

    @BeforeAll
    static void start() throws Exception {
        standalone = RedisServers.standalone();
        cluster = RedisServers.cluster(3);
        standaloneClients = RedisSupport.Clients.connect(RedisBroker.Config.standalone(standalone.url()));
        clusterClients = RedisSupport.Clients.connect(RedisBroker.Config.cluster(cluster.hostPorts()));
    }

    @AfterAll
    static void stop() {
        standaloneClients.close();
        clusterClients.close();
        standalone.close();
        cluster.close();
    }

    @Nested
    class Standalone extends ResumeDirectoryContract {
        @Override protected ResumeDirectory directory() {
            try {
                standalone.command(0, "FLUSHALL");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return new RedisResumeDirectory(standaloneClients, false);
        }

        @Override protected void passTime(long ms) throws InterruptedException { Thread.sleep(ms); }
    }

    @Nested
    class Cluster extends ResumeDirectoryContract {
        @Override protected ResumeDirectory directory() { return new RedisResumeDirectory(clusterClients, true); }

        @Override protected void passTime(long ms) throws InterruptedException { Thread.sleep(ms); }
    }
}
