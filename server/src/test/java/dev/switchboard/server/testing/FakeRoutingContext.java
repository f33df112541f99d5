package dev.switchboard.server.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request as the REST handlers read it — query parameters, headers, body — without a server, for calling request
 * decoders (RestAuth, QueryParams, RestApi.body) directly. Anything else a handler asks for fails loudly.
 */
public final class FakeRoutingContext {
    private FakeRoutingContext() {}

    /** {@code params} and {@code headers} may hold nulls (absent); header names are matched case-insensitively. */
    public static RoutingContext of(Map<String, String> params, Map<String, String> headers, byte[] body) {
        Map<String, String> headersByName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> { if (v != null) headersByName.put(k, v); });
        HttpServerRequest request = proxy(HttpServerRequest.class, (self, method, args) -> switch (method.getName()) {
            case "getParam" -> {
                String v = params.get((String) args[0]);
                yield v == null && args.length == 2 ? args[1] : v;
            }
            case "getHeader" -> headersByName.get(args[0].toString());
            default -> unsupported("HttpServerRequest." + method.getName());
        });
        RequestBody requestBody = proxy(RequestBody.class, (self, method, args) -> switch (method.getName()) {
            case "buffer" -> body == null ? null : Buffer.buffer(body);
            case "length" -> body == null ? -1 : body.length;
            case "available" -> body != null;
            case "isEmpty" -> body == null || body.length == 0;
            default -> unsupported("RequestBody." + method.getName());
        });
        return proxy(RoutingContext.class, (self, method, args) -> switch (method.getName()) {
            case "request" -> request;
            case "body" -> requestBody;
            default -> unsupported("RoutingContext." + method.getName());
        });
    }

    public static RoutingContext of(Map<String, String> params, Map<String, String> headers) { return of(params, headers, null); }

    private static Object unsupported(String what) {
        throw new UnsupportedOperationException(what + " is not faked");
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        InvocationHandler withObjectMethods = (self, method, args) -> switch (method.getName()) {
            case "toString" -> "Fake" + type.getSimpleName();
            case "hashCode" -> System.identityHashCode(self);
            case "equals" -> self == args[0];
            default -> handler.invoke(self, method, args);
        };
        return (T) Proxy.newProxyInstance(FakeRoutingContext.class.getClassLoader(), new Class<?>[]{type}, withObjectMethods);
    }
}
