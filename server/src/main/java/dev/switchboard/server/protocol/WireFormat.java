package dev.switchboard.server.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two wire encodings. Both read into and write from the same generic value tree (Map, List, String,
 * Long/Double, Boolean, byte[], null), so message types convert to and from trees once, format-agnostic.
 */
public enum WireFormat {
    JSON("application/json") {
        @Override
        public Object readTree(byte[] bytes) {
            try {
                return MAPPER.readValue(bytes, Object.class);
            } catch (IOException e) {
                throw ErrorCode.BAD_REQUEST.exception("Malformed JSON: " + firstLine(e.getMessage()));
            }
        }

        @Override
        public byte[] writeTree(Object tree) {
            try {
                return MAPPER.writeValueAsBytes(tree);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Unserialisable tree", e);
            }
        }
    },
    MSGPACK("application/x-msgpack") {
        @Override
        public Object readTree(byte[] bytes) {
            try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes)) {
                if (!unpacker.hasNext()) throw ErrorCode.BAD_REQUEST.exception("Empty MessagePack frame");
                return unpack(unpacker, bytes.length, 0);
            } catch (IOException | RuntimeException e) {
                if (e instanceof SwitchboardException se) throw se;
                throw ErrorCode.BAD_REQUEST.exception("Malformed MessagePack: " + firstLine(e.getMessage()));
            }
        }

        @Override
        public byte[] writeTree(Object tree) {
            try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
                pack(packer, tree);
                return packer.toByteArray();
            } catch (IOException e) {
                throw new IllegalStateException("Unserialisable tree", e);
            }
        }
    };

    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Deepest nesting a frame may have: Jackson's default for JSON, applied to MessagePack too. */
    static final int MAX_NESTING = com.fasterxml.jackson.core.StreamReadConstraints.DEFAULT_MAX_DEPTH;

    private final String contentType;

    WireFormat(String contentType) { this.contentType = contentType; }

    public String contentType() { return contentType; }

    public boolean isBinary() { return this == MSGPACK; }

    public abstract Object readTree(byte[] bytes);

    public abstract byte[] writeTree(Object tree);

    public static ObjectMapper jsonMapper() { return MAPPER; }

    /** The format named by a {@code format=} query parameter; JSON when absent. */
    public static WireFormat fromParam(String value) {
        if (value == null || value.isEmpty() || value.equals("json")) return JSON;
        if (value.equals("msgpack")) return MSGPACK;
        throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Unsupported format '" + value + "': use json or msgpack");
    }

    /** The format named by a Content-Type or Accept header value; null when it names neither. */
    public static WireFormat fromMediaType(String header) {
        if (header == null) return null;
        String h = header.toLowerCase();
        if (h.contains("application/x-msgpack")) return MSGPACK;
        if (h.contains("application/json") || h.contains("*/*") || h.contains("text/plain")) return JSON;
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Reads one value. Length headers are checked against the bytes left in the frame before anything is
     * allocated for them: a 5-byte frame claiming 2^31 elements is malformed, not an allocation.
     */
    private static Object unpack(MessageUnpacker u, int frameLength, int depth) throws IOException {
        // Bounded like JSON's parser: a deeply nested frame is malformed, not a stack overflow.
        if (depth > MAX_NESTING) throw ErrorCode.BAD_REQUEST.exception("Malformed MessagePack: nested more than " + MAX_NESTING + " levels");
        ValueType type = u.getNextFormat().getValueType();
        switch (type) {
            case NIL: u.unpackNil(); return null;
            case BOOLEAN: return u.unpackBoolean();
            case INTEGER: {
                BigInteger big = u.unpackBigInteger();
                return big.bitLength() < 64 ? (Object) big.longValue() : big;
            }
            case FLOAT: return u.unpackDouble();
            case STRING: return u.unpackString();
            case BINARY: return u.readPayload(checkedLength(u, u.unpackBinaryHeader(), 1, frameLength));
            case ARRAY: {
                int n = checkedLength(u, u.unpackArrayHeader(), 1, frameLength);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) list.add(unpack(u, frameLength, depth + 1));
                return list;
            }
            case MAP: {
                int n = checkedLength(u, u.unpackMapHeader(), 2, frameLength);
                Map<String, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
                for (int i = 0; i < n; i++) {
                    Object key = unpack(u, frameLength, depth + 1);
                    map.put(String.valueOf(key), unpack(u, frameLength, depth + 1));
                }
                return map;
            }
            case EXTENSION: {
                var ext = u.unpackExtensionTypeHeader();
                u.readPayload(checkedLength(u, ext.getLength(), 1, frameLength));
                return null;
            }
            default: throw new IOException("Unsupported MessagePack type " + type);
        }
    }

    /** {@code n} when {@code n} items of at least {@code minBytes} each fit in what is left of the frame. */
    private static int checkedLength(MessageUnpacker u, int n, int minBytes, int frameLength) throws IOException {
        long left = frameLength - u.getTotalReadBytes();
        if (n < 0 || (long) n * minBytes > left) throw new IOException("length " + n + " exceeds the " + left + " bytes left in the frame");
        return n;
    }

    @SuppressWarnings("unchecked")
    private static void pack(MessageBufferPacker p, Object v) throws IOException {
        if (v == null) p.packNil();
        else if (v instanceof String s) p.packString(s);
        else if (v instanceof Integer i) p.packInt(i);
        else if (v instanceof Long l) p.packLong(l);
        else if (v instanceof Double d) p.packDouble(d);
        else if (v instanceof Float f) p.packFloat(f);
        else if (v instanceof BigInteger b) {
            // MessagePack integers span -2^63..2^64-1; beyond that, a double, as a JavaScript reader would see it.
            if (b.bitLength() <= 63 || (b.signum() > 0 && b.bitLength() == 64)) p.packBigInteger(b); else p.packDouble(b.doubleValue());
        }
        else if (v instanceof Number n) p.packDouble(n.doubleValue());
        else if (v instanceof Boolean b) p.packBoolean(b);
        else if (v instanceof byte[] bytes) { p.packBinaryHeader(bytes.length); p.writePayload(bytes); }
        else if (v instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) { p.packString(String.valueOf(e.getKey())); pack(p, e.getValue()); }
        } else if (v instanceof List<?> list) {
            p.packArrayHeader(list.size());
            for (Object o : list) pack(p, o);
        } else throw new IOException("Cannot pack " + v.getClass());
    }
}
