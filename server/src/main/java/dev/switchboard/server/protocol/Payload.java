package dev.switchboard.server.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The data and encoding of a message, held canonically: text as String, binary as byte[] (never base64,
 * whatever the wire format it arrived in), so it can be re-encoded exactly for JSON and MessagePack readers.
 */
public record Payload(Object data, String encoding) {

    public static final Payload EMPTY = new Payload(null, null);

    /** Reads data+encoding from a decoded wire tree, undoing the transport-level base64 of JSON. */
    public static Payload fromWire(Object data, String encoding, WireFormat format) {
        if (data == null || data instanceof byte[]) return new Payload(data, emptyToNull(encoding));
        if (data instanceof String s) {
            if (format == WireFormat.JSON && encoding != null && lastStep(encoding).equals("base64")) {
                try {
                    return new Payload(Base64.getDecoder().decode(s), emptyToNull(dropLastStep(encoding)));
                } catch (IllegalArgumentException e) {
                    throw ErrorCode.INVALID_MESSAGE_DATA.exception("data is not valid base64");
                }
            }
            return new Payload(s, emptyToNull(encoding));
        }
        if (data instanceof Map<?, ?> || data instanceof List<?>) {
            // REST callers may send an object; it travels as JSON text, as the SDKs send it.
            try {
                return new Payload(WireFormat.jsonMapper().writeValueAsString(data), appendStep(encoding, "json"));
            } catch (JsonProcessingException e) {
                throw ErrorCode.INVALID_MESSAGE_DATA.exception("data cannot be serialised");
            }
        }
        throw ErrorCode.INVALID_MESSAGE_DATA.exception("data must be a string, binary, object or array");
    }

    /** data for the wire: binary becomes base64 text with the step recorded in JSON. */
    public Object wireData(WireFormat format) {
        if (data instanceof byte[] bytes && format == WireFormat.JSON) return Base64.getEncoder().encodeToString(bytes);
        return data;
    }

    public String wireEncoding(WireFormat format) {
        if (data instanceof byte[] && format == WireFormat.JSON) return appendStep(encoding, "base64");
        return encoding;
    }

    /** Puts {@code data} and {@code encoding}, as the format carries them, into a wire tree. */
    public void writeTo(java.util.Map<String, Object> tree, WireFormat format) {
        if (data != null) tree.put("data", wireData(format));
        String enc = wireEncoding(format);
        if (enc != null) tree.put("encoding", enc);
    }

    /** Bytes of a JSON-like tree (message extras) as JSON, for the message size limit; 0 for null. */
    public static int jsonLength(Object tree) {
        if (tree == null) return 0;
        try {
            return WireFormat.jsonMapper().writeValueAsBytes(tree).length;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ErrorCode.BAD_REQUEST.exception("extras cannot be represented as JSON");
        }
    }

    /** Size counted towards the message size limit. */
    public int size() {
        if (data instanceof byte[] b) return b.length;
        if (data instanceof String s) return utf8Length(s);
        return 0;
    }

    public static int utf8Length(String s) {
        if (s == null) return 0;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) { n += 4; i++; }
            else n += 3;
        }
        return n;
    }

    public String dataAsText() {
        if (data instanceof byte[] b) return new String(b, StandardCharsets.UTF_8);
        return (String) data;
    }

    private static String lastStep(String encoding) {
        int slash = encoding.lastIndexOf('/');
        return slash < 0 ? encoding : encoding.substring(slash + 1);
    }

    private static String dropLastStep(String encoding) {
        int slash = encoding.lastIndexOf('/');
        return slash < 0 ? "" : encoding.substring(0, slash);
    }

    private static String appendStep(String encoding, String step) {
        return encoding == null || encoding.isEmpty() ? step : encoding + "/" + step;
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }
}
