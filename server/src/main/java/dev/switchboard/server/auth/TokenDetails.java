package dev.switchboard.server.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/** A token issued to a client, with what it grants; the wire shape SDKs expect from requestToken. */
public record TokenDetails(String token, String keyName, long issued, long expires, String capability, String clientId) {

    public Map<String, Object> toTree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", token);
        m.put("keyName", keyName);
        m.put("issued", issued);
        m.put("expires", expires);
        m.put("capability", capability);
        if (clientId != null) m.put("clientId", clientId);
        return m;
    }
}
