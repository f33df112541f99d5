package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Trees;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A signed request for a token, as SDKs and token endpoints produce it. {@code capability} is JSON text. */
public record TokenRequest(String keyName, Long ttl, String capability, String clientId, long timestamp, String nonce, String mac) {

    public static TokenRequest fromTree(Object tree) {
        Map<String, Object> m = Trees.mapOrNull(tree);
        if (m == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request must be an object");
        Long ts = Trees.longOrNull(m.get("timestamp"));
        String keyName = Trees.stringOr(m.get("keyName"), null);
        if (keyName == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request has no keyName");
        if (ts == null) throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request has no timestamp");
        Object cap = m.get("capability");
        String capText;
        if (cap == null || cap instanceof String) capText = (String) cap;
        else {
            try {
                capText = dev.switchboard.server.protocol.WireFormat.jsonMapper().writeValueAsString(cap);
            } catch (Exception e) {
                throw ErrorCode.INVALID_REQUEST_BODY.exception("Token request capability is unreadable");
            }
        }
        Object ttl = m.get("ttl");
        if (ttl != null && Trees.longOrNull(ttl) == null) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Invalid ttl '" + ttl + "': must be a whole number of ms");
        }
        return new TokenRequest(keyName, Trees.longOrNull(ttl), capText,
                Trees.stringOr(m.get("clientId"), null), ts, Trees.stringOr(m.get("nonce"), null), Trees.stringOr(m.get("mac"), null));
    }

    /** The text the mac covers: each field on its own line, empty when absent. */
    public String signedText() {
        return keyName + "\n" + (ttl == null ? "" : ttl) + "\n" + (capability == null ? "" : capability) + "\n"
                + (clientId == null ? "" : clientId) + "\n" + timestamp + "\n" + (nonce == null ? "" : nonce) + "\n";
    }

    public boolean macMatches(String secret) {
        if (mac == null) return false;
        byte[] expected = Hmac.sha256(secret, signedText());
        byte[] given;
        try {
            given = Base64.getDecoder().decode(mac);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }

    /** A signed request, as a token endpoint issues it on behalf of a key. */
    public static TokenRequest sign(ApiKey key, Long ttl, String capability, String clientId, long timestamp, String nonce) {
        TokenRequest unsigned = new TokenRequest(key.keyName(), ttl, capability, clientId, timestamp, nonce, null);
        String mac = Base64.getEncoder().encodeToString(Hmac.sha256(key.secret(), unsigned.signedText()));
        return new TokenRequest(key.keyName(), ttl, capability, clientId, timestamp, nonce, mac);
    }

    public Map<String, Object> toTree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keyName", keyName);
        if (ttl != null) m.put("ttl", ttl);
        if (capability != null) m.put("capability", capability);
        if (clientId != null) m.put("clientId", clientId);
        m.put("timestamp", timestamp);
        m.put("nonce", nonce);
        m.put("mac", mac);
        return m;
    }

}
