// Initials avatars: one or two letters of the nickname on a colour that stays the same for one author.

/** "Alice" → "A", "Bob Smith" → "BS", "  " → "?". Letters of any script; emoji and digits count too. */
export function initials(name) {
  const words = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = (w) => Array.from(w)[0].toUpperCase();
  return words.length === 1 ? first(words[0]) : first(words[0]) + first(words[words.length - 1]);
}

/**
 * A colour for an author key (clientId, or the name when there is none): a hue from a string hash, at a
 * saturation and lightness where white initials stay readable (contrast ≥ 4.5:1).
 */
export function avatarColour(key) {
  let h = 0;
  for (const ch of String(key ?? '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  // Golden-angle steps: keys that differ in one character (u-1, u-2) still land far apart on the wheel.
  return `hsl(${Math.round((h * 137.508) % 360)} 55% 36%)`;
}
