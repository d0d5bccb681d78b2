import { describe, expect, it } from 'vitest';
import { code, escapeMrkdwn, quoteInput, truncate, truncateMrkdwn } from './mrkdwn.js';

describe('escapeMrkdwn', () => {
  it.each([
    ['plain', 'plain'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
  ])('%s → %s', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('cuts long text to the limit, ending with an ellipsis', () => {
    const out = truncate('abcdefghij', 5);
    expect(out).toBe('abcd…');
    expect(out.length).toBe(5);
  });

  it('never splits a surrogate pair', () => {
    const out = truncate('ab😀cd', 4);
    expect(out.length).toBeLessThanOrEqual(4);
    expect(out).toBe('ab…');
  });
});

describe('truncateMrkdwn', () => {
  it('does not leave half an entity at the cut', () => {
    const out = truncateMrkdwn('abc &amp; def', 7);
    expect(out).toBe('abc …');
    expect(out.length).toBeLessThanOrEqual(7);
  });
});

describe('quoteInput', () => {
  it('quotes, escapes and keeps at most 50 characters of the input', () => {
    const out = quoteInput(`<${'x'.repeat(200)}`);
    expect(out.startsWith('"&lt;')).toBe(true);
    expect(out.endsWith('…"')).toBe(true);
    expect(out.replace('&lt;', '<').length).toBe(52);
  });
});

describe('code', () => {
  it('wraps in backticks and escapes', () => {
    expect(code('arn:aws:x/<y>')).toBe('`arn:aws:x/&lt;y&gt;`');
  });

  it('cannot be closed early by a backtick in the value', () => {
    expect(code('a`b')).toBe("`a'b`");
  });
});
