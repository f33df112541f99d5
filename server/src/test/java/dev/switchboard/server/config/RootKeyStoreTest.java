package dev.switchboard.server.config;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RootKeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void createsAValidKeyOnceAndReusesIt() {
        Path dataDir = dir.resolve("a/b");
        boolean[] created = new boolean[1];

        String key = RootKeyStore.loadOrCreate(dataDir, created);
        assertThat(created[0]).isTrue();
        ApiKey parsed = ApiKey.parse(key, Capability.ALL);
        assertThat(parsed.keyId()).isEqualTo("root");
        assertThat(parsed.appId()).startsWith("app").matches("[A-Za-z0-9]+");
        assertThat(parsed.secret()).matches("[A-Za-z0-9]{40,}");
        assertThat(dataDir.resolve("root-key")).exists();

        String again = RootKeyStore.loadOrCreate(dataDir, created);
        assertThat(created[0]).isFalse();
        assertThat(again).isEqualTo(key);
    }

    @Test
    void eachDataDirectoryGetsItsOwnKey() {
        boolean[] created = new boolean[1];
        assertThat(RootKeyStore.loadOrCreate(dir.resolve("x"), created)).isNotEqualTo(RootKeyStore.loadOrCreate(dir.resolve("y"), created));
    }

    @Test
    void keyFileIsReadableByTheOwnerOnly() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        RootKeyStore.loadOrCreate(dir, new boolean[1]);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("root-key")))).isEqualTo("rw-------");
    }

    @Test
    void storedKeyIsTrimmed() throws IOException {
        Files.writeString(dir.resolve("root-key"), "  app1.root:secret \n\n");
        boolean[] created = {true};
        assertThat(RootKeyStore.loadOrCreate(dir, created)).isEqualTo("app1.root:secret");
        assertThat(created[0]).isFalse();
    }

    /** What an interrupted first start could leave behind must not become the root key. */
    @Test
    void storedFileWithoutAKeyIsAnError() throws IOException {
        for (String content : new String[]{"", "\n", "app1.root:"}) {
            Files.writeString(dir.resolve("root-key"), content);
            assertThatThrownBy(() -> RootKeyStore.loadOrCreate(dir, new boolean[1])).as("'" + content + "'")
                    .isInstanceOf(SettingsException.class)
                    .hasMessageStartingWith("SWITCHBOARD_DATA_DIR")
                    .hasMessageContaining("root-key");
        }
    }

    @Test
    void noTemporaryFileIsLeftBehind() throws IOException {
        RootKeyStore.loadOrCreate(dir, new boolean[1]);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("root-key");
        }
    }

    @Test
    void unusableDataDirectoryNamesTheVariable() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> RootKeyStore.loadOrCreate(file, new boolean[1]))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("SWITCHBOARD_DATA_DIR");
    }
}
