import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { blockText, contextTexts, itemLines, sectionTexts } from '../../../test/helpers/blocks.js';
import type {
  AwsFailing,
  AwsRecovered,
  ExternalTransaction,
  NextPeriodChanged,
  Notice,
  RenewalUpcoming,
  ReservationEnding,
  ReservationStateChanged,
} from '../../notices/types.js';
import { limitViolations, type SlackMessage } from './message.js';
import {
  NOTICE_ACTIONS_BLOCK,
  NOTICE_CHANGE_ACTION,
  NOTICE_KEEP_ACTION,
  NOTICE_LAPSE_ACTION,
  NOTICE_PURCHASE_ACTION,
  noticeMessage,
  untilText,
} from './notices.js';

// ---------------------------------------------------------------------------------------------
// Factories

const NOW = new Date('2026-11-24T10:00:00Z');
const DF_ID = 'arn:aws:devicefarm:us-west-2::offering:a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21';
const RESERVATION_ARN = 'arn:aws:mediaconnect:us-west-2:111122223333:reservation:abc:live-2026';
const OFFERING_ARN = 'arn:aws:mediaconnect:us-west-2:111122223333:offering:36KTUMS5RR10';
const usd = (amount: string) => ({ currency: 'USD', micros: amount });
/** Every character Slack would read as markup, in AWS text. */
const NASTY = '*bold* _it_ ~gone~ `tick` <!channel> & <https://evil.example|click>';
// Like every view: mentions, links and entities are neutralised; AWS's own text is shown as is.
const NASTY_SHOWN =
  '*bold* _it_ ~gone~ `tick` &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;';

function renewal(over: Partial<RenewalUpcoming> = {}): Notice {
  return {
    kind: 'renewal_upcoming',
    key: `renewal:${DF_ID}:2026-12-01:7d`,
    offeringId: DF_ID,
    offeringDescription: 'Android Remote Access Unmetered Device Slot',
    platform: 'ANDROID',
    effectiveOn: '2026-12-01T00:00:00.000Z',
    leadDays: 7,
    currentQuantity: 5,
    nextQuantity: 3,
    monthlyPrice: usd('250000000'),
    currentMonthlyCost: usd('1250000000'),
    nextMonthlyCost: usd('750000000'),
    ...over,
  };
}

function transaction(n: number, over: Partial<ExternalTransaction> = {}): ExternalTransaction {
  return {
    id: `d30614ed-1b03-404c-9893-${String(n).padStart(12, '0')}`,
    type: 'PURCHASE',
    offeringId: DF_ID,
    offeringDescription: 'iOS Remote Access Unmetered Device Slot',
    quantity: 2,
    cost: usd('500000000'),
    createdOn: '2026-11-24T09:00:00.000Z',
    ...over,
  };
}

function external(transactions: readonly ExternalTransaction[]): Notice {
  return {
    kind: 'external_transactions',
    key: `transaction:${transactions[0]?.id ?? 'none'}`,
    alsoKeys: transactions.slice(1).map((t) => `transaction:${t.id}`),
    transactions,
  };
}

function nextPeriod(over: Partial<NextPeriodChanged> = {}): Notice {
  return {
    kind: 'next_period_changed',
    key: `next-period:${DF_ID}:5-2:2026-11-24T09:00:00.000Z`,
    offeringId: DF_ID,
    offeringDescription: 'Android Remote Access Unmetered Device Slot',
    effectiveOn: '2026-12-01T00:00:00.000Z',
    from: 5,
    to: 2,
    nextMonthlyCost: usd('500000000'),
    ...over,
  };
}

function ending(over: Partial<ReservationEnding> = {}): Notice {
  return {
    kind: 'reservation_ending',
    key: `reservation-ending:${RESERVATION_ARN}:2026-12-01:7d`,
    reservationArn: RESERVATION_ARN,
    reservationName: 'live-2026',
    offeringArn: OFFERING_ARN,
    offeringDescription: '100 Mbps outbound bandwidth, 12 months',
    end: '2026-12-01T00:00:00.000Z',
    leadDays: 7,
    pricePerUnit: usd('12500'),
    priceUnit: 'HOURLY',
    bandwidthMbps: 100,
    durationMonths: 12,
    ...over,
  };
}

function stateChange(over: Partial<ReservationStateChanged> = {}): Notice {
  return {
    kind: 'reservation_state',
    key: `reservation-state:${RESERVATION_ARN}:EXPIRED`,
    reservationArn: RESERVATION_ARN,
    reservationName: 'live-2026',
    offeringArn: OFFERING_ARN,
    offeringDescription: '100 Mbps outbound bandwidth, 12 months',
    from: 'ACTIVE',
    to: 'EXPIRED',
    start: '2025-12-01T00:00:00.000Z',
    end: '2026-12-01T00:00:00.000Z',
    pricePerUnit: usd('12500'),
    priceUnit: 'HOURLY',
    bandwidthMbps: 100,
    durationMonths: 12,
    ...over,
  };
}

function failing(over: Partial<AwsFailing> = {}): Notice {
  return {
    kind: 'aws_failing',
    key: 'aws-failing:devicefarm:2026-11-24T09:00:00.000Z',
    service: 'devicefarm',
    since: '2026-11-24T09:00:00.000Z',
    failures: 3,
    message: 'AWS Device Farm is temporarily unavailable.',
    ...over,
  };
}

function recovered(over: Partial<AwsRecovered> = {}): Notice {
  return {
    kind: 'aws_recovered',
    key: 'aws-recovered:mediaconnect:2026-11-24T09:00:00.000Z',
    service: 'mediaconnect',
    since: '2026-11-24T09:00:00.000Z',
    recoveredAt: '2026-11-24T09:45:00.000Z',
    failures: 9,
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// Finding things

type Button = types.Button;

function buttons(m: SlackMessage): Button[] {
  return m.blocks.flatMap((b) =>
    b.type === 'actions' ? b.elements.filter((e): e is Button => e.type === 'button') : [],
  );
}

function button(m: SlackMessage, actionId: string): Button {
  const found = buttons(m).find((b) => b.action_id === actionId);
  if (!found) throw new Error(`no button ${actionId}`);
  return found;
}

const actionIds = (m: SlackMessage) => buttons(m).map((b) => b.action_id);
const actionsBlock = (m: SlackMessage) => m.blocks.find((b) => b.type === 'actions');
const text = (m: SlackMessage) => sectionTexts(m).join('\n');

/** What every notice must be: within limits, with buttons that carry the key and nothing else. */
function checkShape(notice: Notice, m: SlackMessage = noticeMessage(notice, NOW)): SlackMessage {
  expect(limitViolations(m)).toEqual([]);
  for (const b of buttons(m)) {
    expect(b.value).toBe(notice.key);
    expect(b.text.text.length).toBeLessThanOrEqual(75);
    expect(b.confirm?.title?.text.length ?? 0).toBeLessThanOrEqual(100);
    expect(b.confirm?.text.text.length ?? 0).toBeLessThanOrEqual(300);
  }
  const block = actionsBlock(m);
  if (block) expect(block.block_id).toBe(NOTICE_ACTIONS_BLOCK);
  return m;
}

// ---------------------------------------------------------------------------------------------

describe('renewal_upcoming', () => {
  it('names the offering, the date, the days left, the quantities and the costs', () => {
    const m = checkShape(renewal());
    const t = text(m);
    expect(t).toContain(
      ':calendar: *Device Farm renewal in 7 days*: Android Remote Access Unmetered Device Slot (Android)',
    );
    expect(t).toContain('1 Dec 2026 (UTC), in 6 days');
    expect(t).toContain('*3 slots* (holding 5 now)');
    expect(t).toContain('*$750.00 per month* after renewal');
    expect(t).toContain('(now $1,250.00 per month)');
    expect(t).toContain('$250.00 per slot per month');
    expect(m.text).toContain('renews 3 slots (holding 5 now)');
    expect(m.text).toContain('1 Dec 2026');
  });

  it('says how many slots will be dropped when fewer renew', () => {
    expect(text(checkShape(renewal()))).toContain('*2 slots will be dropped: 5 → 3.*');
    expect(text(checkShape(renewal({ nextQuantity: 4 })))).toContain(
      '*1 slot will be dropped: 5 → 4.*',
    );
  });

  it('says plainly that everything lapses when nothing renews', () => {
    const t = text(checkShape(renewal({ nextQuantity: 0, nextMonthlyCost: usd('0') })));
    expect(t).toContain('All 5 slots lapse on 1 Dec 2026; nothing renews.');
    expect(t).not.toContain('dropped');
  });

  it('says how many more slots start renewing when more renew', () => {
    const t = text(checkShape(renewal({ currentQuantity: 2, nextQuantity: 5 })));
    expect(t).toContain('3 more slots start renewing: 2 → 5.');
    expect(text(checkShape(renewal({ currentQuantity: 2, nextQuantity: 3 })))).toContain(
      '1 more slot starts renewing: 2 → 3.',
    );
    expect(text(checkShape(renewal({ currentQuantity: 3, nextQuantity: 3 })))).toContain(
      'The same 3 slots renew.',
    );
  });

  it('offers keep, change and lapse, each carrying only the notice key', () => {
    const notice = renewal();
    const m = checkShape(notice);
    expect(actionIds(m)).toEqual([NOTICE_KEEP_ACTION, NOTICE_CHANGE_ACTION, NOTICE_LAPSE_ACTION]);
    expect(button(m, NOTICE_KEEP_ACTION)).toMatchObject({
      text: { text: 'Keep what is held' },
      style: 'primary',
      value: notice.key,
    });
    expect(button(m, NOTICE_CHANGE_ACTION).text.text).toBe('Change quantity');
    const lapse = button(m, NOTICE_LAPSE_ACTION);
    expect(lapse.style).toBe('danger');
    expect(lapse.text.text).toBe('Let lapse');
    expect(lapse.confirm?.text.text).toContain('every slot held stops on *1 Dec 2026*');
    expect(lapse.confirm?.text.text).toContain('A different approver must approve');
    expect(contextTexts(m).join('\n')).toContain(
      'Each button reads AWS when clicked and starts a renew request for what the account holds then',
    );
  });

  it('offers Keep, naming no number, unless nothing is held or renews', () => {
    for (const quantities of [
      { currentQuantity: 0, nextQuantity: 2 },
      { currentQuantity: 1, nextQuantity: 0 },
    ]) {
      expect(button(checkShape(renewal(quantities)), NOTICE_KEEP_ACTION).text.text).toBe(
        'Keep what is held',
      );
    }
    const none = checkShape(renewal({ currentQuantity: 0, nextQuantity: 0 }));
    expect(actionIds(none)).toEqual([NOTICE_CHANGE_ACTION, NOTICE_LAPSE_ACTION]);
  });

  it('counts the days left from now, not from the lead time', () => {
    const at = (iso: string) =>
      text(checkShape(renewal(), noticeMessage(renewal(), new Date(iso))));
    expect(at('2026-11-30T10:00:00Z')).toContain('1 Dec 2026 (UTC), in less than a day');
    expect(at('2026-11-29T10:00:00Z')).toContain('1 Dec 2026 (UTC), in 1 day');
    expect(at('2026-11-29T10:00:00Z')).toContain('*Device Farm renewal in 7 days*');
    const late = ending({ end: '2026-12-01T15:00:00.000Z' });
    expect(text(checkShape(late, noticeMessage(late, new Date('2026-11-30T10:00:00Z'))))).toContain(
      '*ends tomorrow*',
    );
    expect(untilText(new Date('2026-11-29T00:00:00Z'), new Date('2026-12-01T00:00:00Z'))).toBe(
      'in 2 days',
    );
    expect(untilText(new Date('2026-11-30T00:00:00Z'), new Date('2026-12-01T00:00:00Z'))).toBe(
      'tomorrow',
    );
    expect(untilText(NOW, new Date('2026-11-01T00:00:00Z'))).toBe('now');
    expect(untilText(NOW, new Date('not a date'))).toBe('at an unknown time');
  });

  it('escapes the description and platform everywhere', () => {
    const m = checkShape(renewal({ offeringDescription: NASTY, platform: '<b>' }));
    const all = `${blockText(m)}\n${m.text}`;
    expect(text(m)).toContain(`${NASTY_SHOWN} (&lt;b&gt;)`);
    expect(all).not.toContain('<!channel>');
    expect(m.text).not.toContain('<https://');
  });

  it('stays within limits with a 3000-character description and odd stored amounts', () => {
    const long = `${'<&*_~'.repeat(600)}`;
    const m = checkShape(
      renewal({
        offeringDescription: long,
        platform: long,
        offeringId: 'x'.repeat(3000),
        monthlyPrice: usd('n/a'),
      }),
    );
    expect(text(m)).toContain('an unknown amount per slot per month');
    expect(m.text.length).toBeLessThanOrEqual(1000);
  });
});

describe('external_transactions', () => {
  it('shows each transaction in words, with quantity, cost, id, date and next period', () => {
    const notice = external([
      transaction(1, { effectiveOn: '2026-11-24T00:00:00.000Z', nextQuantity: 4 }),
      transaction(2, { type: 'RENEW', quantity: 4, cost: usd('1000000000') }),
      transaction(3, { type: 'SYSTEM', quantity: 1 }),
      transaction(4, { type: 'REFUND', promotionId: 'promo-1' }),
    ]);
    const m = checkShape(notice);
    expect(text(m)).toContain(':receipt: *Changed outside slots-bot*');
    expect(itemLines(m)).toEqual([
      '• *bought*: iOS Remote Access Unmetered Device Slot · 2 slots · $500.00 · `d30614ed-1b03-404c-9893-000000000001` · effective 24 Nov 2026 · next period: 4',
      '• *renewal set*: iOS Remote Access Unmetered Device Slot · 4 slots · $1,000.00 · `d30614ed-1b03-404c-9893-000000000002`',
      '• *renewed by AWS*: iOS Remote Access Unmetered Device Slot · 1 slot · $500.00 · `d30614ed-1b03-404c-9893-000000000003`',
      '• *REFUND*: iOS Remote Access Unmetered Device Slot · 2 slots · $500.00 · `d30614ed-1b03-404c-9893-000000000004` · promotion `promo-1`',
    ]);
    expect(m.text).toContain('4 Device Farm transactions');
    expect(buttons(m)).toEqual([]);
  });

  it('escapes AWS text in each line', () => {
    const m = checkShape(external([transaction(1, { offeringDescription: NASTY, type: '<x>' })]));
    const [line] = itemLines(m);
    expect(line).toContain(`*&lt;x&gt;*: ${NASTY_SHOWN}`);
    expect(blockText(m)).not.toContain('<!channel>');
    expect(m.text).not.toContain('<!channel>');
  });

  it('fits 500 transactions with long descriptions and says how many are left out', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      transaction(i, {
        offeringDescription: `${'<slot> & '.repeat(300)}`,
        effectiveOn: '2026-12-01T00:00:00.000Z',
        nextQuantity: i,
      }),
    );
    const m = checkShape(external(many));
    const shown = itemLines(m).length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(500);
    expect(contextTexts(m).join('\n')).toContain(`…and ${500 - shown} more not shown here`);
  });
});

describe('next_period_changed', () => {
  it('says what changed, from when, and the new monthly cost', () => {
    const m = checkShape(nextPeriod());
    const t = text(m);
    expect(t).toMatch(/^:warning: /);
    expect(t).toContain(
      'The next-period slots of Android Remote Access Unmetered Device Slot changed outside slots-bot:* *5 → 2* from 1 Dec 2026.',
    );
    expect(t).toContain('*$500.00 per month*');
    expect(m.text).toContain('5 → 2 from 1 Dec 2026');
    expect(buttons(m)).toEqual([]);
  });

  it('says the slots lapse when nothing renews any more', () => {
    const t = text(checkShape(nextPeriod({ to: 0, nextMonthlyCost: usd('0') })));
    expect(t).toContain('*5 → 0*');
    expect(t).toContain('All slots lapse on 1 Dec 2026; nothing renews.');
  });

  it('does without a date, and escapes the description', () => {
    const { effectiveOn: _, ...rest } = nextPeriod() as NextPeriodChanged & { key: string };
    const m = checkShape({ ...rest, offeringDescription: NASTY });
    expect(text(m)).toContain(`slots of ${NASTY_SHOWN} changed`);
    expect(text(m)).toContain('from the next period');
    expect(blockText(m)).not.toContain('<!channel>');
    checkShape(nextPeriod({ offeringDescription: 'd'.repeat(3000) }));
  });
});

describe('reservation_ending', () => {
  it('says when it ends, what it costs, and that MediaConnect does not renew', () => {
    const notice = ending();
    const m = checkShape(notice);
    const t = text(m);
    expect(t).toContain(
      ':hourglass_flowing_sand: MediaConnect reservation `live-2026` *ends in 6 days*',
    );
    expect(t).toContain('*Ends:* 1 Dec 2026, 00:00 UTC');
    expect(t).toContain('100 Mbps');
    expect(t).toContain('$0.0125 per Mbps per hour');
    expect(t).toContain('about $912.50 per month');
    expect(t).toContain(
      'MediaConnect has no renewal: after 1 Dec 2026, 00:00 UTC the bandwidth is billed at on-demand rates until a new reservation is bought. MediaConnect sells a new reservation only when none is active.',
    );
    expect(actionIds(m)).toEqual([NOTICE_PURCHASE_ACTION]);
    expect(button(m, NOTICE_PURCHASE_ACTION)).toMatchObject({
      text: { text: 'Request purchase' },
      value: notice.key,
    });
    expect(m.text).toContain('ends in 6 days');
  });

  it('leaves out the monthly estimate when it cannot be made', () => {
    const t = text(checkShape(ending({ bandwidthMbps: undefined })));
    expect(t).toContain('bandwidth unknown');
    expect(t).not.toContain('per month');
  });

  it('escapes the name and description and stays within limits', () => {
    const m = checkShape(
      ending({ reservationName: 'a<b>`c', offeringDescription: `${NASTY}${'x'.repeat(3000)}` }),
    );
    expect(text(m)).toContain("`a&lt;b&gt;'c`");
    expect(text(m)).toContain(NASTY_SHOWN);
    expect(blockText(m)).not.toContain('<!channel>');
  });
});

describe('reservation_state', () => {
  it('announces a reservation slots-bot did not buy, with its terms', () => {
    const notice = stateChange({ from: undefined, to: 'ACTIVE' });
    const m = checkShape(notice);
    const t = text(m);
    expect(t).toContain('reservation slots-bot did not buy appeared:* `live-2026`, *ACTIVE*');
    expect(t).toContain('100 Mbps outbound bandwidth, 12 months');
    expect(t).toContain('*Term:* 1 Dec 2025, 00:00 UTC – 1 Dec 2026, 00:00 UTC');
    expect(t).toContain('$0.0125 per Mbps per hour');
    expect(buttons(m)).toEqual([]);
    expect(t).not.toContain('no renewal');
  });

  it('says the new and old state', () => {
    const m = checkShape(stateChange({ from: 'PROCESSING', to: 'ACTIVE' }));
    expect(text(m)).toContain('Reservation `live-2026` is now *ACTIVE* (was PROCESSING)');
    expect(buttons(m)).toEqual([]);
  });

  it.each(['EXPIRED', 'CANCELED'])('offers a purchase once the reservation is %s', (to) => {
    const notice = stateChange({ to });
    const m = checkShape(notice);
    expect(text(m)).toContain(`is now *${to}* (was ACTIVE)`);
    expect(text(m)).toContain('MediaConnect has no renewal');
    expect(button(m, NOTICE_PURCHASE_ACTION).value).toBe(notice.key);
  });

  it('escapes AWS states, names and descriptions', () => {
    const m = checkShape(
      stateChange({
        from: '<old>',
        to: '*new*',
        reservationName: '<!here>',
        offeringDescription: NASTY,
      }),
    );
    const t = text(m);
    expect(t).toContain('is now **new** (was &lt;old&gt;)');
    expect(t).toContain('`&lt;!here&gt;`');
    expect(t).toContain(NASTY_SHOWN);
    expect(m.text).not.toContain('<!here>');
    checkShape(
      stateChange({ offeringDescription: 'd'.repeat(3000), reservationName: 'n'.repeat(3000) }),
    );
  });
});

describe('aws_failing', () => {
  it('says which service cannot be read, since when, how often, and that notices pause', () => {
    const m = checkShape(failing());
    const t = text(m);
    expect(t).toContain(
      ':rotating_light: *slots-bot cannot read Device Farm* since 24 Nov 2026, 09:00 UTC',
    );
    expect(t).toContain('3 polls in a row');
    expect(t).toContain('>AWS Device Farm is temporarily unavailable.');
    expect(t).toContain('paused and resume when AWS answers again');
    expect(t).toContain('once per outage');
    expect(buttons(m)).toEqual([]);
    expect(text(checkShape(failing({ service: 'mediaconnect' })))).toContain(
      'cannot read MediaConnect',
    );
  });

  it('escapes the message and keeps it short', () => {
    const m = checkShape(failing({ message: `<!channel> & ${'x'.repeat(5000)}` }));
    expect(text(m)).toContain('&lt;!channel&gt; &amp;');
    expect(blockText(m)).not.toContain('<!channel>');
    expect(m.text).not.toContain('<!channel>');
  });
});

describe('aws_recovered', () => {
  it('says the service answers again, for how long it did not, and that notices resume', () => {
    const m = checkShape(recovered());
    const t = text(m);
    expect(t).toContain(':white_check_mark: *MediaConnect answers again.*');
    expect(t).toContain(
      'from 24 Nov 2026, 09:00 UTC until 24 Nov 2026, 09:45 UTC (9 failed polls)',
    );
    expect(t).toContain('anything missed meanwhile is announced now');
    expect(buttons(m)).toEqual([]);
  });
});
