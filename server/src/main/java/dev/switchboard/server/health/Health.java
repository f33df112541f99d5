package dev.switchboard.server.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the server depends on and whether it works now: {@code GET /health} answers 503 naming every component
 * whose check reports a problem. Checks are cheap reads of state kept by the component itself (they run on an
 * event loop and must not block). Thread-safe; components register when they start.
 */
public final class Health {
    private final Map<String, Supplier<Optional<String>>> checks = new ConcurrentHashMap<>();

    /** Adds or replaces the check of a component; the check returns what is wrong, or empty when it works. */
    public void register(String component, Supplier<Optional<String>> check) { checks.put(component, check); }

    /** Problems by component, empty when everything works. */
    public Map<String, String> problems() {
        Map<String, String> problems = new LinkedHashMap<>();
        checks.forEach((component, check) -> {
            Optional<String> problem;
            try {
                problem = check.get();
            } catch (RuntimeException e) {
                problem = Optional.of("health check failed: " + e);
            }
            problem.ifPresent(p -> problems.put(component, p));
        });
        return problems;
    }
}
