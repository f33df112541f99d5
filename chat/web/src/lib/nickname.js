// Nickname rules shared with the persistence function: trimmed, 1–40 characters.
// Length is counted in UTF-16 code units (String.length), the stricter of the two
// common interpretations, so the server never rejects a nickname the page accepted.
export const NICKNAME_MAX = 40;

export function validateNickname(raw) {
  const value = String(raw ?? '').trim();
  if (value.length === 0) {
    return { ok: false, value, error: 'Please enter a nickname.' };
  }
  if (value.length > NICKNAME_MAX) {
    return { ok: false, value, error: `A nickname can have at most ${NICKNAME_MAX} characters.` };
  }
  return { ok: true, value, error: null };
}

/** Message text to publish, or null when it is empty or whitespace only. */
export function normalizeContent(raw) {
  const value = String(raw ?? '').trim();
  return value.length === 0 ? null : value;
}
