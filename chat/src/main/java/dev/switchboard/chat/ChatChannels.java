package dev.switchboard.chat;

/** The chat's channel names and the capability its browsers get. */
public final class ChatChannels {
    private ChatChannels() {}

    /** Where browsers publish chatMsg/editedMsg and enter presence. */
    public static final String OUTGOING = "outgoing-chat";
    /** Where the change connector publishes the table's rows. */
    public static final String INCOMING = "incoming-chat";

    /** Where browsers say who is typing: ephemeral messages, never stored. */
    public static final String TYPING = "chat-typing";

    /** Where the server says whether messages can be saved and delivered now (pages attach with rewind=1). */
    public static final String STATUS = "chat-status";

    /** Browsers may publish, enter presence and subscribe on outgoing; only read incoming (no fake row events); type; read the status. */
    public static final String BROWSER_CAPABILITY =
            "{\"" + OUTGOING + "\":[\"presence\",\"publish\",\"subscribe\"],\"" + INCOMING + "\":[\"history\",\"subscribe\"],\""
                    + TYPING + "\":[\"publish\",\"subscribe\"],\"" + STATUS + "\":[\"subscribe\"]}";
}
