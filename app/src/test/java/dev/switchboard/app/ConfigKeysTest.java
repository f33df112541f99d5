package dev.switchboard.app;

import dev.switchboard.server.protocol.WireFormat;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Config-file keys nothing reads are named (and warned about at start) instead of silently ignored. */
class ConfigKeysTest {
    @Test
    void keysNothingReadsAreNamed() throws Exception {
        var file = WireFormat.jsonMapper().readTree("{\"port\": 8080, \"databaseUrl\": \"\", \"rules\": [], \"channelRules\": [],"
                + " \"chatRooms\": {}, \"keys\": [], \"prot\": 1, \"ably\": {\"apiKey\": \"x\"}}");
        assertThat(SwitchboardApp.unknownKeys(file)).containsExactly("prot", "ably");
    }
}
