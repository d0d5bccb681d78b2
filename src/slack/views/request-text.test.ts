import { describe, expect, it } from 'vitest';
import { mediaConnectQuote } from '../../../test/helpers/quotes.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { channelLink, escapeKeepingMentions, mention, unescapeMrkdwn } from './mrkdwn.js';
import {
  actionSentence,
  actionShortText,
  andList,
  approverList,
  approverMention,
  commitmentText,
  durationText,
  quoted,
  relativeTime,
  STATE_EMOJI,
  STATE_LABEL,
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
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
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

describe('approvers and approvals', () => {
  it.each([
    ['U0BOB', '<@U0BOB>'],
    ['W0CAROL', '<@W0CAROL>'],
    ['S0APPROVERS', '<!subteam^S0APPROVERS>'],
    ['C0SLOTS', 'C0SLOTS'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['s0lower', 's0lower'],
  ])('approverMention(%j) is %j', (id, expected) => {
    expect(approverMention(id)).toBe(expected);
  });

  it('lists approvers and counts the rest', () => {
    expect(approverList([])).toBe('');
    expect(approverList(['U0A', 'S0B'])).toBe('<@U0A>, <!subteam^S0B>');
    expect(approverList(['U0A', 'U0B', 'U0C'], 2)).toBe('<@U0A>, <@U0B> and 1 more');
  });

  it.each([
    [[], ''],
    [['a'], 'a'],
    [['a', 'b'], 'a and b'],
    [['a', 'b', 'c'], 'a, b and c'],
  ])('andList(%j) is %j', (items, expected) => {
    expect(andList(items)).toBe(expected);
  });

  it.each([
    [30_000, '0 minutes'],
    [60_000, '1 minute'],
    [59 * 60_000, '59 minutes'],
    [60 * 60_000, '1 hour'],
    [8 * 3_600_000 + 59 * 60_000, '8 hours'],
    [47 * 3_600_000, '47 hours'],
    [2 * 86_400_000, '2 days'],
  ])('durationText(%d) is %j', (ms, expected) => {
    expect(durationText(ms)).toBe(expected);
  });

  it('labels the dry-run state everywhere a state is shown', () => {
    expect(STATE_LABEL.dry_run).toBe('dry run — nothing was bought');
    expect(STATE_EMOJI.dry_run).toBe(':test_tube:');
  });
});
