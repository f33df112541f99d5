import { describe, it, expect } from 'vitest';
import { dataText, formatTime, formatNumber, membersByClient, prependBounded } from '../src/console/format.js';

describe('dataText', () => {
  it('shows strings as they are and JSON values as JSON', () => {
    expect(dataText('hello')).toBe('hello');
    expect(dataText({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    expect(dataText(42)).toBe('42');
    expect(dataText(null)).toBe('');
    expect(dataText(undefined)).toBe('');
  });
  it('shows binary data as its size and first bytes', () => {
    expect(dataText(new Uint8Array([1, 2, 255]))).toBe('(3 bytes) 01 02 ff');
    expect(dataText(new Uint8Array(20).buffer)).toMatch(/^\(20 bytes\) 00( 00){15} …$/);
  });
});

describe('formatTime', () => {
  it('shows the time of day for today and the date before it otherwise', () => {
    const now = new Date(2025, 5, 10, 12, 0, 0).getTime();
    expect(formatTime(new Date(2025, 5, 10, 9, 5, 7, 42).getTime(), now)).toBe('09:05:07.042');
    expect(formatTime(new Date(2025, 5, 9, 23, 59, 59, 999).getTime(), now)).toBe('2025-06-09 23:59:59.999');
    expect(formatTime(null, now)).toBe('');
  });
});

describe('formatNumber', () => {
  it('separates thousands and bounds decimals; a dash for none', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(1.23456, 2)).toBe('1.23');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(NaN)).toBe('–');
  });
});

describe('membersByClient', () => {
  it('gives one entry per clientId, sorted, with its connection count and latest data', () => {
    const members = [
      { clientId: 'bob', connectionId: 'c1', data: 'old', timestamp: 1 },
      { clientId: 'alice', connectionId: 'c2', data: null, timestamp: 5 },
      { clientId: 'bob', connectionId: 'c3', data: 'new', timestamp: 9 },
    ];
    expect(membersByClient(members)).toEqual([
      { clientId: 'alice', connections: 1, data: null, timestamp: 5 },
      { clientId: 'bob', connections: 2, data: 'new', timestamp: 9 },
    ]);
  });
});

describe('prependBounded', () => {
  it('puts the newest first and keeps at most the limit', () => {
    let list = [];
    for (let i = 1; i <= 5; i++) list = prependBounded(list, i, 3);
    expect(list).toEqual([5, 4, 3]);
  });
});
