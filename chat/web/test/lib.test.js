import { describe, it, expect } from 'vitest';
import { validateNickname, normalizeContent } from '../src/lib/nickname.js';
import { formatMeta } from '../src/lib/format.js';
import { dedupeMembers } from '../src/lib/presence.js';
import { displayConnectionState } from '../src/lib/connection.js';
import { realtimeOptions } from '../src/lib/realtime-options.js';

describe('nickname and content', () => {
  it('trims and bounds nicknames', () => {
    expect(validateNickname('  bob ')).toEqual({ ok: true, value: 'bob', error: null });
    expect(validateNickname('   ').ok).toBe(false);
    expect(validateNickname('x'.repeat(40)).ok).toBe(true);
    expect(validateNickname('x'.repeat(41)).ok).toBe(false);
  });
  it('ignores whitespace-only messages', () => {
    expect(normalizeContent(' \n\t ')).toBeNull();
    expect(normalizeContent(' hi ')).toBe('hi');
  });
});

describe('formatMeta', () => {
  const now = new Date(2025, 5, 15, 18, 0).getTime();
  it('shows only the time today', () => {
    expect(formatMeta('alice', new Date(2025, 5, 15, 9, 5).getTime(), now, 'en-GB')).toBe('by alice at 09:05');
  });
  it('adds the date when not today, and the year when not this year', () => {
    expect(formatMeta('bob', new Date(2025, 5, 14, 9, 5).getTime(), now, 'en-GB')).toBe('by bob at 14 Jun, 09:05');
    expect(formatMeta('bob', new Date(2024, 0, 2, 9, 5).getTime(), now, 'en-GB')).toBe('by bob at 2 Jan 2024, 09:05');
  });
});

describe('dedupeMembers', () => {
  it('counts a clientId once with its latest username', () => {
    const list = dedupeMembers([
      { clientId: 'a', connectionId: '1', data: { username: 'Ann' }, timestamp: 1 },
      { clientId: 'a', connectionId: '2', data: { username: 'Annie' }, timestamp: 5 },
      { clientId: 'b', connectionId: '3', data: { username: 'Bob' }, timestamp: 2 },
      { clientId: null, data: {} },
    ]);
    expect(list).toEqual([{ clientId: 'a', username: 'Annie' }, { clientId: 'b', username: 'Bob' }]);
  });
});

describe('connection state', () => {
  it('maps ably states', () => {
    expect(displayConnectionState('connecting', false)).toBe('connecting');
    expect(displayConnectionState('disconnected', true)).toBe('reconnecting');
    expect(displayConnectionState('connecting', true)).toBe('reconnecting');
    expect(displayConnectionState('suspended', true)).toBe('offline');
    expect(displayConnectionState('failed', true)).toBe('failed');
  });
});

describe('realtimeOptions', () => {
  it('uses the page origin; tlsPort follows the page port', () => {
    const o = realtimeOptions({ protocol: 'https:', hostname: 'chat.example.org', port: '8443', host: 'chat.example.org:8443' });
    expect(o).toMatchObject({ endpoint: 'chat.example.org', port: 8443, tlsPort: 8443, tls: true, authUrl: 'https://chat.example.org:8443/auth/token' });
    const p = realtimeOptions({ protocol: 'http:', hostname: 'localhost', port: '', host: 'localhost' });
    expect(p).toMatchObject({ endpoint: 'localhost', port: 80, tls: false });
  });
  it('uses realtimeHost for single-label host names (endpoint would become *.realtime.ably.net)', () => {
    const o = realtimeOptions({ protocol: 'http:', hostname: 'chat', port: '8080', host: 'chat:8080' });
    expect(o.endpoint).toBeUndefined();
    expect(o).toMatchObject({ realtimeHost: 'chat', restHost: 'chat', port: 8080 });
  });
});

import { newMessageId } from '../src/lib/ids.js';
describe('newMessageId', () => {
  it('falls back to getRandomValues without randomUUID', () => {
    const id = newMessageId({ getRandomValues: (a) => globalThis.crypto.getRandomValues(a) });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
