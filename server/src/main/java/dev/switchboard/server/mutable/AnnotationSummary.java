package dev.switchboard.server.mutable;

import dev.switchboard.server.protocol.ErrorCode;
import dev.switchboard.server.protocol.Message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The summary of a message's annotations, per annotation type ({@code <namespace>:<method>}), as the message's
 * {@code annotations.summary}: {@code total.v1} counts annotations; {@code flag.v1} lists the clients that flagged it;
 * {@code distinct.v1} lists per name the clients that used it; {@code unique.v1} likewise with each client under one
 * name at a time (its latest); {@code multiple.v1} sums per name each client's counts, and those of unidentified
 * clients apart. A delete takes back what its client gave under its type (and name). Lists are never clipped.
 */
public final class AnnotationSummary {
    private AnnotationSummary() {}

    /** The summarization methods this server knows. */
    public static final Set<String> METHODS = Set.of("total.v1", "flag.v1", "distinct.v1", "unique.v1", "multiple.v1");
    /** Methods whose summary names clients, so their annotations need an identified client. */
    private static final Set<String> IDENTIFIED = Set.of("flag.v1", "distinct.v1", "unique.v1");

    /** Refuses (40003) an annotation without a known type, a name where its method needs one, or a client where it needs one. */
    public static void check(Message annotation) {
        Object type = annotation.op().details().get("type");
        if (!(type instanceof String t) || t.isEmpty()) throw ErrorCode.INVALID_PARAMETER_VALUE.exception("An annotation needs a type");
        String method = methodOf(t);
        if (!METHODS.contains(method)) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Unknown annotation type '" + t + "': the type is <namespace>:<method>, the method one of "
                    + String.join(", ", new java.util.TreeSet<>(METHODS)));
        }
        if (IDENTIFIED.contains(method) && annotation.clientId() == null) {
            throw ErrorCode.INVALID_CLIENT_ID.exception("Annotations of type " + t + " name their client: publish them with a clientId");
        }
        if ((method.equals("distinct.v1") || method.equals("unique.v1") || method.equals("multiple.v1")) && annotation.name() == null) {
            throw ErrorCode.INVALID_PARAMETER_VALUE.exception("Annotations of type " + t + " need a name");
        }
    }

    static String methodOf(String type) {
        int colon = type.lastIndexOf(':');
        return colon < 0 ? type : type.substring(colon + 1);
    }

    /** The summary {@code {type: entry}} of a message's annotations, oldest first. */
    public static Map<String, Object> of(List<Message> annotations) {
        Map<String, Tally> byType = new LinkedHashMap<>();
        for (Message a : annotations) {
            String type = (String) a.op().details().get("type");
            if (type == null || !METHODS.contains(methodOf(type))) continue;
            boolean delete = a.op().details().get("action") instanceof Number action && action.intValue() == 1;
            Object countValue = a.op().details().get("count");
            long count = countValue instanceof Number n ? n.longValue() : 1;
            byType.computeIfAbsent(type, t -> new Tally(methodOf(t))).apply(delete, a.clientId(), a.name(), count);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        byType.forEach((type, tally) -> summary.put(type, tally.entry()));
        return summary;
    }

    /** One type's running state. */
    private static final class Tally {
        final String method;
        long total;
        final Set<String> flags = new LinkedHashSet<>();
        final Map<String, Set<String>> clientsByName = new LinkedHashMap<>();
        final Map<String, String> nameByClient = new LinkedHashMap<>();
        final Map<String, Map<String, Long>> countsByName = new LinkedHashMap<>();
        final Map<String, Long> unidentifiedByName = new LinkedHashMap<>();

        Tally(String method) { this.method = method; }

        void apply(boolean delete, String clientId, String name, long count) {
            switch (method) {
                case "total.v1" -> total = Math.max(0, total + (delete ? -1 : 1));
                case "flag.v1" -> { if (delete) flags.remove(clientId); else flags.add(clientId); }
                case "distinct.v1" -> {
                    if (delete) clientsByName.getOrDefault(name, new LinkedHashSet<>()).remove(clientId);
                    else clientsByName.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(clientId);
                }
                case "unique.v1" -> {
                    if (delete) nameByClient.remove(clientId, name);
                    else {
                        nameByClient.remove(clientId); // re-inserted last: lists keep the order clients arrived under a name
                        nameByClient.put(clientId, name);
                    }
                }
                default -> { // multiple.v1
                    if (clientId == null) {
                        if (!delete) unidentifiedByName.merge(name, count, Long::sum);
                    } else if (delete) {
                        countsByName.getOrDefault(name, new LinkedHashMap<>()).remove(clientId);
                    } else {
                        countsByName.computeIfAbsent(name, n -> new LinkedHashMap<>()).merge(clientId, count, Long::sum);
                    }
                    countsByName.computeIfAbsent(name, n -> new LinkedHashMap<>());
                }
            }
        }

        Object entry() {
            return switch (method) {
                case "total.v1" -> Map.of("total", total);
                case "flag.v1" -> clientList(flags);
                case "distinct.v1" -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    clientsByName.forEach((n, clients) -> { if (!clients.isEmpty()) out.put(n, clientList(clients)); });
                    yield out;
                }
                case "unique.v1" -> {
                    Map<String, Set<String>> grouped = new LinkedHashMap<>();
                    nameByClient.forEach((c, n) -> grouped.computeIfAbsent(n, x -> new LinkedHashSet<>()).add(c));
                    Map<String, Object> out = new LinkedHashMap<>();
                    grouped.forEach((n, clients) -> out.put(n, clientList(clients)));
                    yield out;
                }
                default -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    countsByName.forEach((n, counts) -> {
                        long unidentified = unidentifiedByName.getOrDefault(n, 0L);
                        if (counts.isEmpty() && unidentified == 0) return;
                        long sum = unidentified;
                        for (long c : counts.values()) sum += c;
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("total", sum);
                        e.put("clientIds", new LinkedHashMap<>(counts));
                        e.put("totalUnidentified", unidentified);
                        e.put("clipped", false);
                        e.put("totalClientIds", counts.size());
                        out.put(n, e);
                    });
                    yield out;
                }
            };
        }

        private static Map<String, Object> clientList(Set<String> clients) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("total", clients.size());
            e.put("clientIds", new ArrayList<>(clients));
            e.put("clipped", false);
            return e;
        }
    }
}
