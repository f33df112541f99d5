package dev.switchboard.app;

import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.gson.JsonObject;
import dev.switchboard.chat.ChatChannels;
import dev.switchboard.server.rules.RuleEnvelope;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.switchboard.app.RunningApp.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chat's data path through the whole app with ably-java as the browser: publish on outgoing-chat →
 * integration rule → persistence function → chat_data → change connector → incoming-chat. Also the token
 * endpoint's identity and capability, and the history endpoint's paging.
 */
class ChatPersistenceIT {
    private static RunningApp running;
    /** Everything published on incoming-chat since the class started, seen by a root-key subscriber. */
    private static List<Message> incoming;

    @BeforeAll
    static void start() throws Exception {
        running = RunningApp.start("chat-persistence");
        incoming = RunningApp.subscribe(running.rootClient().channels.get(ChatChannels.INCOMING));
    }

    @AfterAll
    static void stop() {
        if (running != null) running.close();
    }

    private static JsonObject chatData(String username, String content) {
        JsonObject o = new JsonObject();
        o.addProperty("username", username);
        o.addProperty("content", content);
        return o;
    }

    private static JsonObject deleteData(String msgIdToDelete) {
        JsonObject o = new JsonObject();
        o.addProperty("msgIdToDelete", msgIdToDelete);
        return o;
    }

    private static JsonObject editData(String username, String content, String msgIdToEdit) {
        JsonObject o = chatData(username, content);
        o.addProperty("msgIdToEdit", msgIdToEdit);
        return o;
    }

    private static Message chatMsg(String id, String username, String content) {
        Message m = new Message("chatMsg", chatData(username, content));
        m.id = id;
        return m;
    }

    private static String newId() { return UUID.randomUUID().toString(); }

    /** The connector's events on incoming-chat for one message id, in arrival order. */
    private static List<JsonNode> eventsFor(String msgId) {
        List<JsonNode> events = new ArrayList<>();
        for (Message m : incoming) {
            JsonNode change = RunningApp.change(m);
            if (msgId.equals(change.path("row").path("msg_id").asText())) events.add(change);
        }
        return events;
    }

    private static JsonNode awaitEvent(String msgId, String type) {
        return await().atMost(TIMEOUT).until(
                () -> eventsFor(msgId).stream().filter(e -> type.equals(e.path("type").asText())).findFirst().orElse(null),
                java.util.Objects::nonNull);
    }

    /** Sends a message through the whole path and waits for its INSERT event: everything published before it on
     * outgoing-chat has been handled by then (the rule delivers in publish order per channel). */
    private static void barrier(Channel outgoing) throws Exception {
        String id = newId();
        assertThat(RunningApp.publish(outgoing, chatMsg(id, "barrier", "barrier"))).isNull();
        awaitEvent(id, "INSERT");
    }

    private static String[] row(String msgId) throws Exception {
        try (Connection c = running.jdbc();
             PreparedStatement s = c.prepareStatement("SELECT username, msg_data, client_id, is_edited FROM chat_data WHERE msg_id = ?")) {
            s.setString(1, msgId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) return null;
                return new String[] {rs.getString(1), rs.getString(2), rs.getString(3), String.valueOf(rs.getBoolean(4))};
            }
        }
    }

    private static long rows(String msgId) throws Exception {
        try (Connection c = running.jdbc(); PreparedStatement s = c.prepareStatement("SELECT count(*) FROM chat_data WHERE msg_id = ?")) {
            s.setString(1, msgId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void chatMsgInsertsARowAndIncomingChatGetsItsInsertEvent() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        String id = newId();
        long before = System.currentTimeMillis();

        assertThat(RunningApp.publish(outgoing, chatMsg(id, "  Alice  ", "hello from alice"))).isNull();

        JsonNode event = awaitEvent(id, "INSERT");
        assertThat(event.path("table").asText()).isEqualTo("chat_data");
        JsonNode row = event.path("row");
        assertThat(row.path("username").asText()).as("nickname trimmed").isEqualTo("Alice");
        assertThat(row.path("msg_data").asText()).isEqualTo("hello from alice");
        assertThat(row.path("client_id").asText()).isEqualTo(alice.auth.clientId).startsWith("u-");
        assertThat(row.path("is_edited").isBoolean()).isTrue();
        assertThat(row.path("is_edited").asBoolean()).isFalse();
        assertThat(row.path("incremental_record_id").isIntegralNumber()).isTrue();
        assertThat(row.path("created_at_timestamp").isIntegralNumber()).isTrue();
        assertThat(row.path("created_at_timestamp").asLong()).isBetween(before - 5_000, System.currentTimeMillis() + 5_000);
        assertThat(row(id)).containsExactly("Alice", "hello from alice", alice.auth.clientId, "false");
        Message raw = incoming.stream().filter(m -> RunningApp.change(m).path("row").path("msg_id").asText().equals(id)).findFirst().orElseThrow();
        assertThat(raw.data).as("data is a JSON string, like the original connector's").isInstanceOf(String.class);
    }

    @Test
    void aRedeliveredChatMsgLeavesOneRowAndOneInsertEvent() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        String id = newId();
        assertThat(RunningApp.publish(outgoing, chatMsg(id, "Alice", "once"))).isNull();
        awaitEvent(id, "INSERT");

        // The same message again: through the channel (the page's retry), and straight into the function as the
        // rules engine's at-least-once redelivery would hand it over.
        assertThat(RunningApp.publish(outgoing, chatMsg(id, "Alice", "once"))).isNull();
        RuleEnvelope.MessageItem item = new RuleEnvelope.MessageItem(id, alice.auth.clientId, alice.connection.id,
                System.currentTimeMillis(), "chatMsg", "{\"username\":\"Alice\",\"content\":\"once\"}", "json", null);
        RuleEnvelope envelope = new RuleEnvelope("channel.message", "e2eapp", ChatChannels.OUTGOING, "chat-persistence",
                List.of(item, item), List.of());
        running.app().chat().handle(envelope).toCompletableFuture().get();
        barrier(outgoing);

        assertThat(rows(id)).isEqualTo(1);
        assertThat(eventsFor(id)).hasSize(1);
    }

    @Test
    void theAuthorsEditUpdatesTheRowAndIncomingChatGetsAnUpdateEvent() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        String id = newId();
        assertThat(RunningApp.publish(outgoing, chatMsg(id, "Alice", "first draft"))).isNull();
        awaitEvent(id, "INSERT");
        long edited = running.app().chat().edited();

        assertThat(RunningApp.publish(outgoing, new Message("editedMsg", editData("Alice", "final text", id)))).isNull();

        JsonNode update = awaitEvent(id, "UPDATE");
        assertThat(update.path("table").asText()).isEqualTo("chat_data");
        assertThat(update.path("row").path("msg_data").asText()).isEqualTo("final text");
        assertThat(update.path("row").path("is_edited").asBoolean()).isTrue();
        assertThat(update.path("row").path("client_id").asText()).isEqualTo(alice.auth.clientId);
        assertThat(row(id)).containsExactly("Alice", "final text", alice.auth.clientId, "true");
        assertThat(running.app().chat().edited()).isEqualTo(edited + 1);
    }

    @Test
    void aChatMessageIsAckedOnlyOnceItsRowIsCommitted() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        for (int i = 0; i < 20; i++) {
            String id = newId();
            assertThat(RunningApp.publish(outgoing, chatMsg(id, "Alice", "committed " + i))).isNull();
            // No waiting: the ACK itself says the row is there.
            assertThat(rows(id)).as("row of ACKed message %s", id).isEqualTo(1);
        }
    }

    @Test
    void aRowIsDatedByTheServerNotByTheClientsTimestamp() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        String id = newId();
        Message m = chatMsg(id, "Alice", "from the far future");
        m.timestamp = 9_000_000_000_000_000L;
        long before = System.currentTimeMillis();
        assertThat(RunningApp.publish(alice.channels.get(ChatChannels.OUTGOING), m)).isNull();
        long stored = running.count("SELECT created_at_timestamp FROM chat_data WHERE msg_id = '" + id + "'");
        assertThat(stored).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }

    @Test
    void idsThatAreTooLongOrShapedLikeAnotherConnectionsAreRefused() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        AblyRealtime bob = running.chatUser().connect();
        Channel aliceOut = alice.channels.get(ChatChannels.OUTGOING);
        barrier(aliceOut);
        ErrorInfo tooLong = RunningApp.publish(aliceOut, chatMsg("i".repeat(257), "Alice", "long id"));
        assertThat(tooLong).isNotNull();
        assertThat(tooLong.code).isEqualTo(40003);
        assertThat(tooLong.message).contains("longer than 256 characters");
        // Bob's next message would get the id <bob's connection>:<msgSerial>:0; Alice may not take it first.
        ErrorInfo spoofed = RunningApp.publish(aliceOut, chatMsg(bob.connection.id + ":0:0", "Alice", "pre-empting Bob"));
        assertThat(spoofed).isNotNull();
        assertThat(spoofed.code).isEqualTo(40003);
        assertThat(spoofed.message).contains("another connection's message ids");
        // Her own connection's shape is hers to use.
        assertThat(RunningApp.publish(aliceOut, chatMsg(alice.connection.id + ":99:0", "Alice", "mine"))).isNull();
    }

    @Test
    void anEditOfAMessageThatDoesNotExistIsRefused() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        ErrorInfo error = RunningApp.publish(alice.channels.get(ChatChannels.OUTGOING), new Message("editedMsg", editData("Alice", "x", newId())));
        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40400);
        assertThat(error.message).contains("there is no message");
    }

    @Test
    void badMessagesAreNackedWithTheirReasonWhileOtherUsersAreNotDelayed() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        AblyRealtime bob = running.chatUser().connect();
        Channel aliceOut = alice.channels.get(ChatChannels.OUTGOING);
        Channel bobOut = bob.channels.get(ChatChannels.OUTGOING);
        barrier(aliceOut);
        barrier(bobOut);
        String nul = newId();
        String longId = "x".repeat(10_000);
        String tooLong = newId();

        // Bob publishes 30 messages alone, then 30 more while Alice's bad messages are refused; each ACK is timed.
        List<String> bobIds = new ArrayList<>();
        List<Long> alone = bobRound(bobOut, bobIds, i -> { });
        List<CompletableFuture<ErrorInfo>> bad = new ArrayList<>();
        List<Long> meanwhile = bobRound(bobOut, bobIds, i -> {
            if (i == 5) bad.add(publishAsync(aliceOut, chatMsg(nul, "Alice", "before\u0000after")));
            if (i == 10) bad.add(publishAsync(aliceOut, chatMsg(longId, "Alice", "long id")));
            if (i == 15) bad.add(publishAsync(aliceOut, chatMsg(tooLong, "Alice", "y".repeat(4001))));
        });

        ErrorInfo nulError = bad.get(0).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        ErrorInfo idError = bad.get(1).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        ErrorInfo lengthError = bad.get(2).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(nulError).isNotNull();
        assertThat(nulError.code).isEqualTo(40003);
        assertThat(nulError.message).contains("NUL character");
        assertThat(idError).isNotNull();
        assertThat(idError.code).isEqualTo(40003);
        assertThat(idError.message).contains("id is longer than 256 characters");
        assertThat(lengthError).isNotNull();
        assertThat(lengthError.code).isEqualTo(40003);
        assertThat(lengthError.message).contains("content is longer than 4000 characters");
        // Not delayed: his ACKs are as quick as without Alice's messages (p90 within 100 ms of it), and none stalls
        // (a refused message held in a queue used to block everyone behind it for ~30 s). Percentiles, not the maximum,
        // so that one fsync hiccup of a busy machine is not read as a delay.
        System.out.printf("ChatPersistenceIT: Bob's ACK ms alone %s, meanwhile %s%n", alone, meanwhile);
        assertThat(p90(meanwhile)).as("Bob's ACK p90 with refusals around (ms), vs %s alone", p90(alone)).isLessThanOrEqualTo(p90(alone) + 100);
        assertThat(java.util.Collections.max(meanwhile)).as("Bob's slowest ACK (ms)").isLessThan(1000L);
        for (String id : bobIds) assertThat(rows(id)).isEqualTo(1);
        for (String id : List.of(nul, longId, tooLong)) assertThat(rows(id)).isZero();
    }

    /** Bob publishes 30 messages 5 ms apart, {@code between.accept(i)} before each; returns his ACK latencies in ms. */
    private static List<Long> bobRound(Channel bobOut, List<String> ids, java.util.function.IntConsumer between) throws Exception {
        List<CompletableFuture<Long>> latencies = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            between.accept(i);
            String id = newId();
            ids.add(id);
            long sent = System.nanoTime();
            latencies.add(publishAsync(bobOut, chatMsg(id, "Bob", "still flowing " + i)).thenApply(error -> {
                assertThat(error).as("Bob's message %s", id).isNull();
                return (System.nanoTime() - sent) / 1_000_000;
            }));
            Thread.sleep(5);
        }
        List<Long> out = new ArrayList<>();
        for (CompletableFuture<Long> l : latencies) out.add(l.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        return out;
    }

    private static long p90(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1);
    }

    private static CompletableFuture<ErrorInfo> publishAsync(Channel channel, Message message) {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        try {
            channel.publish(message, new io.ably.lib.realtime.CompletionListener() {
                @Override public void onSuccess() { done.complete(null); }

                @Override public void onError(ErrorInfo reason) { done.complete(reason); }
            });
        } catch (io.ably.lib.types.AblyException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    @Test
    void theAuthorsDeleteErasesTheTextKeepsTheRowAndIsOneUpdateEventEvenWhenRepeated() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        AblyRealtime mallory = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        String id = newId();
        assertThat(RunningApp.publish(outgoing, chatMsg(id, "Alice", "I did not mean that"))).isNull();
        awaitEvent(id, "INSERT");
        long deleted = running.app().chat().deleted();

        ErrorInfo forged = RunningApp.publish(mallory.channels.get(ChatChannels.OUTGOING), new Message("deletedMsg", deleteData(id)));
        assertThat(forged).isNotNull();
        assertThat(forged.code).as("only the author deletes").isEqualTo(40160);

        assertThat(RunningApp.publish(outgoing, new Message("deletedMsg", deleteData(id)))).isNull();
        JsonNode update = awaitEvent(id, "UPDATE");
        assertThat(update.path("row").path("is_deleted").asBoolean()).isTrue();
        assertThat(update.path("row").path("msg_data").asText()).as("the text is erased").isEmpty();
        assertThat(running.app().chat().deleted()).isEqualTo(deleted + 1);

        // A redelivered delete is done already: ACKed, no second event. An edit of a deleted message is refused.
        assertThat(RunningApp.publish(outgoing, new Message("deletedMsg", deleteData(id)))).isNull();
        ErrorInfo editAfter = RunningApp.publish(outgoing, new Message("editedMsg", editData("Alice", "back again", id)));
        assertThat(editAfter).isNotNull();
        assertThat(editAfter.code).isEqualTo(40400);
        assertThat(editAfter.message).contains("was deleted");
        barrier(outgoing);
        assertThat(eventsFor(id)).extracting(e -> e.path("type").asText()).containsExactly("INSERT", "UPDATE");
        assertThat(row(id)).containsExactly("Alice", "", alice.auth.clientId, "false");

        // History serves it as deleted, text and all gone.
        long recordId = update.path("row").path("incremental_record_id").asLong();
        JsonNode page = RunningApp.JSON.readTree(running.get("/chat/messages?limit=1&before=" + (recordId + 1)).body());
        JsonNode shown = page.path("messages").path(0);
        assertThat(shown.path("msg_id").asText()).isEqualTo(id);
        assertThat(shown.path("is_deleted").asBoolean()).isTrue();
        assertThat(shown.path("msg_data").asText()).isEmpty();
    }

    @Test
    void aRowRemovedFromTheTableGoesOutAsADeleteEventWithTheOldRow() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        String id = newId();
        assertThat(RunningApp.publish(outgoing, chatMsg(id, "Alice", "an operator removes this"))).isNull();
        awaitEvent(id, "INSERT");
        try (Connection c = running.jdbc(); PreparedStatement s = c.prepareStatement("DELETE FROM chat_data WHERE msg_id = ?")) {
            s.setString(1, id);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
        JsonNode delete = awaitEvent(id, "DELETE");
        assertThat(delete.path("row").path("msg_data").asText()).isEqualTo("an operator removes this");
    }

    @Test
    void aForgedEditIsNackedChangesNothingAndIsCounted() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        AblyRealtime mallory = running.chatUser().connect();
        assertThat(mallory.auth.clientId).isNotEqualTo(alice.auth.clientId);
        Channel aliceOut = alice.channels.get(ChatChannels.OUTGOING);
        String id = newId();
        assertThat(RunningApp.publish(aliceOut, chatMsg(id, "Alice", "mine"))).isNull();
        awaitEvent(id, "INSERT");
        long refused = running.app().chat().refusedEdits();

        // Mallory even uses Alice's nickname: the author is the clientId, not the name.
        Channel malloryOut = mallory.channels.get(ChatChannels.OUTGOING);
        ErrorInfo error = RunningApp.publish(malloryOut, new Message("editedMsg", editData("Alice", "forged", id)));

        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40160);
        assertThat(error.message).contains("is not the author of message " + id);
        assertThat(running.app().chat().refusedEdits()).isEqualTo(refused + 1);
        barrier(malloryOut);
        assertThat(row(id)).containsExactly("Alice", "mine", alice.auth.clientId, "false");
        assertThat(eventsFor(id)).extracting(e -> e.path("type").asText()).containsExactly("INSERT");
    }

    @Test
    void emptyContentAndTooLongNicknamesAreNackedWithTheReason() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        long rejected = running.app().chat().rejected();
        String empty = newId();
        String blank = newId();
        String longName = newId();
        String blankName = newId();
        String fortyChars = newId();

        assertRefused(RunningApp.publish(outgoing, chatMsg(empty, "Alice", "")), "content is empty");
        assertRefused(RunningApp.publish(outgoing, chatMsg(blank, "Alice", "  \n\t ")), "content is empty");
        assertRefused(RunningApp.publish(outgoing, chatMsg(longName, "a".repeat(41), "hi")), "username must have 1 to 40 characters");
        assertRefused(RunningApp.publish(outgoing, chatMsg(blankName, "   ", "hi")), "username must have 1 to 40 characters");
        assertThat(RunningApp.publish(outgoing, chatMsg(fortyChars, "b".repeat(40), "hi"))).isNull();

        awaitEvent(fortyChars, "INSERT");
        assertThat(running.app().chat().rejected()).isEqualTo(rejected + 4);
        for (String id : List.of(empty, blank, longName, blankName)) {
            assertThat(rows(id)).as("rows for %s", id).isZero();
            assertThat(eventsFor(id)).isEmpty();
        }
        assertThat(rows(fortyChars)).isEqualTo(1);
    }

    private static void assertRefused(ErrorInfo error, String reason) {
        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40003);
        assertThat(error.statusCode).isEqualTo(400);
        assertThat(error.message).contains(reason);
    }

    @Test
    void theTokenEndpointServesOnlyTheChatsOwnOrigin() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        HttpResponse<String> foreign = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(running.baseUrl() + "/auth/token"))
                .header("Origin", "http://chat-neighbour.example").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.headers().firstValue("X-Ably-ErrorCode")).hasValue("40300");
        assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).as("nothing a foreign page may read").isEmpty();
        assertThat(foreign.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
        assertThat(foreign.body()).doesNotContain("mac");

        HttpResponse<String> own = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(running.baseUrl() + "/auth/token"))
                .header("Origin", running.baseUrl()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(RunningApp.JSON.readTree(own.body()).path("mac").asText()).isNotBlank();
    }

    @Test
    void theChatsTokenEndpointGivesOneAddressItsBudgetPerMinuteThen42910() throws Exception {
        try (RunningApp limited = RunningApp.start("chat-token-limit",
                c -> c.withLimits(c.limits().withTokenRequestsPerMinute(3)))) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest token = java.net.http.HttpRequest.newBuilder(java.net.URI.create(limited.baseUrl() + "/auth/token")).GET().build();
            // Without the cookie every answer is a new identity: minted at most 3 a minute for one address.
            for (int i = 0; i < 3; i++) assertThat(http.send(token, HttpResponse.BodyHandlers.ofString()).statusCode()).as("request " + i).isEqualTo(200);
            HttpResponse<String> refused = http.send(token, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("X-Ably-ErrorCode")).hasValue("42910");
            assertThat(refused.body()).contains("3 per minute").doesNotContain("mac");
        }
    }

    @Test
    void aChatTokenCannotPublishOnIncomingChat() throws Exception {
        RunningApp.ChatUser user = running.chatUser();
        JsonNode tokenRequest = RunningApp.JSON.readTree(user.tokenRequestJson());
        JsonNode capability = RunningApp.JSON.readTree(tokenRequest.path("capability").asText());
        assertThat(capability.path(ChatChannels.INCOMING).toString()).isEqualTo("[\"history\",\"subscribe\"]");
        assertThat(RunningApp.JSON.readTree(user.tokenRequestJson()).path("clientId").asText())
                .as("same cookie → same clientId").isEqualTo(tokenRequest.path("clientId").asText());

        AblyRealtime client = user.connect();
        Channel channel = client.channels.get(ChatChannels.INCOMING);
        RunningApp.subscribe(channel);
        String id = newId();
        JsonObject fake = new JsonObject();
        fake.addProperty("table", "chat_data");
        fake.addProperty("type", "INSERT");
        JsonObject row = new JsonObject();
        row.addProperty("msg_id", id);
        row.addProperty("msg_data", "fake row");
        fake.add("row", row);

        ErrorInfo error = RunningApp.publish(channel, new Message("fake", fake.toString()));

        assertThat(error).isNotNull();
        assertThat(error.code).isEqualTo(40160);
        barrier(client.channels.get(ChatChannels.OUTGOING));
        assertThat(eventsFor(id)).isEmpty();
    }

    @Test
    void historyPagesBackwardsWithBeforeAndHasMore() throws Exception {
        AblyRealtime alice = running.chatUser().connect();
        Channel outgoing = alice.channels.get(ChatChannels.OUTGOING);
        String last = null;
        for (int i = 0; i < 7; i++) {
            last = newId();
            assertThat(RunningApp.publish(outgoing, chatMsg(last, "Alice", "history " + i))).isNull();
        }
        awaitEvent(last, "INSERT");

        List<Long> table = new ArrayList<>();
        try (Connection c = running.jdbc(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT incremental_record_id FROM chat_data ORDER BY incremental_record_id")) {
            while (rs.next()) table.add(rs.getLong(1));
        }
        assertThat(table.size()).isGreaterThan(7);

        JsonNode latest = running.getJson("/chat/messages?limit=3");
        assertThat(latest.path("hasMore").asBoolean()).isTrue();
        assertThat(latest.path("messages")).hasSize(3);
        assertThat(latest.path("messages").get(2).path("msg_id").asText()).isEqualTo(last);
        assertThat(latest.path("messages").get(2).path("msg_data").asText()).isEqualTo("history 6");

        // Walk back to the start: pages are ascending, contiguous, and the last one says hasMore=false.
        List<Long> seen = new ArrayList<>();
        JsonNode page = latest;
        int pages = 0;
        while (true) {
            List<Long> ids = new ArrayList<>();
            page.path("messages").forEach(m -> ids.add(m.path("incremental_record_id").asLong()));
            assertThat(ids).isSorted();
            seen.addAll(0, ids);
            pages++;
            if (!page.path("hasMore").asBoolean()) break;
            assertThat(pages).as("pages").isLessThan(100);
            page = running.getJson("/chat/messages?limit=3&before=" + ids.get(0));
        }
        assertThat(seen).isEqualTo(table);
        assertThat(running.getJson("/chat/messages?before=" + table.get(0)).path("messages")).isEmpty();
        assertThat(running.getJson("/chat/messages?before=" + table.get(0)).path("hasMore").asBoolean()).isFalse();
        assertThat(running.get("/chat/messages?limit=0").statusCode()).isEqualTo(400);
        assertThat(running.get("/chat/messages?before=abc").statusCode()).isEqualTo(400);
    }
}
