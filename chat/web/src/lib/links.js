// Links in message text, made clickable without ever treating the text as markup: the text is split into plain parts
// and link parts, which the template renders as text nodes and <a> elements (never v-html).

// http(s) URLs up to whitespace; trailing punctuation that usually ends a sentence is not part of the link.
const URL = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** [{text}, {text, href}, ...] covering `text` in order; only http and https links. */
export function linkParts(text) {
  const parts = [];
  const s = String(text ?? '');
  let last = 0;
  for (const match of s.matchAll(URL)) {
    let url = match[0];
    const trail = url.match(TRAILING);
    if (trail) url = url.slice(0, -trail[0].length);
    if (!url.includes('://') || url.length <= url.indexOf('://') + 3) continue;
    const start = match.index;
    if (start > last) parts.push({ text: s.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < s.length) parts.push({ text: s.slice(last) });
  return parts;
}
