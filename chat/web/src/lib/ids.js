// Message ids are chosen by the page so it can recognise its own row when it comes back.
// crypto.randomUUID exists only in secure contexts (https, localhost); a page served over
// plain http on a LAN address falls back to getRandomValues, which is always available.
export function newMessageId(c = globalThis.crypto) {
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // not a secure context
    }
  }
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
