package dev.switchboard.server.rules;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The named {@link RuleFunction}s rules can target. The application fills it in-process before the server starts
 * ({@code new RuleFunctions().register("chat-persistence", fn)}), and/or from {@link RuleFunctionProvider}s via
 * {@link #discover(ClassLoader)}. Thread-safe.
 */
public final class RuleFunctions {
    private final Map<String, RuleFunction> byName = new ConcurrentHashMap<>();

    /** Registers {@code function} under {@code name}; a name can be registered once. */
    public RuleFunctions register(String name, RuleFunction function) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("A rule function needs a name");
        if (function == null) throw new IllegalArgumentException("Rule function '" + name + "' is null");
        if (byName.putIfAbsent(name, function) != null) throw new IllegalStateException("A rule function named '" + name + "' is already registered");
        return this;
    }

    /** Adds the functions of every {@link RuleFunctionProvider} the class loader finds. */
    public RuleFunctions discover(ClassLoader loader) {
        for (RuleFunctionProvider p : ServiceLoader.load(RuleFunctionProvider.class, loader)) p.register(this);
        return this;
    }

    /** A registry holding the functions the context class loader's providers register. */
    public static RuleFunctions discovered() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return new RuleFunctions().discover(loader != null ? loader : RuleFunctions.class.getClassLoader());
    }

    /** The function, or null. */
    public RuleFunction find(String name) { return byName.get(name); }

    public Set<String> names() { return new TreeSet<>(byName.keySet()); }
}
