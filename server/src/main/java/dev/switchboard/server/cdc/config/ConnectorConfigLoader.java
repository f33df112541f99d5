package dev.switchboard.server.cdc.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the original Ably Postgres connector's configuration, unchanged, plus Switchboard's
 * additions. Two forms:
 *
 * <pre>
 * File / JSON:
 * {"dbConfig": {"host": "...", "port": 5432, "user": "...", "password": "...", "database": "..."},   (optional)
 *  "connector": [{"tablename": "chat_data", "ablychannelname": "incoming-chat", "operation": "INSERT"}, ...],
 *  "ably": {"apiKey": "..."},                                  (optional, ignored in-process)
 *  "replication": {"slotName": "...", "publicationName": "..."}}   (optional, Switchboard)
 *
 * Environment: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, ABLY_API_KEY,
 *              ABLY_CONNECTOR (the connector array as JSON text),
 *              SWITCHBOARD_CDC_SLOT, SWITCHBOARD_CDC_PUBLICATION (optional)
 * </pre>
 *
 * Additions in a {@code connector} entry: {@code tablename} may be schema-qualified
 * ({@code public.chat_data}); {@code ablychannelname} and {@code operation} may be arrays;
 * operations are INSERT, UPDATE, DELETE, TRUNCATE (any case); {@code name} sets the message name
 * (default {@value TableMapping#DEFAULT_MESSAGE_NAME}). Unknown keys are ignored.
 * Every problem is a {@link ConfigException} naming the key.
 */
public final class ConnectorConfigLoader {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Replication slot names: lower-case letters, digits and underscores, at most 63. */
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    private ConnectorConfigLoader() {
    }

    /** Reads a config file; every problem names the file (and, for malformed JSON, the line and column). */
    public static ConnectorConfig fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot be read (" + e.getMessage() + ")");
        }
        try {
            return fromJson(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + (e.key().equals("(config)") ? "" : " " + e.key()), e.problem());
        }
    }

    public static ConnectorConfig fromJson(String json) {
        JsonNode root = parse(json, "(config)");
        if (!root.isObject()) {
            throw new ConfigException("(config)", "must be a JSON object with a \"connector\" array");
        }
        Optional<DbConfig> db = root.hasNonNull("dbConfig") ? Optional.of(dbConfig(root.get("dbConfig"))) : Optional.empty();
        if (!root.hasNonNull("connector")) {
            throw new ConfigException("connector", "is required: a list of {tablename, ablychannelname, operation}");
        }
        List<TableMapping> mappings = mappings(root.get("connector"), "connector");
        Optional<String> apiKey = Optional.empty();
        if (root.hasNonNull("ably")) {
            JsonNode ably = root.get("ably");
            if (!ably.isObject()) {
                throw new ConfigException("ably", "must be an object like {\"apiKey\": \"...\"}");
            }
            apiKey = optionalText(ably, "apiKey", "ably.apiKey");
        }
        String slot = ConnectorConfig.DEFAULT_SLOT;
        String publication = ConnectorConfig.DEFAULT_PUBLICATION;
        if (root.hasNonNull("replication")) {
            JsonNode replication = root.get("replication");
            if (!replication.isObject()) {
                throw new ConfigException("replication", "must be an object like {\"slotName\": \"...\", \"publicationName\": \"...\"}");
            }
            slot = slotName(optionalText(replication, "slotName", "replication.slotName").orElse(slot), "replication.slotName");
            publication = identifier(optionalText(replication, "publicationName", "replication.publicationName").orElse(publication),
                    "replication.publicationName");
        }
        return new ConnectorConfig(db, mappings, slot, publication, apiKey);
    }

    /** The environment form; {@code DB_*} may all be absent to use the application's database. */
    public static ConnectorConfig fromEnvironment(Map<String, String> env) {
        Optional<DbConfig> db = Optional.empty();
        boolean anyDb = env.keySet().stream().anyMatch(k -> k.startsWith("DB_") && !env.get(k).isBlank());
        if (anyDb) {
            String host = requiredEnv(env, "DB_HOST");
            int port = env.containsKey("DB_PORT") && !env.get("DB_PORT").isBlank() ? port(env.get("DB_PORT"), "DB_PORT") : 5432;
            db = Optional.of(new DbConfig(host, port, requiredEnv(env, "DB_USER"), env.getOrDefault("DB_PASSWORD", ""),
                    requiredEnv(env, "DB_NAME")));
        }
        String connector = requiredEnv(env, "ABLY_CONNECTOR");
        List<TableMapping> mappings = mappings(parse(connector, "ABLY_CONNECTOR"), "ABLY_CONNECTOR");
        Optional<String> apiKey = Optional.ofNullable(env.get("ABLY_API_KEY")).filter(k -> !k.isBlank());
        String slot = slotName(env.getOrDefault("SWITCHBOARD_CDC_SLOT", ConnectorConfig.DEFAULT_SLOT), "SWITCHBOARD_CDC_SLOT");
        String publication = identifier(env.getOrDefault("SWITCHBOARD_CDC_PUBLICATION", ConnectorConfig.DEFAULT_PUBLICATION),
                "SWITCHBOARD_CDC_PUBLICATION");
        return new ConnectorConfig(db, mappings, slot, publication, apiKey);
    }

    private static JsonNode parse(String json, String key) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new ConfigException(key, "is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(key, "is not valid JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    private static DbConfig dbConfig(JsonNode node) {
        if (!node.isObject()) {
            throw new ConfigException("dbConfig", "must be an object with host, port, user, password, database");
        }
        String host = requiredText(node, "host", "dbConfig.host");
        int port = 5432;
        if (node.hasNonNull("port")) {
            JsonNode p = node.get("port");
            port = p.isInt() ? checkedPort(p.intValue(), "dbConfig.port") : port(p.asText(), "dbConfig.port");
        }
        String user = requiredText(node, "user", "dbConfig.user");
        String password = optionalText(node, "password", "dbConfig.password").orElse("");
        String database = requiredText(node, "database", "dbConfig.database");
        return new DbConfig(host, port, user, password, database);
    }

    private static List<TableMapping> mappings(JsonNode array, String key) {
        if (!array.isArray() || array.isEmpty()) {
            throw new ConfigException(key, "must be a non-empty list of {tablename, ablychannelname, operation}");
        }
        List<TableMapping> mappings = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String at = key + "[" + i + "]";
            JsonNode entry = array.get(i);
            if (!entry.isObject()) {
                throw new ConfigException(at, "must be an object {tablename, ablychannelname, operation}");
            }
            TableName table = tableName(requiredText(entry, "tablename", at + ".tablename"), at + ".tablename");
            List<String> channels = textList(entry, "ablychannelname", at + ".ablychannelname");
            String name = optionalText(entry, "name", at + ".name").orElse(TableMapping.DEFAULT_MESSAGE_NAME);
            for (String op : textList(entry, "operation", at + ".operation")) {
                Operation operation = Operation.fromName(op).orElseThrow(() -> new ConfigException(at + ".operation",
                        "unknown operation \"" + op + "\"; use INSERT, UPDATE, DELETE or TRUNCATE"));
                mappings.add(new TableMapping(table, operation, channels, name));
            }
        }
        return mappings;
    }

    private static TableName tableName(String text, String key) {
        TableName table = TableName.parse(text);
        if (table.name().isEmpty() || table.schema().map(String::isEmpty).orElse(false) || table.name().contains(".")) {
            throw new ConfigException(key, "\"" + text + "\" is not a table name; use table or schema.table");
        }
        return table;
    }

    /** A string or a non-empty array of strings. */
    private static List<String> textList(JsonNode parent, String field, String key) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new ConfigException(key, "is required");
        }
        List<String> values = new ArrayList<>();
        if (node.isTextual()) {
            values.add(node.textValue());
        } else if (node.isArray()) {
            node.forEach(n -> values.add(n.isTextual() ? n.textValue() : null));
        }
        if (values.isEmpty() || values.stream().anyMatch(v -> v == null || v.isBlank())) {
            throw new ConfigException(key, "must be a non-empty string or a list of non-empty strings");
        }
        return values;
    }

    private static String requiredText(JsonNode parent, String field, String key) {
        return optionalText(parent, field, key).filter(s -> !s.isBlank())
                .orElseThrow(() -> new ConfigException(key, "is required and must be a non-empty string"));
    }

    private static Optional<String> optionalText(JsonNode parent, String field, String key) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isValueNode() || node.isBoolean()) {
            throw new ConfigException(key, "must be a string");
        }
        return Optional.of(node.asText());
    }

    private static String requiredEnv(Map<String, String> env, String key) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "environment variable is required");
        }
        return value;
    }

    private static int port(String text, String key) {
        try {
            return checkedPort(Integer.parseInt(text.trim()), key);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "must be a port number, got \"" + text + "\"");
        }
    }

    private static int checkedPort(int port, String key) {
        if (port < 1 || port > 65535) {
            throw new ConfigException(key, "must be between 1 and 65535, got " + port);
        }
        return port;
    }

    private static String slotName(String name, String key) {
        if (!SLOT_NAME.matcher(name).matches()) {
            throw new ConfigException(key, "\"" + name + "\" is not a valid slot name (lower-case letters, digits, _; at most 63)");
        }
        return name;
    }

    private static String identifier(String name, String key) {
        if (name.isBlank() || name.length() > 63) {
            throw new ConfigException(key, "must be a non-empty name of at most 63 characters");
        }
        return name;
    }
}
