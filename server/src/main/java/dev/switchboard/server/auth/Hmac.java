package dev.switchboard.server.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/** HMAC-SHA256, the one signature primitive of tokens, token requests, cookies and webhooks. */
public final class Hmac {
    private Hmac() {}

    /** HMAC-SHA256 of the concatenated {@code parts} under {@code key}. */
    public static byte[] sha256(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] part : parts) mac.update(part);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** HMAC-SHA256 of UTF-8 {@code text} under the UTF-8 bytes of {@code key}. */
    public static byte[] sha256(String key, String text) {
        return sha256(key.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8));
    }
}
