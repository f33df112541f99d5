package dev.switchboard.server.rules;

import java.util.concurrent.CompletableFuture;

/** Listed in META-INF/services to check ServiceLoader discovery. */
public class TestRuleFunctionProvider implements RuleFunctionProvider {
    static final String NAME = "test-discovered";

    @Override
    public void register(RuleFunctions functions) {
        functions.register(NAME, env -> CompletableFuture.completedFuture(null));
    }
}
