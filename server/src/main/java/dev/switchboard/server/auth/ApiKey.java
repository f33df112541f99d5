package dev.switchboard.server.auth;

import dev.switchboard.server.protocol.ErrorCode;

/** An app's API key: {@code appId.keyId:secret} with the capability the key grants. */
public record ApiKey(String appId, String keyId, String secret, Capability capability) {

    public String keyName() { return appId + "." + keyId; }

    public String keyString() { return keyName() + ":" + secret; }

    /** Parses {@code appId.keyId:secret}; a malformed key is a 40101 naming the problem. */
    public static ApiKey parse(String keyString, Capability capability) {
        if (keyString == null) throw ErrorCode.INVALID_CREDENTIALS.exception("No key given");
        int colon = keyString.indexOf(':');
        int dot = keyString.indexOf('.');
        if (colon <= 0 || dot <= 0 || dot > colon || colon == keyString.length() - 1 || dot == colon - 1) {
            throw ErrorCode.INVALID_CREDENTIALS.exception("Key must have the form appId.keyId:secret");
        }
        return new ApiKey(keyString.substring(0, dot), keyString.substring(dot + 1, colon),
                keyString.substring(colon + 1), capability);
    }

    @Override
    public String toString() { return "ApiKey[" + keyName() + "]"; }
}
