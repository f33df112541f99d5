package dev.switchboard.server.cdc.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.cdc.config.Operation;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeMapperTest {

    private final ChangeMapper mapper = new ChangeMapper(List.of(
            new Route("public", "chat_data", Operation.INSERT, List.of("incoming-chat"), "db-change"),
            new Route("public", "chat_data", Operation.INSERT, List.of("audit", "incoming-chat"), "db-change"),
            new Route("public", "chat_data", Operation.UPDATE, List.of("incoming-chat"), "edited"),
            new Route("other", "chat_data", Operation.INSERT, List.of("other"), "db-change")));

    @Test
    void collectsChannelsOfAllMatchingMappingsInConfigOrderWithoutRepeats() {
        assertThat(mapper.targets("public", "chat_data", Operation.INSERT)).containsExactly(
                new ChangeMapper.Target("incoming-chat", "db-change"),
                new ChangeMapper.Target("audit", "db-change"));
    }

    @Test
    void keysOnSchemaTableAndOperation() {
        assertThat(mapper.targets("public", "chat_data", Operation.UPDATE)).containsExactly(new ChangeMapper.Target("incoming-chat", "edited"));
        assertThat(mapper.targets("other", "chat_data", Operation.INSERT)).extracting(ChangeMapper.Target::channel).containsExactly("other");
        assertThat(mapper.targets("public", "chat_data", Operation.DELETE)).isEmpty();
        assertThat(mapper.targets("public", "unknown", Operation.INSERT)).isEmpty();
    }
}
