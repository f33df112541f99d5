package dev.switchboard.server.rules;

/**
 * {@link java.util.ServiceLoader} entry point for rule functions found on the class path: list the implementing
 * class in {@code META-INF/services/dev.switchboard.server.rules.RuleFunctionProvider}; it needs a public
 * no-argument constructor and registers its functions with {@link RuleFunctions#register}.
 */
public interface RuleFunctionProvider {
    void register(RuleFunctions functions);
}
