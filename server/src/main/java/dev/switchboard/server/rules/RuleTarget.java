package dev.switchboard.server.rules;

import java.net.URI;
import java.util.Map;

/** Where a rule delivers its events. */
public sealed interface RuleTarget permits RuleTarget.Function, RuleTarget.Webhook {

    /** A {@link RuleFunction} registered under {@code name} in {@link RuleFunctions}; an attempt fails after {@code timeoutMs}. */
    record Function(String name, long timeoutMs) implements RuleTarget {}

    /**
     * An HTTP POST of the JSON body to {@code url}, signed with {@code signingKey} when set (see {@link WebhookSignature}).
     * {@code timeoutMs} bounds the connect and the wait for the response; 2xx is delivered, anything else is retried.
     */
    record Webhook(URI url, String signingKey, long timeoutMs, Map<String, String> headers) implements RuleTarget {
        public Webhook {
            headers = Map.copyOf(headers);
        }

        @Override
        public String toString() {
            // Never print the signing key in logs.
            return "Webhook[url=" + url + ", signed=" + (signingKey != null) + ", timeoutMs=" + timeoutMs + ", headers=" + headers.keySet() + "]";
        }
    }
}
