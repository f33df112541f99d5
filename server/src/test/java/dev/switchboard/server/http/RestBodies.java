package dev.switchboard.server.http;

import dev.switchboard.server.testing.FakeRoutingContext;

import java.util.HashMap;
import java.util.Map;

/** Reaches RestApi's package-private body decoder from tests in other packages (the decoder fuzz test). */
public final class RestBodies {
    private RestBodies() {}

    /** What {@code RestApi.body} makes of a request body sent with this Content-Type (null: no header). */
    public static Object decode(byte[] body, String contentType) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", contentType);
        return RestApi.body(FakeRoutingContext.of(Map.of(), headers, body));
    }
}
