import { describe, expect, it } from 'vitest';
import { linkParts } from '../src/lib/links.js';

describe('linkParts', () => {
  it('splits text into plain parts and http(s) links, leaving sentence punctuation out of the link', () => {
    expect(linkParts('see https://example.com/a?b=1, then http://x.org.')).toEqual([
      { text: 'see ' }, { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', then ' }, { text: 'http://x.org', href: 'http://x.org' }, { text: '.' },
    ]);
  });

  it('never makes a link of other schemes or of markup', () => {
    expect(linkParts('javascript:alert(1) <a href="https://evil">x</a>')).toEqual([
      { text: 'javascript:alert(1) <a href="' }, { text: 'https://evil', href: 'https://evil' }, { text: '">x</a>' },
    ]);
    expect(linkParts('plain')).toEqual([{ text: 'plain' }]);
    expect(linkParts('')).toEqual([]);
  });
});
