package dev.switchboard.server.auth;

import dev.switchboard.server.database.EmbeddedDatabase;
import dev.switchboard.server.database.EmbeddedDatabaseSettings;
import dev.switchboard.server.database.TestDataDirectories;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.util.Futures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@link NonceStore} contract for PostgreSQL, plus what only a database gives: uses outlive the store and are shared. */
class PgNonceStoreIT extends NonceStoreContract {
    private static Path dir;
    private static EmbeddedDatabase db;

    @BeforeAll
    static void startDatabase() throws Exception {
        dir = TestDataDirectories.fresh("nonce-store");
        db = EmbeddedDatabase.start(EmbeddedDatabaseSettings.defaults(dir).withSetting("fsync", "off"));
    }

    @AfterAll
    static void stopDatabase() {
        if (db != null) db.close();
        TestDataDirectories.delete(dir);
    }

    @Override
    NonceStore open(Clock clock) throws SQLException {
        PgNonceStore opened = new PgNonceStore(db.endpoint(), clock);
        sql("TRUNCATE switchboard_token_nonces");
        return opened;
    }

    @Override
    long remembered() throws SQLException {
        try (Connection c = db.endpoint().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM switchboard_token_nonces")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = db.endpoint().connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void aUseOutlivesTheStoreThatRecordedIt() throws Exception {
        assertThat(firstUse("app.key", "before-restart-0123", T0 + WINDOW)).isTrue();
        store.close();
        store = new PgNonceStore(db.endpoint(), clock);
        assertThat(firstUse("app.key", "before-restart-0123", T0 + WINDOW)).as("replay after a restart").isFalse();
    }

    @Test
    void twoNodesOnOneDatabaseRacingForTheSameUsesGetOneFirstUseEach() throws Exception {
        try (PgNonceStore otherNode = new PgNonceStore(db.endpoint(), clock)) {
            int uses = 500;
            List<CompletableFuture<Boolean>> here = new ArrayList<>();
            List<CompletableFuture<Boolean>> there = new ArrayList<>();
            for (int i = 0; i < uses; i++) {
                here.add(store.firstUse("app.key", "shared-nonce-" + i, T0 + WINDOW));
                there.add(otherNode.firstUse("app.key", "shared-nonce-" + (uses - 1 - i), T0 + WINDOW));
            }
            for (int i = 0; i < uses; i++) {
                boolean firstHere = here.get(i).get(10, TimeUnit.SECONDS);
                boolean firstThere = there.get(uses - 1 - i).get(10, TimeUnit.SECONDS);
                assertThat(firstHere ^ firstThere).as("nonce %d is first on exactly one node", i).isTrue();
            }
        }
    }

    @Test
    void aFailingDatabaseFailsTheClaimRetriablyAndTheStoreRecovers() throws Exception {
        sql("ALTER TABLE switchboard_token_nonces RENAME TO switchboard_token_nonces_away");
        try {
            assertThatThrownBy(() -> firstUse("app.key", "while-failing-0123", T0 + WINDOW))
                    .extracting(Futures::cause)
                    .isInstanceOfSatisfying(SwitchboardException.class, e -> assertThat(e.error().code()).isEqualTo(50003));
        } finally {
            sql("ALTER TABLE switchboard_token_nonces_away RENAME TO switchboard_token_nonces");
        }
        assertThat(firstUse("app.key", "while-failing-0123", T0 + WINDOW)).as("nothing was recorded by the failed claim").isTrue();
        assertThat(firstUse("app.key", "while-failing-0123", T0 + WINDOW)).isFalse();
    }
}
