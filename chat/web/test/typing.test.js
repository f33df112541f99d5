import { describe, expect, it } from 'vitest';
import { createTypingTracker, typingLabel, shouldAnnounce } from '../src/lib/typing.js';

describe('typing', () => {
  it('counts someone as typing for the timeout after each event, and not after their message', () => {
    const t = createTypingTracker(3000);
    t.seen('a', 'Alice', 1000);
    t.seen('b', 'Bob', 2000);
    expect(t.names(2500)).toEqual(['Alice', 'Bob']);
    expect(t.names(4000)).toEqual(['Bob']);
    expect(t.nextExpiry(4000)).toBe(1000);
    t.stopped('b');
    expect(t.names(4100)).toEqual([]);
    expect(t.nextExpiry(4100)).toBeNull();
  });

  it('ignores events without a client or a name', () => {
    const t = createTypingTracker();
    t.seen(null, 'X', 0);
    t.seen('x', '', 0);
    expect(t.names(1)).toEqual([]);
  });

  it('says who is typing', () => {
    expect(typingLabel([])).toBe('');
    expect(typingLabel(['Alice'])).toBe('Alice is typing…');
    expect(typingLabel(['Alice', 'Bob'])).toBe('Alice and Bob are typing…');
    expect(typingLabel(['A', 'B', 'C'])).toBe('3 people are typing…');
  });

  it('announces at most once per throttle interval', () => {
    expect(shouldAnnounce(null, 0)).toBe(true);
    expect(shouldAnnounce(1000, 2000, 1500)).toBe(false);
    expect(shouldAnnounce(1000, 2500, 1500)).toBe(true);
  });
});
