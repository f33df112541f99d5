package dev.switchboard.server.fuzz;

import dev.switchboard.server.auth.ApiKey;
import dev.switchboard.server.auth.Hmac;
import dev.switchboard.server.auth.TokenRequest;
import dev.switchboard.server.protocol.SwitchboardException;
import dev.switchboard.server.protocol.WireFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Inputs for the decoders the network reaches: valid frames of every action, hostile values (wrong types, huge numbers,
 * deep nesting, raw bytes), edits of trees and of encoded bytes, and token soups. Shared by {@link DecoderFuzzTest}
 * (jqwik arbitraries, shrinkable) and {@link FuzzedFramesIT} (sampled from a seed).
 *
 * <p>Trees are what both codecs read into: Map, List, String, Long, BigInteger, Double, Boolean, byte[], null, plus the
 * two markers {@link Nested} and {@link Raw}, which the fuzz writers here emit exactly as described — the server's own
 * writers refuse what a fuzzer needs to send (nesting beyond 1,000, NaN, broken tokens).
 */
final class FuzzInputs {
    private FuzzInputs() {}

    /** {@code depth} arrays (or one-key objects) nested around {@code inner}, written without deep Java recursion. */
    record Nested(int depth, boolean objects, Object inner) {
        @Override public String toString() { return "Nested[" + depth + (objects ? " objects around " : " arrays around ") + describe(inner) + "]"; }
    }

    /** Bytes written verbatim: {@code json} in JSON frames, {@code msgpack} in MessagePack frames. */
    record Raw(String label, byte[] json, byte[] msgpack) {
        @Override public String toString() { return "Raw[" + label + "]"; }
    }

    /** An encoded input and how it was made, which is what jqwik prints for a falsified sample. */
    record Frame(WireFormat format, byte[] bytes, String recipe) {
        @Override public String toString() { return format + " " + preview(bytes, format) + "  <- " + recipe; }
    }

    /** Field names the decoders look at, so inserted values land where they are read. */
    static final List<String> FIELD_NAMES = List.of("action", "flags", "id", "timestamp", "count", "error", "connectionId",
            "connectionKey", "channel", "channelSerial", "msgSerial", "messages", "presence", "auth", "accessToken",
            "connectionDetails", "params", "name", "clientId", "data", "encoding", "extras", "serial", "code", "statusCode",
            "message", "keyName", "ttl", "capability", "nonce", "mac", "k", "i", "x", "c", "ci", "channels");

    // ---- valid inputs -------------------------------------------------------------------------------------------------

    /** Valid protocol messages of every action (0..21), with messages, presence, params, flags and the rest, as trees. */
    static Arbitrary<Map<String, Object>> protocolMessages(WireFormat format) {
        return objectOf(List.of(
                field("action", Arbitraries.integers().between(0, 21).map(Long::valueOf), 1.0),
                field("flags", flags(), 0.3),
                field("id", texts(), 0.2),
                field("timestamp", Arbitraries.longs().between(0, 4_102_444_800_000L), 0.2),
                field("count", Arbitraries.longs().between(0, 100), 0.1),
                field("error", errors(), 0.1),
                field("connectionId", Arbitraries.strings().alpha().numeric().ofLength(10), 0.15),
                field("connectionKey", Arbitraries.strings().alpha().numeric().withChars('!').ofMaxLength(30), 0.1),
                field("channel", channelNames(), 0.7),
                field("channelSerial", channelSerials(), 0.2),
                field("msgSerial", Arbitraries.longs().between(0, 1_000_000), 0.5),
                field("messages", messages(format).list().ofMaxSize(4).map(ArrayList::new), 0.4),
                field("presence", presenceMessages(format).list().ofMaxSize(3).map(ArrayList::new), 0.25),
                field("auth", objectOf(List.of(field("accessToken", tokenLikeStrings(), 1.0))), 0.1),
                field("connectionDetails", objectOf(List.of(field("clientId", texts(), 0.5),
                        field("maxMessageSize", Arbitraries.longs().between(0, 1 << 20), 0.5))), 0.05),
                field("params", Arbitraries.maps(Arbitraries.of("rewind", "delta", "occupancy", "mode", "x"),
                        Arbitraries.of("1", "10", "2m", "500ms", "vcdiff", "metrics", "")).ofMaxSize(3).map(LinkedHashMap::new), 0.2)));
    }

    /** Valid channel messages: names, ids, clientIds, extras and every kind of data with a fitting encoding. */
    static Arbitrary<Map<String, Object>> messages(WireFormat format) {
        Arbitrary<Map<String, Object>> fields = objectOf(List.of(
                field("id", messageIds(), 0.2),
                field("name", texts(), 0.7),
                field("clientId", texts(), 0.3),
                field("connectionId", Arbitraries.strings().alpha().numeric().ofLength(10), 0.1),
                field("timestamp", Arbitraries.longs().between(0, 4_102_444_800_000L), 0.2),
                field("extras", jsonObjects(), 0.2)));
        return Combinators.combine(fields, payloads(format)).as(FuzzInputs::merged);
    }

    /** Valid presence messages: actions 0..4 (ABSENT..UPDATE) with clientId, data and extras. */
    static Arbitrary<Map<String, Object>> presenceMessages(WireFormat format) {
        Arbitrary<Map<String, Object>> fields = objectOf(List.of(
                field("action", Arbitraries.longs().between(0, 4), 1.0),
                field("clientId", texts(), 0.6),
                field("id", texts(), 0.1),
                field("connectionId", Arbitraries.strings().alpha().numeric().ofLength(10), 0.1),
                field("timestamp", Arbitraries.longs().between(0, 4_102_444_800_000L), 0.1),
                field("extras", jsonValues(), 0.2)));
        return Combinators.combine(fields, payloads(format)).as(FuzzInputs::merged);
    }

    /** data and encoding as a client sends them in this format: binary is base64 text in JSON, bin in MessagePack. */
    static Arbitrary<Map<String, Object>> payloads(WireFormat format) {
        Arbitrary<byte[]> binary = Arbitraries.bytes().array(byte[].class).ofMaxSize(48);
        Arbitrary<Map<String, Object>> binaryPayload = Combinators.combine(binary,
                Arbitraries.of("", "utf-8", "cipher+aes-128-cbc", "json/utf-8")).as((bytes, enc) -> format == WireFormat.JSON
                ? payload(Base64.getEncoder().encodeToString(bytes), enc.isEmpty() ? "base64" : enc + "/base64")
                : payload(bytes, enc.isEmpty() ? null : enc));
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(Map.<String, Object>of())),
                Tuple.of(4, texts().map(s -> payload(s, null))),
                Tuple.of(1, Arbitraries.of("{\"a\":1}", "[1,2]", "\"s\"", "{}").map(s -> payload(s, "json"))),
                Tuple.of(2, binaryPayload),
                Tuple.of(1, jsonContainers(2).map(v -> payload(v, null))));
    }

    /** Channel names as clients write them: plain, with {@code [?params]} qualifiers, or {@code [meta]}. */
    static Arbitrary<String> channelNames() {
        Arbitrary<String> plain = Arbitraries.strings().alpha().numeric().withChars(':', '-', '_', '.', '*').ofMinLength(1).ofMaxLength(24);
        Arbitrary<String> qualifier = Arbitraries.of("rewind=1", "rewind=10", "rewind=2m", "rewind=500ms", "rewind=0",
                "delta=vcdiff", "occupancy=metrics", "rewind=%31").list().ofMinSize(1).ofMaxSize(2).map(l -> String.join("&", l));
        return Arbitraries.frequencyOf(
                Tuple.of(6, plain),
                Tuple.of(2, Combinators.combine(qualifier, plain).as((q, p) -> "[?" + q + "]" + p)),
                Tuple.of(1, plain.map(p -> "[meta]" + p)));
    }

    /** Valid capability JSON texts: resource patterns to operation lists. */
    static Arbitrary<String> capabilityTexts() {
        Arbitrary<String> resources = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("*", "[*]*", "fuzz:*", "fuzz:*:x", "*:*", "[meta]*", "a:b", "[?rewind=1]x")),
                Tuple.of(1, channelNames()));
        Arbitrary<List<String>> operations = Arbitraries.of("publish", "subscribe", "presence", "history", "*",
                "object-publish", "push-admin", "", "bogus").list().ofMaxSize(4);
        return Arbitraries.maps(resources, operations).ofMaxSize(4).map(grants -> json(new LinkedHashMap<>(grants)));
    }

    /** Valid, signed token requests for {@code key} around {@code now}; some with object capabilities, some unsigned. */
    static Arbitrary<Map<String, Object>> tokenRequests(ApiKey key, long now) {
        Arbitrary<Long> ttl = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.longs().between(1, 86_400_000L)),
                Tuple.of(1, Arbitraries.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE))).injectNull(0.3);
        Arbitrary<String> capability = capabilityTexts().injectNull(0.3);
        Arbitrary<String> clientId = Arbitraries.frequencyOf(Tuple.of(3, texts()), Tuple.of(1, Arbitraries.just("*"))).injectNull(0.4);
        // Mostly current; sometimes far off, including the one timestamp whose distance from now overflows a long.
        Arbitrary<Long> timestamp = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.longs().between(now - 20_000, now + 20_000)),
                Tuple.of(1, Arbitraries.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, now + Long.MIN_VALUE, now - 3_600_000, now + 3_600_000)));
        Arbitrary<String> nonce = Arbitraries.strings().alpha().numeric().ofMinLength(12).ofMaxLength(32);
        Arbitrary<Integer> form = Arbitraries.integers().between(0, 5); // 0: unsigned, 1: object capability, else signed text
        return Combinators.combine(ttl, capability, clientId, timestamp, nonce, form).as((t, cap, cid, ts, n, f) -> {
            Map<String, Object> tree = new LinkedHashMap<>(TokenRequest.sign(key, t, cap, cid, ts, n).toTree());
            if (f == 0) tree.remove("mac");
            if (f == 1 && cap != null) tree.put("capability", parseJson(cap));
            return tree;
        });
    }

    /** Message ids: free text, and ids shaped like the server's own ({@code <connectionId>:<serial>:<index>}). */
    static Arbitrary<String> messageIds() {
        return Arbitraries.frequencyOf(Tuple.of(3, texts()),
                Tuple.of(1, Combinators.combine(Arbitraries.strings().alpha().numeric().ofLength(10), Arbitraries.longs().between(0, 99))
                        .as((c, n) -> c + ":" + n + ":0")),
                Tuple.of(1, Arbitraries.chars().alpha().map(c -> String.valueOf(c).repeat(257)))); // one longer than allowed
    }

    static Arbitrary<String> channelSerials() {
        return Combinators.combine(Arbitraries.strings().alpha().numeric().ofMaxLength(12), Arbitraries.longs().between(-5, 1_000_000))
                .as((epoch, seq) -> epoch + ":" + seq);
    }

    /** Short strings: mostly readable, sometimes any UTF-16 (lone surrogates and controls included). */
    static Arbitrary<String> texts() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().alpha().numeric().withChars(' ', ':', '-', '*', '[', ']', '?', '=').ofMaxLength(16)),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(12)),
                Tuple.of(1, Arbitraries.of("", "*", "null", "é😀", "\u0000", "\ud800", "[?rewind=1]x", "sb1.", "a.b:c")));
    }

    /** Generic JSON values nested up to three levels: what extras and object data hold. */
    static Arbitrary<Object> jsonValues() {
        return Arbitraries.frequencyOf(Tuple.of(2, jsonScalars()), Tuple.of(1, jsonContainers(2)));
    }

    /**
     * Arrays and objects of up to {@code levels} levels, composed level by level: jqwik's recursive() flat-maps on every
     * value, which made generating a message cost a millisecond.
     */
    static Arbitrary<Object> jsonContainers(int levels) {
        Arbitrary<Object> inner = levels <= 1 ? jsonScalars() : Arbitraries.frequencyOf(Tuple.of(2, jsonScalars()), Tuple.of(1, jsonContainers(levels - 1)));
        return Arbitraries.oneOf(inner.list().ofMaxSize(3).map(ArrayList::new),
                Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(6), inner).ofMaxSize(3).map(LinkedHashMap::new));
    }

    private static Arbitrary<Object> jsonScalars() {
        return Arbitraries.<Object>oneOf(Arbitraries.strings().alpha().numeric().withChars(' ', ':').ofMaxLength(8), Arbitraries.longs(),
                Arbitraries.doubles().between(-1e12, 1e12), Arbitraries.of(Boolean.TRUE, Boolean.FALSE)).injectNull(0.1);
    }

    static Arbitrary<Object> jsonObjects() {
        return Arbitraries.maps(Arbitraries.of("headers", "push", "ref", "delta", "x"), jsonValues()).ofMaxSize(3).map(LinkedHashMap::new);
    }

    private static Arbitrary<Long> flags() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(1L, 2L, 4L, 16L, 32L, 1L << 16, 1L << 17, 1L << 18, 1L << 19, 0xF0000L, 0xF0021L)),
                Tuple.of(1, Arbitraries.longs().between(0, (1L << 32) - 1)));
    }

    private static Arbitrary<Map<String, Object>> errors() {
        return objectOf(List.of(field("code", Arbitraries.longs().between(10000, 99999), 0.9),
                field("statusCode", Arbitraries.longs().between(100, 599), 0.9), field("message", texts(), 0.9)));
    }

    /** Strings shaped like credentials: "sb1."-prefixed base64url pieces, key strings, plain junk. */
    static Arbitrary<String> tokenLikeStrings() {
        Arbitrary<String> b64 = Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.")
                .ofMaxLength(80);
        return Arbitraries.frequencyOf(Tuple.of(3, b64.map(s -> "sb1." + s)), Tuple.of(1, b64), Tuple.of(1, texts()));
    }

    // ---- hostile values -----------------------------------------------------------------------------------------------

    /** Values that a decoder must refuse or survive: wrong types, extreme numbers, deep nesting, bulk, raw bytes. */
    static Arbitrary<Object> hostileValues() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, hostileScalars()),
                Tuple.of(1, Combinators.combine(Arbitraries.of(FIELD_NAMES), hostileScalars()).as((k, v) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put(k, v);
                    return m;
                })),
                Tuple.of(1, hostileScalars().list().ofMaxSize(3).map(ArrayList::new)),
                Tuple.of(2, nestedValues()),
                Tuple.of(2, raws()),
                Tuple.of(1, bulkyValues()));
    }

    static Arbitrary<Object> hostileScalars() {
        return Arbitraries.<Object>oneOf(
                Arbitraries.of(Boolean.TRUE, Boolean.FALSE),
                Arbitraries.of("", " ", "*", "null", "15", "-1", "1e3", "9223372036854775808", "sb1.", "[?", "[?]", "json",
                        "base64", "utf-8/base64", "cipher+aes-128-cbc/base64", "json/base64", "/", "%", "\ud800", "\u0000"),
                texts(),
                Arbitraries.of(0L, -1L, 1L, 15L, 21L, 22L, 255L, 65_536L, Long.MIN_VALUE, Long.MAX_VALUE,
                        Integer.MAX_VALUE + 1L, Integer.MIN_VALUE - 1L, (1L << 32) + 15),
                Arbitraries.longs(),
                Arbitraries.of(BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE),
                        BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(63).negate().subtract(BigInteger.ONE),
                        BigInteger.TEN.pow(40), BigInteger.TEN.pow(40).negate()),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 1e308, Double.MIN_VALUE, 0.5, 15.0, 1e19),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(32),
                Arbitraries.create(LinkedHashMap::new),
                Arbitraries.create(ArrayList::new)).injectNull(0.08);
    }

    /** Nesting around the 1,000-level limit of both codecs (the levels just under it most), and far beyond it. */
    static Arbitrary<Integer> nestingDepths() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(990, 1001)),
                Tuple.of(1, Arbitraries.of(2, 63, 64, 65, 500)),
                Tuple.of(1, Arbitraries.of(5000, 100_000)));
    }

    static Arbitrary<Object> nestedValues() {
        // Objects nest 5 bytes a level: capped so a frame stays inside the 512 KiB a server accepts.
        return Combinators.combine(nestingDepths(), Arbitraries.of(true, false))
                .as((depth, objects) -> new Nested(objects ? Math.min(depth, 20_000) : depth, objects, 0L));
    }

    /** Big values still inside a frame: long strings, long arrays, wide objects. */
    static Arbitrary<Object> bulkyValues() {
        // Built only once picked: three shapes of three sizes, the largest beyond the 65,536-byte message limit.
        return Combinators.combine(Arbitraries.of(70_000, 20_000, 3000), Arbitraries.integers().between(0, 2)).as((n, shape) -> switch (shape) {
            case 0 -> (Object) "x".repeat(n);
            case 1 -> new ArrayList<Object>(java.util.Collections.nCopies(n / 4, 0L));
            default -> wideObject(n / 8);
        });
    }

    private static Map<String, Object> wideObject(int keys) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keys; i++) m.put("k" + i, (long) i);
        return m;
    }

    /** Tokens only a hand-written frame contains: numbers beyond any type, broken strings and headers, odd keys. */
    static Arbitrary<Object> raws() {
        return Arbitraries.of(
                raw("huge exponent", "1e999999", bytes(0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0)),
                raw("tiny exponent", "-1e-999999", bytes(0xcb, 0x80, 0, 0, 0, 0, 0, 0, 1)),
                raw("40-digit integer", "1234567890123456789012345678901234567890", bytes(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)),
                raw("1,500-digit integer", "9".repeat(1500), bytes(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0)),
                raw("NaN literal", "NaN", bytes(0xca, 0x7f, 0xc0, 0, 0)),
                raw("leading zero", "0012", bytes(0xcc, 0xff)),
                raw("hex", "0x1F", bytes(0xd0, 0x80)),
                raw("lone surrogate escape", "\"\\ud800\"", bytes(0xa3, 0xed, 0xa0, 0x80)),
                raw("short escape", "\"\\u00\"", bytes(0xa2, 0xff, 0xfe)),
                raw("invalid utf-8 in string", cat("\"".getBytes(), bytes(0xff, 0xfe, 0xc0, 0x80), "\"".getBytes()), bytes(0xd9, 0x03, 0xc3, 0x28, 0xa0)),
                raw("nul in string", cat("\"a".getBytes(), bytes(0), "\"".getBytes()), bytes(0xa1, 0)),
                raw("unterminated string", "\"abc", bytes(0xdb, 0x7f, 0xff, 0xff, 0xff)),
                raw("huge array header", "[1,", bytes(0xdd, 0x7f, 0xff, 0xff, 0xff)),
                raw("negative array header", "[,]", bytes(0xdd, 0xff, 0xff, 0xff, 0xff)),
                raw("huge map header", "{\"a\"}", bytes(0xdf, 0xff, 0xff, 0xff, 0xff)),
                raw("huge binary header", "tru", bytes(0xc6, 0xff, 0xff, 0xff, 0xff)),
                raw("huge ext header", "nul", bytes(0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01)),
                raw("timestamp ext", "\"2020-01-01T00:00:00Z\"", bytes(0xd6, 0xff, 0, 0, 0, 1)),
                raw("empty ext", "[]", bytes(0xc7, 0x00, 0x05)),
                raw("never-used byte", "}", bytes(0xc1)),
                raw("integer key", "{\"1\":2}", bytes(0x81, 0x01, 0x02)),
                raw("map key", "{\"{}\":1}", bytes(0x81, 0x80, 0x01)),
                raw("nil key", "{\"\":1}", bytes(0x81, 0xc0, 0x01)),
                raw("duplicate keys", "{\"action\":15,\"action\":\"x\"}", bytes(0x82, 0xa6, 'a', 'c', 't', 'i', 'o', 'n', 0x0f, 0xa6, 'a', 'c', 't', 'i', 'o', 'n', 0xa1, 'x')),
                raw("comment", "/* c */ 1", bytes(0xc0)),
                raw("byte order mark", cat(bytes(0xef, 0xbb, 0xbf), "1".getBytes()), bytes(0xc3)));
    }

    // ---- edits of trees and bytes -------------------------------------------------------------------------------------

    enum TreeEdit { REPLACE, REMOVE, SET_FIELD, APPEND, WRAP_IN_ARRAY, WRAP_DEEP }

    /**
     * One edit of a tree: {@code target} picks the node (modulo the nodes there are), {@code value} what goes in, and
     * {@code depth} how many levels WRAP_DEEP puts around the node (objects when the depth is even, up to 20,000).
     */
    record TreeMutation(TreeEdit edit, int target, String field, Object value, int depth) {
        @Override public String toString() {
            return edit + "@" + target + (edit == TreeEdit.SET_FIELD ? "." + field : "") + (needsValue() ? "=" + describe(value) : "")
                    + (edit == TreeEdit.WRAP_DEEP ? "x" + depth : "");
        }

        private boolean needsValue() { return edit == TreeEdit.REPLACE || edit == TreeEdit.SET_FIELD || edit == TreeEdit.APPEND; }
    }

    static Arbitrary<TreeMutation> treeMutations() {
        return Combinators.combine(Arbitraries.of(TreeEdit.class), Arbitraries.integers().between(0, 200), Arbitraries.of(FIELD_NAMES),
                hostileValues(), nestingDepths()).as(TreeMutation::new);
    }

    enum ByteEdit { TRUNCATE, FLIP_BIT, OVERWRITE, INSERT, DELETE, DUPLICATE }

    /** One edit of encoded bytes at {@code position} (modulo the length). */
    record ByteMutation(ByteEdit edit, int position, int length, byte[] bytes) {
        @Override public String toString() {
            return edit + "@" + position + (edit == ByteEdit.OVERWRITE || edit == ByteEdit.INSERT ? "=" + HexFormat.of().formatHex(bytes)
                    : edit == ByteEdit.DELETE || edit == ByteEdit.DUPLICATE || edit == ByteEdit.FLIP_BIT ? "/" + length : "");
        }
    }

    static Arbitrary<ByteMutation> byteMutations(List<byte[]> interestingBytes) {
        Arbitrary<byte[]> inserted = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(interestingBytes)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)));
        return Combinators.combine(Arbitraries.of(ByteEdit.class), Arbitraries.integers().between(0, 1 << 16),
                Arbitraries.integers().between(1, 64), inserted).as(ByteMutation::new);
    }

    /** A valid tree with tree edits, encoded in the format, with byte edits: the structure-aware fuzz frame. */
    static Arbitrary<Frame> mutatedFrames(WireFormat format, Arbitrary<Map<String, Object>> valid) {
        List<byte[]> interesting = format == WireFormat.JSON ? JSON_TOKENS : MSGPACK_TOKENS;
        return Combinators.combine(valid, treeMutations().list().ofMaxSize(3), byteMutations(interesting).list().ofMaxSize(2))
                .as((tree, treeEdits, byteEdits) -> {
                    byte[] bytes = mutateBytes(encode(mutateTree(tree, treeEdits), format), byteEdits);
                    return new Frame(format, bytes, "tree " + treeEdits + " bytes " + byteEdits);
                });
    }

    /** What a realtime client may send: random bytes, token soup, valid frames, and (mostly) edited valid frames. */
    static Arbitrary<Frame> realtimeFrames(WireFormat format) {
        List<byte[]> tokens = format == WireFormat.JSON ? JSON_TOKENS : MSGPACK_TOKENS;
        return Arbitraries.frequencyOf(
                Tuple.of(2, randomBytes().map(b -> new Frame(format, b, "random bytes"))),
                Tuple.of(2, tokenSoup(tokens, 40).map(b -> new Frame(format, b, "token soup"))),
                Tuple.of(2, protocolMessages(format).map(tree -> new Frame(format, encode(tree, format), "valid"))),
                Tuple.of(6, mutatedFrames(format, protocolMessages(format))));
    }

    /** REST publish bodies: one message or an array of them, as REST clients send them; mostly edited. */
    /**
     * Bodies for {@code PATCH /channels/{ch}/messages/{serial}} and {@code POST …/annotations}: a message with an update,
     * delete or append action (or a wrong one), or an annotation of a known or unknown type, then edited as trees and bytes.
     */
    static Arbitrary<Frame> restOperationBodies(WireFormat format) {
        Arbitrary<Object> action = Arbitraries.oneOf(Arbitraries.of(0L, 1L, 2L, 3L, 4L, 5L, 21L, -1L).map(a -> (Object) a),
                Arbitraries.of("update", "").map(a -> (Object) a));
        Arbitrary<Map<String, Object>> operation = Combinators.combine(messages(format), action).as((m, a) -> {
            Map<String, Object> op = new LinkedHashMap<>(m);
            op.put("action", a);
            op.put("version", Map.of("description", "fuzz", "metadata", Map.of("k", "v")));
            return op;
        });
        Arbitrary<Map<String, Object>> annotation = Combinators.combine(
                Arbitraries.of("r:distinct.v1", "r:unique.v1", "r:multiple.v1", "r:flag.v1", "r:total.v1", "r:nope.v1", "", "distinct.v1"),
                Arbitraries.strings().ofMaxLength(8).injectNull(0.2), Arbitraries.longs().between(-3, 5).injectNull(0.5), action).as((type, name, count, a) -> {
            Map<String, Object> an = new LinkedHashMap<>();
            an.put("type", type);
            if (name != null) an.put("name", name);
            if (count != null) an.put("count", count);
            an.put("action", a);
            return an;
        });
        return Combinators.combine(Arbitraries.oneOf(operation, annotation), treeMutations().list().ofMaxSize(3),
                byteMutations(format == WireFormat.JSON ? JSON_TOKENS : MSGPACK_TOKENS).list().ofMaxSize(1)).as((tree, treeEdits, byteEdits) -> {
            byte[] bytes = mutateBytes(encode(mutateTree(tree, treeEdits), format), byteEdits);
            return new Frame(format, bytes, "tree " + treeEdits + " bytes " + byteEdits);
        });
    }

    static Arbitrary<Frame> restPublishBodies(WireFormat format) {
        Arbitrary<Map<String, Object>> message = messages(format);
        Arbitrary<Map<String, Object>> body = Arbitraries.oneOf(message, message.list().ofMinSize(1).ofMaxSize(4).map(list -> {
            Map<String, Object> holder = new LinkedHashMap<>();
            holder.put("list", new ArrayList<Object>(list));
            return holder;
        }));
        // A list body travels in a one-key holder so it can be edited like an object; the holder is dropped when written.
        return Combinators.combine(body, treeMutations().list().ofMaxSize(3),
                byteMutations(format == WireFormat.JSON ? JSON_TOKENS : MSGPACK_TOKENS).list().ofMaxSize(1)).as((tree, treeEdits, byteEdits) -> {
            Object edited = mutateTree(tree, treeEdits);
            if (edited instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("list")) edited = m.get("list");
            byte[] bytes = mutateBytes(encode(edited, format), byteEdits);
            return new Frame(format, bytes, "tree " + treeEdits + " bytes " + byteEdits);
        });
    }

    /** Token requests for {@code key}, edited; half are signed again after the edit, so the checks after the mac are reached. */
    static Arbitrary<Frame> tokenRequestBodies(WireFormat format, ApiKey key, long now) {
        return Combinators.combine(tokenRequests(key, now), treeMutations().list().ofMaxSize(2), Arbitraries.of(true, false))
                .as((tree, edits, signAgain) -> {
                    Object edited = mutateTree(tree, edits);
                    if (signAgain && edited instanceof Map<?, ?> m) {
                        try {
                            TokenRequest parsed = TokenRequest.fromTree(edited);
                            @SuppressWarnings("unchecked") Map<String, Object> fields = (Map<String, Object>) m;
                            fields.put("mac", Base64.getEncoder().encodeToString(Hmac.sha256(key.secret(), parsed.signedText())));
                        } catch (SwitchboardException unreadable) {
                            // nothing to sign: the request goes as edited
                        }
                    }
                    return new Frame(format, encode(edited, format), "tree " + edits + (signAgain ? " signed again" : ""));
                });
    }

    /** A copy of the tree with the edits applied; the generated original is never changed (jqwik reuses it). */
    static Object mutateTree(Object tree, List<TreeMutation> edits) {
        Root root = new Root();
        root.add(deepCopy(tree));
        for (TreeMutation m : edits) apply(root, m);
        return root.get(0);
    }

    /** The one-place holder of the tree being edited, so that the whole tree can be replaced like any node. */
    private static final class Root extends ArrayList<Object> {}

    private static void apply(Root root, TreeMutation m) {
        switch (m.edit()) {
            case REPLACE -> pick(root, m.target()).set(copyValue(m.value()));
            case REMOVE -> pick(root, m.target()).remove();
            case WRAP_DEEP -> {
                Slot s = pick(root, m.target());
                s.set(new Nested(m.depth(), m.depth() % 2 == 0 && m.depth() <= 20_000, s.get())); // objects capped as in nestedValues
            }
            case WRAP_IN_ARRAY -> {
                Slot s = pick(root, m.target());
                List<Object> wrapped = new ArrayList<>(1);
                wrapped.add(s.get());
                s.set(wrapped);
            }
            case SET_FIELD -> {
                List<Map<String, Object>> maps = containers(root, Map.class);
                if (maps.isEmpty()) root.set(0, copyValue(m.value()));
                else maps.get(Math.floorMod(m.target(), maps.size())).put(m.field(), copyValue(m.value()));
            }
            case APPEND -> {
                List<List<Object>> lists = containers(root, List.class);
                lists.removeIf(l -> l == root);
                if (lists.isEmpty()) root.set(0, copyValue(m.value()));
                else lists.get(Math.floorMod(m.target(), lists.size())).add(copyValue(m.value()));
            }
        }
    }

    /** A place in a container: an object's key or an array's index. */
    private record Slot(Object container, Object key) {
        @SuppressWarnings("unchecked")
        Object get() { return container instanceof Map<?, ?> map ? map.get(key) : ((List<Object>) container).get((Integer) key); }

        @SuppressWarnings("unchecked")
        void set(Object v) {
            if (container instanceof Map<?, ?>) ((Map<Object, Object>) container).put(key, v);
            else ((List<Object>) container).set((Integer) key, v);
        }

        @SuppressWarnings("unchecked")
        void remove() {
            if (container instanceof Map<?, ?> map) map.remove(key);
            else if (container instanceof Root) set(null);
            else ((List<Object>) container).remove((int) (Integer) key);
        }
    }

    private static Slot pick(Root root, int target) {
        List<Slot> slots = new ArrayList<>();
        collectSlots(root, slots);
        return slots.get(Math.floorMod(target, slots.size()));
    }

    private static void collectSlots(Object node, List<Slot> out) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.add(new Slot(map, e.getKey()));
                collectSlots(e.getValue(), out);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                out.add(new Slot(list, i));
                collectSlots(list.get(i), out);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <C> List<C> containers(Object node, Class<?> type) {
        List<C> out = new ArrayList<>();
        collectContainers(node, type, (List<Object>) out);
        return out;
    }

    private static void collectContainers(Object node, Class<?> type, List<Object> out) {
        if (type.isInstance(node)) out.add(node);
        if (node instanceof Map<?, ?> map) for (Object v : map.values()) collectContainers(v, type, out);
        else if (node instanceof List<?> list) for (Object v : list) collectContainers(v, type, out);
    }

    static byte[] mutateBytes(byte[] in, List<ByteMutation> edits) {
        byte[] b = in;
        for (ByteMutation m : edits) {
            int p = Math.floorMod(m.position(), b.length + 1);
            int end = Math.min(b.length, p + m.length());
            b = switch (m.edit()) {
                case TRUNCATE -> Arrays.copyOf(b, p);
                case FLIP_BIT -> {
                    if (b.length == 0) yield b;
                    byte[] c = b.clone();
                    c[Math.floorMod(m.position(), c.length)] ^= (byte) (1 << (m.length() & 7));
                    yield c;
                }
                case OVERWRITE -> {
                    byte[] c = Arrays.copyOf(b, Math.max(b.length, p + m.bytes().length));
                    System.arraycopy(m.bytes(), 0, c, p, m.bytes().length);
                    yield c;
                }
                case INSERT -> cat(Arrays.copyOfRange(b, 0, p), m.bytes(), Arrays.copyOfRange(b, p, b.length));
                case DELETE -> cat(Arrays.copyOfRange(b, 0, p), Arrays.copyOfRange(b, end, b.length));
                case DUPLICATE -> cat(Arrays.copyOfRange(b, 0, end), Arrays.copyOfRange(b, p, b.length));
            };
        }
        return b;
    }

    // ---- token soups and random bytes ---------------------------------------------------------------------------------

    /** JSON fragments a frame is made of, so random concatenations are nearly-JSON rather than noise. */
    static final List<byte[]> JSON_TOKENS = utf8("{", "}", "[", "]", ",", ":", " ", "\"", "\\", "\"action\"", "\"messages\"",
            "\"presence\"", "\"data\"", "\"encoding\"", "\"extras\"", "\"channel\"", "\"params\"", "\"auth\"", "\"error\"",
            "\"flags\"", "\"msgSerial\"", "\"clientId\"", "\"id\"", "\"name\"", "\"accessToken\"", "15", "14", "10", "17", "0",
            "-1", "1e999", "1.5", "-0", "9223372036854775808", "null", "true", "false", "\"x\"", "\"base64\"", "\"json\"",
            "\"utf-8/base64\"", "\"QUJD\"", "\"=\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\", "NaN", "/*", "\u00ff", "\ud83d\ude00");

    /** MessagePack headers and values a frame is made of, including lengths that overrun the frame. */
    static final List<byte[]> MSGPACK_TOKENS = List.of(
            bytes(0x81), bytes(0x83), bytes(0x8f), bytes(0x80), bytes(0x91), bytes(0x93), bytes(0x90),
            cat(bytes(0xa6), "action".getBytes()), cat(bytes(0xa8), "messages".getBytes()), cat(bytes(0xa8), "presence".getBytes()),
            cat(bytes(0xa4), "data".getBytes()), cat(bytes(0xa8), "encoding".getBytes()), cat(bytes(0xa6), "extras".getBytes()),
            cat(bytes(0xa7), "channel".getBytes()), cat(bytes(0xa6), "params".getBytes()), cat(bytes(0xa4), "auth".getBytes()),
            cat(bytes(0xa9), "msgSerial".getBytes()), cat(bytes(0xa8), "clientId".getBytes()), cat(bytes(0xa6), "base64".getBytes()),
            bytes(0x0f), bytes(0x0e), bytes(0x0a), bytes(0x11), bytes(0x00), bytes(0xff), bytes(0xcc, 0xff), bytes(0xcd, 0xff, 0xff),
            bytes(0xce, 0xff, 0xff, 0xff, 0xff), bytes(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
            bytes(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0), bytes(0xc0), bytes(0xc2), bytes(0xc3), bytes(0xca, 0x7f, 0xc0, 0, 0),
            bytes(0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0), bytes(0xc4, 0x03, 1, 2, 3), bytes(0xc6, 0xff, 0xff, 0xff, 0xff),
            bytes(0xd9, 0x05, 'h', 'e', 'l', 'l', 'o'), bytes(0xdb, 0x7f, 0xff, 0xff, 0xff), bytes(0xdc, 0xff, 0xff),
            bytes(0xdd, 0x7f, 0xff, 0xff, 0xff), bytes(0xde, 0xff, 0xff), bytes(0xdf, 0xff, 0xff, 0xff, 0xff), bytes(0xd4, 0x01, 0x00),
            bytes(0xc7, 0xff, 0x01), bytes(0xc9, 0xff, 0xff, 0xff, 0xff, 0x01), bytes(0xc1), bytes(0xa2, 0xff, 0xfe));

    /** Random concatenations of a format's tokens and stray bytes. */
    static Arbitrary<byte[]> tokenSoup(List<byte[]> tokens, int maxTokens) {
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.of(tokens)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(3)));
        return piece.list().ofMaxSize(maxTokens).map(pieces -> cat(pieces.toArray(new byte[0][])));
    }

    static Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    /** Random strings over an alphabet of pieces (each piece one or more characters). */
    static Arbitrary<String> stringSoup(int maxPieces, String... pieces) {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(pieces)), Tuple.of(1, Arbitraries.strings().all().ofMinLength(1).ofMaxLength(3)))
                .list().ofMaxSize(maxPieces).map(l -> String.join("", l));
    }

    // ---- the fuzz writers ---------------------------------------------------------------------------------------------

    static byte[] encode(Object tree, WireFormat format) {
        if (format == WireFormat.JSON) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writeJson(out, tree);
            return out.toByteArray();
        }
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            writeMsgpack(packer, tree);
            return packer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String json(Object tree) { return new String(encode(tree, WireFormat.JSON), StandardCharsets.UTF_8); }

    private static void writeJson(ByteArrayOutputStream out, Object v) {
        if (v == null) out.writeBytes("null".getBytes());
        else if (v instanceof String s) writeJsonString(out, s);
        else if (v instanceof Double d) out.writeBytes((d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : d.toString()).getBytes());
        else if (v instanceof Number || v instanceof Boolean) out.writeBytes(v.toString().getBytes());
        else if (v instanceof byte[] b) writeJsonString(out, Base64.getEncoder().encodeToString(b));
        else if (v instanceof Raw r) out.writeBytes(r.json());
        else if (v instanceof Nested n) {
            for (int i = 0; i < n.depth(); i++) out.writeBytes((n.objects() ? "{\"a\":" : "[").getBytes());
            writeJson(out, n.inner());
            for (int i = 0; i < n.depth(); i++) out.write(n.objects() ? '}' : ']');
        } else if (v instanceof Map<?, ?> m) {
            out.write('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) out.write(',');
                first = false;
                writeJsonString(out, String.valueOf(e.getKey()));
                out.write(':');
                writeJson(out, e.getValue());
            }
            out.write('}');
        } else if (v instanceof List<?> l) {
            out.write('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) out.write(',');
                writeJson(out, l.get(i));
            }
            out.write(']');
        } else throw new IllegalArgumentException("No JSON for " + v.getClass());
    }

    /** ASCII out, everything else as {@code \\uXXXX}, so lone surrogates reach the parser as escapes. */
    private static void writeJsonString(ByteArrayOutputStream out, String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c >= 0x20 && c < 0x7f) sb.append(c);
            else sb.append(String.format("\\u%04x", (int) c));
        }
        out.writeBytes(sb.append('"').toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeMsgpack(MessageBufferPacker p, Object v) throws IOException {
        if (v == null) p.packNil();
        else if (v instanceof String s) p.packString(s);
        else if (v instanceof Long l) p.packLong(l);
        else if (v instanceof Integer i) p.packInt(i);
        else if (v instanceof BigInteger b) {
            // MessagePack integers span -2^63..2^64-1; anything wider goes as a double, as a JavaScript client would send it.
            if (b.bitLength() <= 63 || (b.signum() > 0 && b.bitLength() == 64)) p.packBigInteger(b); else p.packDouble(b.doubleValue());
        } else if (v instanceof Double d) p.packDouble(d);
        else if (v instanceof Boolean b) p.packBoolean(b);
        else if (v instanceof byte[] b) {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof Raw r) p.writePayload(r.msgpack());
        else if (v instanceof Nested n) {
            for (int i = 0; i < n.depth(); i++) {
                if (n.objects()) p.packMapHeader(1).packString("a"); else p.packArrayHeader(1);
            }
            writeMsgpack(p, n.inner());
        } else if (v instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                p.packString(String.valueOf(e.getKey()));
                writeMsgpack(p, e.getValue());
            }
        } else if (v instanceof List<?> l) {
            p.packArrayHeader(l.size());
            for (Object o : l) writeMsgpack(p, o);
        } else throw new IllegalArgumentException("No MessagePack for " + v.getClass());
    }

    // ---- small helpers ------------------------------------------------------------------------------------------------

    static Object parseJson(String text) {
        return WireFormat.JSON.readTree(text.getBytes(StandardCharsets.UTF_8));
    }

    /** An object whose fields are each present with their own probability. */
    static Arbitrary<Map<String, Object>> objectOf(List<Arbitrary<Optional<Map.Entry<String, Object>>>> fields) {
        return Combinators.combine(fields).as(entries -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Optional<Map.Entry<String, Object>> e : entries) e.ifPresent(entry -> m.put(entry.getKey(), entry.getValue()));
            return m;
        });
    }

    static Arbitrary<Optional<Map.Entry<String, Object>>> field(String key, Arbitrary<?> value, double presence) {
        Arbitrary<Map.Entry<String, Object>> entry = value.map(v -> new AbstractMap.SimpleImmutableEntry<>(key, (Object) v));
        return entry.optional(presence);
    }

    private static Map<String, Object> payload(Object data, String encoding) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data);
        if (encoding != null) m.put("encoding", encoding);
        return m;
    }

    private static Map<String, Object> merged(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Object deepCopy(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, x) -> c.put(String.valueOf(k), deepCopy(x)));
            return c;
        }
        if (v instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object x : l) c.add(deepCopy(x));
            return c;
        }
        return v;
    }

    /** Inserted values are copied so that two edits inserting the same generated value do not share (and nest) it. */
    private static Object copyValue(Object v) { return deepCopy(v); }

    static Raw raw(String label, String json, byte[] msgpack) { return new Raw(label, json.getBytes(StandardCharsets.UTF_8), msgpack); }

    static Raw raw(String label, byte[] json, byte[] msgpack) { return new Raw(label, json, msgpack); }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    static byte[] cat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static List<byte[]> utf8(String... tokens) {
        List<byte[]> out = new ArrayList<>(tokens.length);
        for (String t : tokens) out.add(t.getBytes(StandardCharsets.UTF_8));
        return List.copyOf(out);
    }

    static String describe(Object v) {
        if (v instanceof String s) return s.length() > 40 ? "\"" + s.substring(0, 40) + "…\"(" + s.length() + ")" : "\"" + s + "\"";
        if (v instanceof byte[] b) return "bytes" + b.length;
        if (v instanceof List<?> l) return l.size() > 8 ? "list" + l.size() : String.valueOf(l);
        if (v instanceof Map<?, ?> m) return m.size() > 8 ? "object" + m.size() : String.valueOf(m);
        return String.valueOf(v);
    }

    /** The first bytes of an input: text for JSON, hex for MessagePack. */
    static String preview(byte[] bytes, WireFormat format) {
        int n = Math.min(bytes.length, 240);
        String shown = format == WireFormat.JSON ? new String(bytes, 0, n, StandardCharsets.UTF_8) : HexFormat.of().formatHex(bytes, 0, n);
        return (bytes.length > n ? shown + "…" : shown) + " (" + bytes.length + " bytes)";
    }
}
