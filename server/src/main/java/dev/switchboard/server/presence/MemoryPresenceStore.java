package dev.switchboard.server.presence;

import dev.switchboard.server.protocol.PresenceMessage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Presence members held in this process's memory. */
public final class MemoryPresenceStore implements PresenceStore {
    private final Map<String, PresenceMessage> members = new LinkedHashMap<>();

    @Override
    public PresenceMessage apply(PresenceMessage event) {
        String key = event.clientId() + "\u0000" + event.connectionId();
        PresenceMessage current = members.get(key);
        switch (event.action()) {
            case PresenceMessage.LEAVE -> {
                if (current == null) return null;
                members.remove(key);
                return event;
            }
            case PresenceMessage.ENTER, PresenceMessage.UPDATE, PresenceMessage.PRESENT -> {
                // SDKs re-enter their own members after every re-attach with the original id: nothing changed.
                if (current != null && current.id().equals(event.id())) return null;
                PresenceMessage broadcast = current == null
                        ? event.with(event.id(), PresenceMessage.ENTER, event.clientId(), event.connectionId(), event.timestamp())
                        : event.with(event.id(), PresenceMessage.UPDATE, event.clientId(), event.connectionId(), event.timestamp());
                members.put(key, broadcast.with(broadcast.id(), PresenceMessage.PRESENT, broadcast.clientId(), broadcast.connectionId(), broadcast.timestamp()));
                return broadcast;
            }
            default -> { return null; }
        }
    }

    @Override
    public List<PresenceMessage> members() { return new ArrayList<>(members.values()); }

    @Override
    public int size() { return members.size(); }

    @Override
    public List<PresenceMessage> membersOf(String connectionId) {
        List<PresenceMessage> out = new ArrayList<>();
        for (PresenceMessage m : members.values()) if (m.connectionId().equals(connectionId)) out.add(m);
        return out;
    }

    @Override
    public boolean isEmpty() { return members.isEmpty(); }
}
