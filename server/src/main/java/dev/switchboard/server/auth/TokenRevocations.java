package dev.switchboard.server.auth;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Revoked tokens (RSA17): a key's tokens for one clientId, issued before a time, stop working from another time on.
 * Held by this process; thread-safe. A revocation is kept until every token it can cover has expired.
 */
public final class TokenRevocations {
    /** A key's tokens for {@code clientId} issued before {@code issuedBefore} are refused from {@code appliesAt} on. */
    public record Revocation(String keyName, String clientId, long issuedBefore, long appliesAt, long keepUntil) {}

    private final List<Revocation> revocations = new CopyOnWriteArrayList<>();

    public void add(Revocation r) { revocations.add(r); }

    /** Whether a token of {@code keyName} for {@code clientId}, issued at {@code issued}, is revoked at {@code now}. */
    public boolean revoked(String keyName, String clientId, long issued, long now) {
        if (revocations.isEmpty()) return false;
        revocations.removeIf(r -> r.keepUntil() < now);
        for (Revocation r : revocations) {
            if (r.keyName().equals(keyName) && r.clientId().equals(clientId) && issued < r.issuedBefore() && now >= r.appliesAt()) return true;
        }
        return false;
    }
}
