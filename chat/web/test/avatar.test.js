import { describe, it, expect } from 'vitest';
import { initials, avatarColour } from '../src/lib/avatar.js';

describe('avatars', () => {
  it('takes the first letters of the first and last word', () => {
    expect(initials('Alice')).toBe('A');
    expect(initials('bob  smith ')).toBe('BS');
    expect(initials('Jean Paul Sartre')).toBe('JS');
    expect(initials('')).toBe('?');
    expect(initials(null)).toBe('?');
    expect(initials('😀 party')).toBe('😀P');
  });
  it('gives one author always the same colour, and authors different ones', () => {
    expect(avatarColour('u-123')).toBe(avatarColour('u-123'));
    const colours = new Set(['u-1', 'u-2', 'u-3', 'u-4', 'u-5'].map(avatarColour));
    expect(colours.size).toBeGreaterThan(3);
    expect(avatarColour('x')).toMatch(/^hsl\(\d+ 55% 36%\)$/);
  });
});

describe('avatar colours of similar keys', () => {
  it('keys one character apart get hues far apart', () => {
    const hue = (k) => Number(avatarColour(k).match(/^hsl\((\d+)/)[1]);
    const d = Math.abs(hue('c1') - hue('c2'));
    expect(Math.min(d, 360 - d)).toBeGreaterThan(60);
  });
});
