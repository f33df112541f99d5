package dev.switchboard.server.connection;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@link ResumeDirectory} contract; each implementation's test extends this. */
public abstract class ResumeDirectoryContract {

    /** A fresh, empty directory. */
    protected abstract ResumeDirectory directory();

    /** Lets {@code ms} pass for the directory (a movable clock, or real time for a store with its own expiry). */
    protected abstract void passTime(long ms) throws Exception;

    private static ResumeDirectory.Entry entry(String key) { return new ResumeDirectory.Entry(key, "id-" + key, "app", "client-" + key); }

    private static <T> T get(CompletableFuture<T> f) throws Exception { return f.get(10, TimeUnit.SECONDS); }

    @Test
    void aRememberedConnectionIsClaimedOnceWithWhatWasRemembered() throws Exception {
        ResumeDirectory d = directory();
        get(d.remember(List.of(entry("k1!abc"), entry("k2!def")), 60_000));
        assertThat(get(d.claim("k1!abc"))).isEqualTo(entry("k1!abc"));
        assertThat(get(d.claim("k1!abc"))).as("claimed already").isNull();
        assertThat(get(d.claim("k2!def"))).isEqualTo(entry("k2!def"));
        assertThat(get(d.claim("unknown!key"))).isNull();
    }

    @Test
    void aConnectionWithoutClientIdKeepsItsNull() throws Exception {
        ResumeDirectory d = directory();
        ResumeDirectory.Entry anonymous = new ResumeDirectory.Entry("anon!1", "anon", "app", null);
        get(d.remember(List.of(anonymous), 60_000));
        assertThat(get(d.claim("anon!1"))).isEqualTo(anonymous);
    }

    @Test
    void racingClaimsGiveAConnectionToOneCallerOnly() throws Exception {
        ResumeDirectory d = directory();
        List<ResumeDirectory.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 50; i++) entries.add(entry("race" + i + "!x"));
        get(d.remember(entries, 60_000));
        List<CompletableFuture<ResumeDirectory.Entry>> claims = new ArrayList<>();
        for (int round = 0; round < 3; round++) for (ResumeDirectory.Entry e : entries) claims.add(d.claim(e.connectionKey()));
        int won = 0;
        for (CompletableFuture<ResumeDirectory.Entry> c : claims) if (get(c) != null) won++;
        assertThat(won).isEqualTo(entries.size());
    }

    @Test
    void rememberingAgainRestartsTheTimeAndAnEntryPastItIsGone() throws Exception {
        ResumeDirectory d = directory();
        get(d.remember(List.of(entry("old!1"), entry("kept!1")), 300));
        passTime(200);
        get(d.remember(List.of(entry("kept!1")), 300));
        passTime(200);
        assertThat(get(d.claim("old!1"))).as("past its time").isNull();
        assertThat(get(d.claim("kept!1"))).as("remembered again in time").isEqualTo(entry("kept!1"));
    }
}
