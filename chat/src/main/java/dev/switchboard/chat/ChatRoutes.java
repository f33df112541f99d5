package dev.switchboard.chat;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.TokenRequest;
import dev.switchboard.server.http.QueryParams;
import dev.switchboard.server.http.Origins;
import dev.switchboard.server.http.Responder;
import dev.switchboard.server.config.Limits;
import dev.switchboard.server.limits.AddressRateLimiter;
import dev.switchboard.server.protocol.ErrorCode;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The chat's HTTP side: the token endpoint the page uses as {@code authUrl}, the message history read from
 * the table, and the built web app.
 */
public final class ChatRoutes implements Consumer<Router> {
    private static final Logger log = LoggerFactory.getLogger(ChatRoutes.class);
    private static final long TOKEN_TTL_MS = 3600_000L;
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 200;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApiKey signingKey;
    private final ChatStore store;
    private final ClientIdCookie cookie;
    private final Clock clock;
    private final Limits limits;
    private final AddressRateLimiter tokenRequests;

    /** @param limits the server's limits: which other origins may read a token request, and how often one address may ask */
    public ChatRoutes(ApiKey signingKey, ChatStore store, ClientIdCookie cookie, Clock clock, Limits limits) {
        this(signingKey, store, cookie, clock, limits, AddressRateLimiter.forTokenRequests(clock, limits));
    }

    /** @param tokenRequests the token endpoint's own budget per address, e.g. in Redis when several nodes serve the chat */
    public ChatRoutes(ApiKey signingKey, ChatStore store, ClientIdCookie cookie, Clock clock, Limits limits, AddressRateLimiter tokenRequests) {
        this.signingKey = signingKey;
        this.store = store;
        this.cookie = cookie;
        this.clock = clock;
        this.limits = limits;
        this.tokenRequests = tokenRequests;
    }

    @Override
    public void accept(Router router) {
        router.get("/auth/token").handler(this::token);
        router.post("/auth/token").handler(this::token);
        router.get("/chat/messages").handler(this::history);
        router.get("/*").handler(StaticHandler.create("web").setCachingEnabled(true).setIndexPage("index.html"));
    }

    /**
     * A TokenRequest for this browser's stable clientId, limited to the chat's channels. The cookie makes it the
     * visitor's identity, so a page of another origin (even of the same site, where the cookie still goes along) must
     * not read it: such requests are refused (40300) without any CORS header, unless the origin is allowed.
     */
    private void token(RoutingContext ctx) {
        if (!Origins.trusted(ctx, limits)) {
            String origin = ctx.request().getHeader("Origin");
            for (String h : java.util.List.of("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers")) {
                ctx.response().headers().remove(h);
            }
            Responder.error(ctx, ErrorCode.FORBIDDEN.exception("Token requests are not served to pages of " + origin
                    + " (add it to SWITCHBOARD_ALLOWED_ORIGINS to allow it)"));
            return;
        }
        // Each token is a new identity for a browser without the cookie: minting them is rate limited per address
        // (the budget may be in Redis: signing goes on, on the request's event loop, once a permit is granted).
        Responder.whenDone(ctx, tokenRequests.acquireTokenRequest(Origins.remoteAddress(ctx)), granted -> {
            try {
                signToken(ctx);
            } catch (RuntimeException e) {
                ctx.fail(e); // as if thrown by the handler, which is where it was thrown before the limit went async
            }
        });
    }

    private void signToken(RoutingContext ctx) {
        Cookie existing = ctx.request().getCookie(ClientIdCookie.NAME);
        String clientId = cookie.decode(existing == null ? null : existing.getValue());
        if (clientId == null) {
            clientId = ClientIdCookie.newClientId();
            ctx.response().addCookie(Cookie.cookie(ClientIdCookie.NAME, cookie.encode(clientId))
                    .setHttpOnly(true).setPath("/").setSameSite(CookieSameSite.STRICT).setMaxAge(400L * 24 * 3600));
        }
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        TokenRequest request = TokenRequest.sign(signingKey, TOKEN_TTL_MS, ChatChannels.BROWSER_CAPABILITY, clientId, clock.millis(),
                Base64.getUrlEncoder().withoutPadding().encodeToString(nonce));
        ctx.response().putHeader("Cache-Control", "no-store");
        Responder.ok(ctx, 200, request.toTree());
    }

    /** {@code GET /chat/messages?before=<record id>&limit=50}: rows oldest first, and whether older ones exist. */
    private void history(RoutingContext ctx) {
        Long before;
        int limit;
        try {
            before = QueryParams.optionalLong(ctx, "before");
            Long l = QueryParams.optionalLong(ctx, "limit");
            limit = l == null ? DEFAULT_PAGE : l.intValue();
            if (limit < 1 || limit > MAX_PAGE) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("limit must be from 1 to " + MAX_PAGE);
        } catch (RuntimeException e) {
            Responder.error(ctx, e);
            return;
        }
        ctx.vertx().executeBlocking(() -> store.page(before, limit), false).onComplete(ar -> {
            if (ar.failed()) {
                log.error("Reading chat history failed", ar.cause());
                Responder.error(ctx, ErrorCode.INTERNAL_ERROR.info("Chat history is unavailable"));
                return;
            }
            List<Object> rows = new ArrayList<>();
            for (ChatMessage m : ar.result().messages()) rows.add(m.toRow());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("messages", rows);
            body.put("hasMore", ar.result().hasMore());
            Responder.ok(ctx, 200, body);
        });
    }
}
