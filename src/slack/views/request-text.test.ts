import { describe, expect, it } from 'vitest';
import { mediaConnectQuote } from '../../../test/helpers/quotes.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { channelLink, escapeKeepingMentions, mention, unescapeMrkdwn } from './mrkdwn.js';
import {
  actionSentence,
  actionShortText,
  commitmentText,
  quoted,
  relativeTime,
  startsWhenApproved,
} from './request-text.js';

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

describe('a MediaConnect request without a start', () => {
  const request = (start?: string): PurchaseRequest => ({
    id: 'R7K2M9QX',
    state: 'pending',
    action: {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn: 'arn:aws:mediaconnect:us-west-2::offering:MC10',
      reservationName: 'live-2026',
      ...(start && { start }),
    },
    quote: mediaConnectQuote(),
    requester: 'U0REQUESTR',
    reason: 'Live events',
    createdAt: new Date('2026-11-22T10:00:00Z'),
    expiresAt: new Date('2026-11-23T10:00:00Z'),
    version: 1,
  });

  it('says it starts when approved, and that the quote is a ceiling', () => {
    const r = request();
    expect(startsWhenApproved(r.action)).toBe(true);
    expect(actionSentence(r)).toBe(
      'reserve *10 Mbps* for 12 months (*10 Mbps for 12 months*) as `live-2026`, starting when approved',
    );
    expect(actionShortText(r)).toBe('10 Mbps, 12 months · `live-2026` · starts when approved');
    expect(commitmentText(r.quote, r.action)).toBe('at most $1,098.00 over the 12-month term');
    expect(commitmentText(r.quote)).toBe('$1,098.00 over the 12-month term');
  });

  it('shows a given start as a date, with the exact quote', () => {
    const r = request('2026-11-01T00:00:00Z');
    expect(startsWhenApproved(r.action)).toBe(false);
    expect(actionSentence(r)).toMatch(/, starting 1 Nov 2026, 00:00 UTC$/);
    expect(actionShortText(r)).toBe('10 Mbps, 12 months · `live-2026`');
    expect(commitmentText(r.quote, r.action)).toBe('$1,098.00 over the 12-month term');
  });
});
