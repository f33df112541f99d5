package dev.switchboard.server.fuzz;

import dev.switchboard.server.util.Futures;

import dev.switchboard.server.apps.AppRegistry;
import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Capability;
import dev.switchboard.server.auth.Hmac;
import dev.switchboard.server.auth.Principal;
import dev.switchboard.server.auth.TokenDetails;
import dev.switchboard.server.auth.TokenRequest;
import dev.switchboard.server.auth.TokenService;
import dev.switchboard.server.channel.ChannelName;
import dev.switchboard.server.channel.ChannelSerial;
import dev.switchboard.server.fuzz.FuzzInputs.Frame;
import dev.switchboard.server.http.QueryParams;
import dev.switchboard.server.http.RestAuth;
import dev.switchboard.server.http.RestBodies;
import dev.switchboard.server.protocol.Action;
import dev.switchboard.server.protocol.ErrorInfo;
import dev.switchboard.server.protocol.Message;
import dev.switchboard.server.protocol.PresenceMessage;
import dev.switchboard.server.protocol.ProtocolMessage;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import dev.switchboard.server.testing.FakeRoutingContext;
import io.vertx.ext.web.RoutingContext;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.switchboard.server.protocol.WireFormat.JSON;
import static dev.switchboard.server.protocol.WireFormat.MSGPACK;

/**
 * Fuzzes every decoder a network peer reaches: realtime frames (JSON and MessagePack), REST publish and token-request
 * bodies, tokens, API keys, capabilities, channel names, query parameters and auth headers — with random bytes, token
 * soups, and valid inputs edited structurally (wrong types, huge numbers, deep nesting, truncation, flipped bytes).
 *
 * <p>The property, for every input: the decoder returns, or throws {@link SwitchboardException} with a catalogued 4xx
 * error. No other exception and no Error (StackOverflowError, OutOfMemoryError) escapes. What a frame decoder accepts,
 * the server must also be able to write again (echo, fan-out in both formats).
 *
 * <p>Default run: 51,000 inputs, 3,000 for each of the 17 properties. Long run, 1,000,000 inputs:
 * <pre>
 * mvn -B -ntp -pl server verify -Dtest=DecoderFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false -Dswitchboard.fuzz.tries=1000000
 * </pre>
 * A failure prints the shrunk input, its recipe and the seed; the next run replays that seed first.
 */
@AddLifecycleHook(DecoderFuzzTest.TriesBudget.class)
@PropertyDefaults(generation = GenerationMode.RANDOMIZED)
class DecoderFuzzTest {

    /** Gives each property an equal share of {@code switchboard.fuzz.tries} (the total across all properties). */
    public static final class TriesBudget implements AroundPropertyHook {
        static final int DEFAULT_TOTAL = 51_000;

        /** Registered on the class, it must reach the properties in it (jqwik's default keeps a class hook to the class). */
        @Override
        public PropagationMode propagateTo() { return PropagationMode.DIRECT_DESCENDANTS; }

        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            long properties = Arrays.stream(context.containerClass().getDeclaredMethods())
                    .filter(m -> m.isAnnotationPresent(Property.class)).count();
            int total = Integer.getInteger("switchboard.fuzz.tries", DEFAULT_TOTAL);
            context.attributes().setTries((int) Math.max(1, (total + properties - 1) / properties));
            return property.execute();
        }
    }

    private static final long NOW = 1_750_000_000_000L;
    private static final long REQUEST_WINDOW_MS = 600_000;
    private static final AppRegistry APPS = new AppRegistry();
    private static final ApiKey FULL_KEY = ApiKey.parse("fuzzapp.full:full-secret-0123456789", Capability.ALL);
    private static final ApiKey NARROW_KEY = ApiKey.parse("fuzzapp.narrow:narrow-secret-0123456789",
            Capability.parse("{\"fuzz:*\":[\"publish\",\"subscribe\"],\"[*]*\":[\"history\"],\"chat\":[\"presence\"]}"));
    private static final TokenService TOKENS;
    /** Tokens the service really issued, as starting points for edits. */
    private static final List<String> REAL_TOKENS;

    static {
        APPS.addKey(FULL_KEY);
        APPS.addKey(NARROW_KEY);
        TOKENS = new TokenService(APPS, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), 3_600_000, REQUEST_WINDOW_MS);
        REAL_TOKENS = List.of(
                TOKENS.issue(FULL_KEY, null, null, null).token(),
                TOKENS.issue(FULL_KEY, 60_000L, "{\"fuzz:*\":[\"publish\"]}", "alice").token(),
                TOKENS.issue(FULL_KEY, null, null, "*").token(),
                TOKENS.issue(NARROW_KEY, 5_000L, "{\"[*]*\":[\"*\"]}", "bob").token());
    }

    // ---- realtime frames ----------------------------------------------------------------------------------------------

    @Property
    void jsonFramesOfRandomBytes(@ForAll("randomBytes") byte[] bytes) { decodeFrame(bytes, JSON); }

    @Property
    void msgpackFramesOfRandomBytes(@ForAll("randomBytes") byte[] bytes) { decodeFrame(bytes, MSGPACK); }

    @Property
    void jsonFramesOfTokenSoup(@ForAll("jsonSoup") byte[] bytes) { decodeFrame(bytes, JSON); }

    @Property
    void msgpackFramesOfTokenSoup(@ForAll("msgpackSoup") byte[] bytes) { decodeFrame(bytes, MSGPACK); }

    /** The starting points of the edits: every valid frame is accepted, so edits begin from something the server reads. */
    @Property
    void validFramesOfEveryActionAreAccepted(@ForAll("validFrames") Frame frame) {
        ProtocolMessage pm;
        try {
            pm = ProtocolMessage.decode(frame.bytes(), frame.format());
        } catch (SwitchboardException e) {
            throw new AssertionError("A valid frame was refused: " + e.getMessage(), e);
        }
        handledLikeTheServer(pm);
    }

    @Property
    void mutatedJsonFrames(@ForAll("mutatedJsonFrames") Frame frame) { decodeFrame(frame.bytes(), JSON); }

    @Property
    void mutatedMsgpackFrames(@ForAll("mutatedMsgpackFrames") Frame frame) { decodeFrame(frame.bytes(), MSGPACK); }

    // ---- REST bodies --------------------------------------------------------------------------------------------------

    /** {@code POST /channels/:channel/messages}: RestApi.publish's decoding, up to handing the messages to the channel. */
    @Property
    void restPublishBodies(@ForAll("publishBodies") Frame body) {
        Outcome<Object> decoded = decode("RestApi.body", () -> RestBodies.decode(body.bytes(), body.format().contentType()));
        if (decoded.refused()) return;
        Object tree = decoded.answer();
        List<Object> items = answerOrRefusal("RestApi.publish items", () -> tree instanceof List<?> list ? new ArrayList<>(list) : List.of(tree));
        List<Message> accepted = new ArrayList<>();
        for (Object item : items) {
            Message m = answerOrRefusal("Message.fromTree", () -> {
                Message message = Message.fromTree(item, body.format());
                message.requirePublishableId(null);
                message.size();
                return message;
            });
            if (m != null) accepted.add(m);
        }
        if (!accepted.isEmpty()) fannedOut(accepted);
    }

    /** {@code POST /keys/:keyName/requestToken}: RestApi.requestToken's decoding and the token service's checks. */
    @Property
    void tokenRequestBodies(@ForAll("tokenRequestBodies") Frame body) {
        Outcome<Object> decoded = decode("RestApi.body", () -> RestBodies.decode(body.bytes(), body.format().contentType()));
        if (decoded.refused()) return;
        Object tree = decoded.answer();
        TokenRequest request = answerOrRefusal("TokenRequest.fromTree", () -> TokenRequest.fromTree(tree));
        if (request == null) return;
        TokenDetails issued = answerOrRefusal("TokenService.requestToken", () -> Futures.join(TOKENS.requestToken(FULL_KEY.keyName(), request)));
        if (issued == null) return;
        BigInteger distance = BigInteger.valueOf(request.timestamp()).subtract(BigInteger.valueOf(NOW)).abs();
        if (distance.compareTo(BigInteger.valueOf(REQUEST_WINDOW_MS)) > 0) {
            throw new AssertionError("A token was issued for a request " + distance + " ms from now, outside the window");
        }
        try {
            TOKENS.verifyToken(issued.token());
        } catch (SwitchboardException e) {
            throw new AssertionError("A token the service issued does not verify: " + e.getMessage(), e);
        }
    }

    // ---- credentials --------------------------------------------------------------------------------------------------

    @Property
    void randomTokenStrings(@ForAll("tokenLikeStrings") String token) { verifyToken(token); }

    @Property
    void editedRealTokens(@ForAll("editedTokens") String token) { verifyToken(token); }

    /** Tokens whose claims were edited and re-signed with the key: what only a key holder could send, read all the way. */
    @Property
    void tokensWithEditedClaims(@ForAll("tokensWithEditedClaims") String token) { verifyToken(token); }

    @Property
    void apiKeyStrings(@ForAll("keyStrings") String key) {
        answerOrRefusal("ApiKey.parse", () -> ApiKey.parse(key, Capability.ALL));
        answerOrRefusal("TokenService.verifyKey", () -> TOKENS.verifyKey(key));
    }

    @Property
    void capabilityTexts(@ForAll("capabilityInputs") String text, @ForAll("channelNameSoup") String channel) {
        Capability capability = answerOrRefusal("Capability.parse", () -> Capability.parse(text));
        if (capability == null) return;
        answerOrRefusal("Capability checks", () -> {
            capability.allows(channel, Capability.PUBLISH);
            capability.allowsAny(channel);
            capability.modesFor(channel);
            capability.isUnrestricted();
            NARROW_KEY.capability().intersect(capability);
            return capability.intersect(NARROW_KEY.capability());
        });
    }

    /** Channel names with {@code [?params]} and {@code [meta]} qualifiers, and the serials an ATTACH may carry. */
    @Property
    void channelNames(@ForAll("channelNameSoup") String raw) {
        ChannelName name = answerOrRefusal("ChannelName.parse", () -> ChannelName.parse(raw));
        if (name != null) answerOrRefusal("Capability.matches", () -> Capability.matches("fuzz:*", name.name()) | NARROW_KEY.capability().allowsAny(name.name()));
        answerOrRefusal("ChannelSerial.parse", () -> ChannelSerial.parse(raw));
    }

    @Property
    void queryParameters(@ForAll("parameterValues") String value) {
        RoutingContext ctx = FakeRoutingContext.of(parameters("limit", value), Map.of());
        answerOrRefusal("QueryParams.optionalLong", () -> QueryParams.optionalLong(ctx, "limit"));
        answerOrRefusal("WireFormat.fromParam", () -> WireFormat.fromParam(value));
        answerOrRefusal("WireFormat.fromMediaType", () -> WireFormat.fromMediaType(value));
    }

    /** Authorization, key= and access_token= credentials and the X-Ably-ClientId header, as RestAuth reads them. */
    @Property
    void authorizationHeaders(@ForAll("authorizationHeaders") String header, @ForAll("credentialParameters") String parameter,
                              @ForAll("clientIds") String clientId) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Authorization", header);
        headers.put("X-Ably-ClientId", clientId);
        Map<String, String> params = new HashMap<>();
        if (parameter != null) params.put(parameter.startsWith("sb1.") ? "access_token" : "key", parameter);
        RoutingContext ctx = FakeRoutingContext.of(params, headers);
        Principal principal = answerOrRefusal("RestAuth.authenticate", () -> RestAuth.authenticate(ctx, TOKENS));
        answerOrRefusal("RestAuth.headerClientId", () -> RestAuth.headerClientId(ctx));
        if (principal != null) answerOrRefusal("Principal.resolveClientId", () -> principal.resolveClientId(clientId));
    }

    // ---- what every property checks ----------------------------------------------------------------------------------

    /** What a decoder made of an input: an answer (which may itself be null) or a catalogued refusal. */
    record Outcome<T>(T answer, ErrorInfo refusal) {
        boolean refused() { return refusal != null; }
    }

    /**
     * Runs a decoder on one input. It may answer or refuse with a catalogued 4xx error; anything else — another
     * exception, a 5xx refusal, an Error — fails the property with the input.
     */
    static <T> Outcome<T> decode(String decoder, Callable<T> decode) {
        try {
            return new Outcome<>(decode.call(), null);
        } catch (SwitchboardException refused) {
            ErrorInfo error = refused.error();
            if (error.statusCode() < 400 || error.statusCode() > 499 || error.code() < 40000 || error.code() > 49999) {
                throw new AssertionError(decoder + " refused with " + error.code() + "/" + error.statusCode() + ", not a 4xx input error", refused);
            }
            return new Outcome<>(null, error);
        } catch (Throwable escaped) {
            throw new AssertionError(decoder + " let " + escaped.getClass().getName() + " escape: " + escaped.getMessage(), escaped);
        }
    }

    /** The decoder's answer, or null when it refused; for decoders that never answer null. */
    static <T> T answerOrRefusal(String decoder, Callable<T> decode) { return decode(decoder, decode).answer(); }

    private static void decodeFrame(byte[] bytes, WireFormat format) {
        ProtocolMessage pm = answerOrRefusal("ProtocolMessage.decode", () -> ProtocolMessage.decode(bytes, format));
        if (pm != null) handledLikeTheServer(pm);
    }

    /** What ClientConnection does with a decoded frame before any channel work, and what the channel then writes. */
    private static void handledLikeTheServer(ProtocolMessage pm) {
        answerOrRefusal("re-encoding the frame", () -> {
            pm.encode(JSON);
            return pm.encode(MSGPACK);
        });
        if (pm.channel != null) answerOrRefusal("ChannelName.parse", () -> ChannelName.parse(pm.channel));
        answerOrRefusal("ChannelSerial.parse", () -> ChannelSerial.parse(pm.channelSerial));
        if (pm.accessToken != null) verifyToken(pm.accessToken);
        if (pm.messages != null && !pm.messages.isEmpty()) {
            for (Message m : pm.messages) {
                answerOrRefusal("Message checks", () -> {
                    m.requirePublishableId("abcdefghij");
                    return m.size();
                });
            }
            fannedOut(pm.messages);
        }
        if (pm.presence != null && !pm.presence.isEmpty()) {
            ProtocolMessage presence = ProtocolMessage.of(Action.PRESENCE, "fuzz");
            presence.presence = new ArrayList<>();
            for (PresenceMessage p : pm.presence) {
                p.size();
                presence.presence.add(p.with("id", PresenceMessage.ENTER, "member", "abcdefghij", NOW));
            }
            answerOrRefusal("encoding the presence fan-out", () -> writtenInBothFormats(presence));
        }
    }

    /** The MESSAGE frame a channel sends its subscribers for accepted messages, in both formats. */
    private static void fannedOut(List<Message> messages) {
        ProtocolMessage pm = ProtocolMessage.of(Action.MESSAGE, "fuzz");
        pm.id = "abcdefghij:0";
        pm.connectionId = "abcdefghij";
        pm.timestamp = NOW;
        pm.channelSerial = "epoch:1";
        pm.messages = new ArrayList<>();
        for (Message m : messages) pm.messages.add(m.accepted("abcdefghij:0:0", m.clientId(), "abcdefghij", NOW, "epoch:1"));
        answerOrRefusal("encoding the message fan-out", () -> writtenInBothFormats(pm));
    }

    private static Object writtenInBothFormats(ProtocolMessage pm) {
        pm.encode(JSON);
        return pm.encode(MSGPACK);
    }

    private static void verifyToken(String token) {
        answerOrRefusal("TokenService.verifyToken", () -> TOKENS.verifyToken(token));
    }

    private static Map<String, String> parameters(String name, String value) {
        Map<String, String> m = new HashMap<>();
        m.put(name, value);
        return m;
    }

    // ---- inputs -------------------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> randomBytes() { return FuzzInputs.randomBytes(); }

    @Provide
    Arbitrary<byte[]> jsonSoup() { return FuzzInputs.tokenSoup(FuzzInputs.JSON_TOKENS, 40); }

    @Provide
    Arbitrary<byte[]> msgpackSoup() { return FuzzInputs.tokenSoup(FuzzInputs.MSGPACK_TOKENS, 40); }

    @Provide
    Arbitrary<Frame> validFrames() {
        return Arbitraries.oneOf(validFrames(JSON), validFrames(MSGPACK));
    }

    private static Arbitrary<Frame> validFrames(WireFormat format) {
        return FuzzInputs.protocolMessages(format).map(tree -> new Frame(format, FuzzInputs.encode(tree, format), "valid"));
    }

    @Provide
    Arbitrary<Frame> mutatedJsonFrames() { return FuzzInputs.mutatedFrames(JSON, FuzzInputs.protocolMessages(JSON)); }

    @Provide
    Arbitrary<Frame> mutatedMsgpackFrames() { return FuzzInputs.mutatedFrames(MSGPACK, FuzzInputs.protocolMessages(MSGPACK)); }

    @Provide
    Arbitrary<Frame> publishBodies() {
        return Arbitraries.oneOf(FuzzInputs.restPublishBodies(JSON), FuzzInputs.restPublishBodies(MSGPACK));
    }

    @Provide
    Arbitrary<Frame> tokenRequestBodies() {
        return Arbitraries.oneOf(FuzzInputs.tokenRequestBodies(JSON, FULL_KEY, NOW), FuzzInputs.tokenRequestBodies(MSGPACK, FULL_KEY, NOW));
    }

    @Provide
    Arbitrary<String> tokenLikeStrings() { return FuzzInputs.tokenLikeStrings(); }

    @Provide
    Arbitrary<String> editedTokens() {
        List<byte[]> pieces = List.of("sb1.".getBytes(), ".".getBytes(), "=".getBytes(), "-".getBytes(), "_".getBytes(),
                "+/".getBytes(), "A".getBytes(), "%".getBytes(), "\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        return Combinators.combine(Arbitraries.of(REAL_TOKENS), FuzzInputs.byteMutations(pieces).list().ofMinSize(1).ofMaxSize(3))
                .as((token, edits) -> new String(FuzzInputs.mutateBytes(token.getBytes(StandardCharsets.US_ASCII), edits), StandardCharsets.ISO_8859_1));
    }

    enum Signature { SIGNED_AGAIN, ORIGINAL, NONE }

    @Provide
    Arbitrary<String> tokensWithEditedClaims() {
        return Combinators.combine(Arbitraries.of(REAL_TOKENS), FuzzInputs.treeMutations().list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of(Signature.class)).as((token, edits, signature) -> {
            int dot = token.lastIndexOf('.');
            Object claims = FuzzInputs.parseJson(new String(Base64.getUrlDecoder().decode(token.substring(4, dot)), StandardCharsets.UTF_8));
            String body = "sb1." + Base64.getUrlEncoder().withoutPadding().encodeToString(FuzzInputs.encode(FuzzInputs.mutateTree(claims, edits), JSON));
            return body + "." + switch (signature) {
                case SIGNED_AGAIN -> Base64.getUrlEncoder().withoutPadding().encodeToString(Hmac.sha256(FULL_KEY.secret(), body));
                case ORIGINAL -> token.substring(dot + 1);
                case NONE -> "";
            };
        });
    }

    @Provide
    Arbitrary<String> keyStrings() {
        Arbitrary<String> edited = Combinators.combine(Arbitraries.of(FULL_KEY.keyString(), NARROW_KEY.keyString()),
                FuzzInputs.byteMutations(List.of(".".getBytes(), ":".getBytes(), "x".getBytes())).list().ofMinSize(1).ofMaxSize(2))
                .as((key, edits) -> new String(FuzzInputs.mutateBytes(key.getBytes(StandardCharsets.UTF_8), edits), StandardCharsets.UTF_8));
        return Arbitraries.oneOf(edited, FuzzInputs.stringSoup(10, "fuzzapp", "full", "narrow", ".", ":", "..", "::", "secret",
                "full-secret-0123456789", "*", "%", "\u0000", "é"));
    }

    @Provide
    Arbitrary<String> capabilityInputs() {
        Arbitrary<String> edited = Combinators.combine(FuzzInputs.capabilityTexts(), FuzzInputs.treeMutations().list().ofMinSize(1).ofMaxSize(3))
                .as((text, edits) -> FuzzInputs.json(FuzzInputs.mutateTree(FuzzInputs.parseJson(text), edits)));
        return Arbitraries.frequencyOf(
                Tuple.of(2, FuzzInputs.capabilityTexts()),
                Tuple.of(3, edited),
                Tuple.of(1, FuzzInputs.tokenSoup(FuzzInputs.JSON_TOKENS, 20).map(b -> new String(b, StandardCharsets.UTF_8))),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(20)));
    }

    @Provide
    Arbitrary<String> channelNameSoup() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, FuzzInputs.channelNames()),
                Tuple.of(4, FuzzInputs.stringSoup(16, "[", "]", "?", "&", "=", "%", "%2", "%zz", "%E2%82", "%E2%82%AC", "[?", "[meta]",
                        "[?rewind=", ":", "*", "\u0000", "\n", "\u007f", "\u0085", "\ud800", "rewind", "a", "é", "😀", "+", "epoch:", "-1")),
                Tuple.of(1, Arbitraries.of("a".repeat(2048), "a".repeat(2049), "[?x=1]" + "a".repeat(2042), "[?" + "&".repeat(3000) + "]a")));
    }

    @Provide
    Arbitrary<String> parameterValues() {
        return FuzzInputs.stringSoup(6, "0", "7", "9", "-", "+", "9223372036854775807", "9223372036854775808", "1e3", " ", "json",
                "msgpack", "application/x-msgpack", "application/json", "*/*", "text/plain", ";q=0.5", ",", "\u0000", "٣");
    }

    @Provide
    Arbitrary<String> authorizationHeaders() {
        Arbitrary<String> scheme = Arbitraries.of("Basic", "Bearer", "basic", "BEARER", "Digest", "", "Basic ");
        Arbitrary<String> credential = Arbitraries.oneOf(
                keyStrings().map(k -> Base64.getEncoder().encodeToString(k.getBytes(StandardCharsets.UTF_8))),
                keyStrings(),
                editedTokens(),
                Arbitraries.of(REAL_TOKENS).map(t -> Base64.getEncoder().encodeToString(t.getBytes(StandardCharsets.UTF_8))),
                FuzzInputs.tokenLikeStrings());
        return Arbitraries.frequencyOf(
                Tuple.of(6, Combinators.combine(scheme, credential).as((s, c) -> s + " " + c)),
                Tuple.of(1, FuzzInputs.texts()),
                Tuple.of(2, Arbitraries.<String>just(null)));
    }

    @Provide
    Arbitrary<String> credentialParameters() {
        return Arbitraries.oneOf(keyStrings(), editedTokens(), Arbitraries.<String>just(null));
    }

    @Provide
    Arbitrary<String> clientIds() {
        Arbitrary<String> encoded = FuzzInputs.texts().map(s -> Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
        return Arbitraries.oneOf(encoded, FuzzInputs.texts(), Arbitraries.of("*", "", "Kg==", "====", "  ")).injectNull(0.3);
    }
}
