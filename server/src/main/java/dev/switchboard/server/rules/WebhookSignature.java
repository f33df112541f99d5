package dev.switchboard.server.rules;

import dev.switchboard.server.auth.Hmac;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * How webhook requests are signed, so receivers can check them. Each request carries
 * <ul>
 *   <li>{@code X-Switchboard-Timestamp}: milliseconds since the epoch when the attempt was sent;</li>
 *   <li>{@code X-Switchboard-Signature}: {@code base64(HMAC-SHA256(signingKey, timestamp + "." + body))}, where body is
 *   the exact request bytes. Binding the timestamp lets receivers reject replays older than a few minutes.</li>
 * </ul>
 */
public final class WebhookSignature {
    public static final String SIGNATURE_HEADER = "X-Switchboard-Signature";
    public static final String TIMESTAMP_HEADER = "X-Switchboard-Timestamp";

    private WebhookSignature() {}

    public static String sign(String signingKey, long timestampMs, byte[] body) {
        return Base64.getEncoder().encodeToString(Hmac.sha256(signingKey.getBytes(StandardCharsets.UTF_8),
                (timestampMs + ".").getBytes(StandardCharsets.US_ASCII), body));
    }

    /** True when {@code signature} is the signature of {@code body} at {@code timestampMs} (constant-time comparison). */
    public static boolean verify(String signingKey, long timestampMs, byte[] body, String signature) {
        if (signature == null) return false;
        return MessageDigest.isEqual(sign(signingKey, timestampMs, body).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }
}
