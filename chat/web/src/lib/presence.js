// The "Online now" list is keyed by clientId: one person on two tabs (two presence
// members with the same clientId and different connectionIds) is shown once, with
// the username of their most recent presence message.

export function dedupeMembers(members) {
  const byClient = new Map();
  for (const m of members || []) {
    if (!m || !m.clientId) continue;
    const username = m.data && typeof m.data === 'object' && typeof m.data.username === 'string'
      ? m.data.username.trim()
      : '';
    const ts = Number(m.timestamp) || 0;
    const prev = byClient.get(m.clientId);
    if (!prev || ts >= prev.ts) {
      byClient.set(m.clientId, { clientId: m.clientId, username: username || prev?.username || '', ts });
    }
  }
  return [...byClient.values()]
    .map(({ clientId, username }) => ({ clientId, username: username || 'anonymous' }))
    .sort((a, b) => a.username.localeCompare(b.username) || a.clientId.localeCompare(b.clientId));
}
