// Who is typing: each typing event (an ephemeral message, never stored) counts for a few seconds; a message from that
// person ends it at once. Pure logic, so it is tested without a browser.

/** How long one typing event keeps someone "typing". */
export const TYPING_TIMEOUT_MS = 3000;
/** A typist announces itself at most this often. */
export const TYPING_THROTTLE_MS = 1500;

export function createTypingTracker(timeoutMs = TYPING_TIMEOUT_MS) {
  const until = new Map(); // clientId -> { name, until }
  return {
    seen(clientId, name, now) {
      if (!clientId || typeof name !== 'string' || !name) return;
      until.set(clientId, { name, until: now + timeoutMs });
    },
    stopped(clientId) {
      until.delete(clientId);
    },
    /** Names still typing at `now`, in the order they started. */
    names(now) {
      const out = [];
      for (const [clientId, t] of until) {
        if (t.until > now) out.push(t.name);
        else until.delete(clientId);
      }
      return out;
    },
    /** When the next entry lapses (ms from now), or null when nobody is typing. */
    nextExpiry(now) {
      let next = null;
      for (const t of until.values()) if (t.until > now && (next === null || t.until - now < next)) next = t.until - now;
      return next;
    },
  };
}

/** "Alice is typing…", "Alice and Bob are typing…", "3 people are typing…", or '' for nobody. */
export function typingLabel(names) {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** True when a typist that last announced itself at `lastSentAt` should announce again at `now`. */
export function shouldAnnounce(lastSentAt, now, throttleMs = TYPING_THROTTLE_MS) {
  return lastSentAt === null || now - lastSentAt >= throttleMs;
}
