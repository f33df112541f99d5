package dev.switchboard.chat;

import dev.switchboard.server.auth.Hmac;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The browser's stable chat identity: a random clientId in an HttpOnly cookie, signed so a browser cannot
 * pick someone else's clientId (and with it, the right to edit their messages).
 */
public final class ClientIdCookie {
    public static final String NAME = "sb_chat_id";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;

    public ClientIdCookie(byte[] secret) { this.secret = secret.clone(); }

    /** A new random clientId. */
    public static String newClientId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "u-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public String encode(String clientId) { return clientId + "." + sign(clientId); }

    /** The clientId a cookie value carries, or null when it is absent, malformed or forged. */
    public String decode(String value) {
        if (value == null) return null;
        int dot = value.lastIndexOf('.');
        if (dot <= 0) return null;
        String clientId = value.substring(0, dot);
        byte[] given = value.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, sign(clientId).getBytes(StandardCharsets.US_ASCII)) ? clientId : null;
    }

    private String sign(String clientId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Hmac.sha256(secret, clientId.getBytes(StandardCharsets.UTF_8)));
    }
}
