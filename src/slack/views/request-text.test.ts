import { describe, expect, it } from 'vitest';
import { channelLink, escapeKeepingMentions, mention, unescapeMrkdwn } from './mrkdwn.js';
import { quoted, relativeTime } from './request-text.js';

describe('mention and channelLink', () => {
  it('link well-formed ids and show anything else as escaped text', () => {
    expect(mention('U0123ABC')).toBe('<@U0123ABC>');
    expect(mention('W0123ABC')).toBe('<@W0123ABC>');
    expect(mention('slots-bot')).toBe('slots-bot');
    expect(mention('<!channel>')).toBe('&lt;!channel&gt;');
    expect(mention('U1>')).toBe('U1&gt;');
    expect(channelLink('C0123ABC')).toBe('<#C0123ABC>');
    expect(channelLink('general')).toBe('general');
  });
});

describe('escapeKeepingMentions', () => {
  it.each([
    ['Only <@U0ABC> can cancel.', 'Only <@U0ABC> can cancel.'],
    ['See <#C0ABC>.', 'See <#C0ABC>.'],
    [
      '<!channel> <@U0ABC|name> & <https://x>',
      '&lt;!channel&gt; &lt;@U0ABC|name&gt; &amp; &lt;https://x&gt;',
    ],
    ['<@u0abc> <@S0GROUP>', '&lt;@u0abc&gt; &lt;@S0GROUP&gt;'],
    ['a <@U0ABC><@U0DEF> b', 'a <@U0ABC><@U0DEF> b'],
  ])('%j', (input, expected) => {
    expect(escapeKeepingMentions(input)).toBe(expected);
  });

  it('round-trips through unescapeMrkdwn for plain text', () => {
    expect(unescapeMrkdwn('&lt;b&gt; &amp;lt; &amp;')).toBe('<b> &lt; &');
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  const at = (iso: string) => relativeTime(now, new Date(iso));

  it.each([
    ['2026-11-22T10:00:30Z', 'just now'],
    ['2026-11-22T10:05:00Z', 'in 5 min'],
    ['2026-11-22T09:05:00Z', '55 min ago'],
    ['2026-11-22T15:59:00Z', 'in 5 h'],
    ['2026-11-24T09:59:00Z', 'in 47 h'],
    ['2026-11-24T10:00:00Z', 'in 2 days'],
    ['2026-11-01T10:00:00Z', '21 days ago'],
  ])('%s is %s', (iso, expected) => {
    expect(at(iso)).toBe(expected);
  });

  it('does not throw on an invalid date', () => {
    expect(relativeTime(now, new Date('nope'))).toBe('at an unknown time');
  });
});

describe('quoted', () => {
  it('quotes each line, escaped, and cuts long pastes', () => {
    expect(quoted(' a <b>\nc ', 100)).toBe('>a &lt;b&gt;\n>c');
    const many = Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n');
    const lines = quoted(many, 1000).split('\n');
    expect(lines).toHaveLength(15);
    expect(lines.at(-1)).toBe('>…');
    expect(quoted('x'.repeat(50), 10)).toBe(`>${'x'.repeat(9)}…`);
  });
});
