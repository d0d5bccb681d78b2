import { describe, expect, it } from 'vitest';
import { contextTexts, itemLines, lineFor, sectionTexts } from '../../../test/helpers/blocks.js';
import { AwsError } from '../../aws/errors.js';
import type { DeviceFarmOffering, Reservation, ServiceName, SlotStatus } from '../../aws/types.js';
import type { StatusReport } from '../../capacity/reports.js';
import { formatMoney, type Money, money, times } from '../../domain/money.js';
import { type KnownBlock, LIMITS, limitViolations, type SlackMessage } from './message.js';
import { daysLeftLabel, statusMessage, withReadAge } from './status.js';

// ---------------------------------------------------------------------------------------------
// Factories

const NOW = new Date('2026-11-22T10:00:00Z');
const NEXT_PERIOD = new Date('2026-12-01T00:00:00Z');

function offering(n: number, over: Partial<DeviceFarmOffering> = {}): DeviceFarmOffering {
  return {
    service: 'devicefarm',
    id: `df-offering-${n}`,
    description: `DF offering ${n}`,
    platform: 'ANDROID',
    monthlyPrice: money('250'),
    ...over,
  };
}

function slots(
  n: number,
  current: number,
  next: number,
  over: Partial<Omit<SlotStatus, 'offering'>> & { offering?: Partial<DeviceFarmOffering> } = {},
): SlotStatus {
  const o = offering(n, over.offering);
  return {
    currentQuantity: current,
    nextPeriodQuantity: next,
    nextPeriodEffectiveOn: NEXT_PERIOD,
    currentMonthlyCost: times(o.monthlyPrice, current),
    nextMonthlyCost: times(o.monthlyPrice, next),
    ...over,
    offering: o,
  };
}

function reservation(n: number, over: Partial<Reservation> = {}): Reservation {
  return {
    arn: `arn:aws:mediaconnect:us-east-1:111122223333:reservation:${n}`,
    name: `res-${n}`,
    state: 'ACTIVE',
    offeringArn: 'arn:aws:mediaconnect:us-east-1:111122223333:offering:o1',
    description: '100 Mbps outbound for 12 months',
    start: new Date('2026-01-01T00:00:00Z'),
    end: new Date('2027-01-01T00:00:00Z'),
    pricePerUnit: money('0.0125'),
    priceUnit: 'HOURLY',
    durationMonths: 12,
    bandwidthMbps: 100,
    ...over,
  };
}

function awsError(service: ServiceName, userMessage: string): AwsError {
  return new AwsError('aws_forbidden', service, 'List', userMessage, 'rejected');
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const failure = (service: ServiceName, userMessage: string) => ({
  ok: false as const,
  error: awsError(service, userMessage),
});

// ---------------------------------------------------------------------------------------------
// Finding things in a message

function texts(message: SlackMessage): string[] {
  return message.blocks.flatMap((b: KnownBlock) => {
    if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
    if (b.type === 'context') return b.elements.flatMap((e) => ('text' in e ? [e.text] : []));
    if (b.type === 'header') return [b.text.text];
    return [];
  });
}

const dfLines = (m: SlackMessage) => itemLines(m).filter((l) => l.includes('DF offering'));
const mcLines = (m: SlackMessage) => itemLines(m).filter((l) => l.includes('*res-'));
const summary = (m: SlackMessage, title: string) => {
  const text = sectionTexts(m).find((t) => t.startsWith(title));
  if (!text) throw new Error(`no section starting with ${title}`);
  return text;
};

// ---------------------------------------------------------------------------------------------

describe('statusMessage: Device Farm', () => {
  it('shows each offering with quantities now and next, the date, and monthly costs', () => {
    const m = statusMessage({ now: NOW, devicefarm: ok([slots(1, 4, 4)]) });
    const line = lineFor(m, 'DF offering 1');
    expect(line).toContain('*Android*');
    expect(line).toContain('now *4* ($1,000.00/mo)');
    expect(line).toContain('from 1 Dec 2026 *4* ($1,000.00/mo)');
    expect(line).not.toContain(':warning:');
  });

  it('flags slots that will be dropped when next < current', () => {
    const m = statusMessage({ now: NOW, devicefarm: ok([slots(1, 5, 3)]) });
    expect(lineFor(m, 'DF offering 1')).toContain(':warning: 2 slots will be dropped');
    expect(summary(m, '*Device Farm slots*')).toContain('2 slots will be dropped next period');
  });

  it('flags a lapse when nothing renews', () => {
    const m = statusMessage({ now: NOW, devicefarm: ok([slots(1, 2, 0)]) });
    expect(lineFor(m, 'DF offering 1')).toContain(':warning: lapses');
    expect(summary(m, '*Device Farm slots*')).toContain('every slot lapses');
  });

  it('does not flag growth', () => {
    const m = statusMessage({ now: NOW, devicefarm: ok([slots(1, 2, 5)]) });
    expect(texts(m).join('\n')).not.toContain(':warning:');
  });

  it('says "next period" when AWS gave no start date', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: ok([slots(1, 2, 2, { nextPeriodEffectiveOn: undefined })]),
    });
    expect(lineFor(m, 'DF offering 1')).toContain('next period *2*');
  });

  it('totals equal the sum of the monthly costs, now and next', () => {
    const held = [
      slots(1, 1, 1, { offering: { monthlyPrice: money('250.25') } }),
      slots(2, 3, 2, { offering: { monthlyPrice: money('100') } }),
      slots(3, 2, 0, { offering: { monthlyPrice: money('0.10') } }),
    ];
    const m = statusMessage({ now: NOW, devicefarm: ok(held) });
    // 250.25 + 300 + 0.20 now; 250.25 + 200 next
    const text = summary(m, '*Device Farm slots*');
    expect(text).toContain('Monthly cost now: *$550.45*');
    expect(text).toContain('from 1 Dec 2026: *$450.25*');
    expect(text).toContain('6 slots held in 3 offerings');
    expect(m.text).toContain('$550.45/mo now');
  });

  it('keeps currencies apart in the totals', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: ok([
        slots(1, 1, 1),
        slots(2, 2, 2, { offering: { monthlyPrice: money('10', 'EUR') } }),
      ]),
    });
    expect(summary(m, '*Device Farm slots*')).toContain('*20.00 EUR + $250.00*');
  });

  it('sorts by platform, then description (naturally)', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: ok([
        slots(10, 1, 1, { offering: { platform: 'IOS' } }),
        slots(2, 1, 1, { offering: { platform: 'IOS' } }),
        slots(3, 1, 1),
        slots(1, 1, 1),
      ]),
    });
    expect(dfLines(m).map((l) => /DF offering (\d+)/.exec(l)?.[1])).toEqual(['1', '3', '2', '10']);
    expect(dfLines(m)[2]).toContain('*iOS*');
  });

  it('escapes and truncates descriptions from AWS', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: ok([
        slots(1, 1, 1, {
          offering: { description: `DF offering 1 <!channel> & ${'z'.repeat(200)}` },
        }),
      ]),
    });
    const line = lineFor(m, 'DF offering 1');
    expect(line).toContain('&lt;!channel&gt; &amp; ');
    expect(line).not.toContain('<!channel>');
    expect(line).toContain('z…');
    expect(line).not.toContain('z'.repeat(100));
  });

  it('says so when no slots are held', () => {
    const m = statusMessage({ now: NOW, devicefarm: ok([]) });
    expect(texts(m).join('\n')).toContain('No Device Farm slots held.');
  });
});

describe('statusMessage: MediaConnect', () => {
  it('shows name, state, bandwidth, dates, days left, price and est. monthly cost', () => {
    const m = statusMessage({
      now: NOW,
      mediaconnect: ok([reservation(1, { end: new Date('2026-12-20T10:00:00Z') })]),
    });
    const line = lineFor(m, '*res-1*');
    expect(line).toContain('ACTIVE');
    expect(line).toContain('100 Mbps');
    expect(line).toContain('1 Jan 2026 → 20 Dec 2026');
    expect(line).toContain('*28 days left*');
    expect(line).toContain('$0.0125 per Mbps per hour');
    // 0.0125 × 100 Mbps × 730 h
    expect(line).toContain('est. $912.50/mo');
  });

  it('counts days left across a month boundary', () => {
    const m = statusMessage({
      now: new Date('2026-01-31T12:00:00Z'),
      mediaconnect: ok([reservation(1, { end: new Date('2026-02-03T12:00:00Z') })]),
    });
    expect(lineFor(m, '*res-1*')).toContain('*3 days left*');
  });

  it.each([
    ['2026-11-23T10:00:00Z', '1 day left'],
    ['2026-11-22T20:00:00Z', 'ends within a day'],
    ['2026-11-22T10:00:00Z', 'ended'],
    ['2026-11-01T00:00:00Z', 'ended'],
  ])('end %s → %s', (end, label) => {
    expect(daysLeftLabel(NOW, new Date(end))).toBe(label);
  });

  it('shows days left only for ACTIVE reservations', () => {
    const m = statusMessage({ now: NOW, mediaconnect: ok([reservation(1, { state: 'EXPIRED' })]) });
    expect(lineFor(m, '*res-1*')).not.toMatch(/left|ended/);
  });

  it('totals the estimated monthly cost of ACTIVE reservations only', () => {
    const m = statusMessage({
      now: NOW,
      mediaconnect: ok([
        reservation(1),
        reservation(2, { bandwidthMbps: 50, pricePerUnit: money('0.02') }),
        reservation(3, { state: 'EXPIRED' }),
        reservation(4, { state: 'PROCESSING' }),
      ]),
    });
    const expected: Money = {
      currency: 'USD',
      micros: times(money('0.0125'), 100 * 730).micros + times(money('0.02'), 50 * 730).micros,
    };
    const text = summary(m, '*MediaConnect reservations*');
    expect(text).toContain('4 (2 active)');
    expect(text).toContain(`Est. monthly cost of active reservations: *${formatMoney(expected)}*`);
    expect(formatMoney(expected)).toBe('$1,642.50');
  });

  it('says which active reservations have no estimate instead of guessing', () => {
    const m = statusMessage({
      now: NOW,
      mediaconnect: ok([reservation(1), reservation(2, { bandwidthMbps: undefined })]),
    });
    expect(summary(m, '*MediaConnect reservations*')).toContain(
      '*$912.50* (1 reservation without an estimate not included)',
    );
    expect(lineFor(m, '*res-2*')).not.toContain('est.');
  });

  it('orders ACTIVE first, then by end date', () => {
    const m = statusMessage({
      now: NOW,
      mediaconnect: ok([
        reservation(1, { state: 'EXPIRED', end: new Date('2026-02-01T00:00:00Z') }),
        reservation(2, { end: new Date('2027-06-01T00:00:00Z') }),
        reservation(3, { end: new Date('2026-12-01T00:00:00Z') }),
        reservation(4, { state: 'CANCELED', end: new Date('2026-01-01T00:00:00Z') }),
      ]),
    });
    expect(mcLines(m).map((l) => /\*res-(\d+)\*/.exec(l)?.[1])).toEqual(['3', '2', '4', '1']);
  });

  it('escapes reservation names', () => {
    const m = statusMessage({
      now: NOW,
      mediaconnect: ok([reservation(1, { name: 'res-1 <@U123>' })]),
    });
    expect(lineFor(m, '*res-1')).toContain('res-1 &lt;@U123&gt;');
  });

  it('says when there are no reservations, and when none is active', () => {
    expect(texts(statusMessage({ now: NOW, mediaconnect: ok([]) })).join()).toContain(
      'No MediaConnect reservations.',
    );
    const m = statusMessage({ now: NOW, mediaconnect: ok([reservation(1, { state: 'EXPIRED' })]) });
    expect(summary(m, '*MediaConnect reservations*')).toContain('No active reservations.');
  });
});

describe('statusMessage: both services', () => {
  it('has a header, an "as of" line in UTC, and a divider between services', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: ok([slots(1, 1, 1)]),
      mediaconnect: ok([reservation(1)]),
    });
    expect(m.blocks[0]).toEqual(expect.objectContaining({ type: 'header' }));
    expect(contextTexts(m)).toContain('as of 22 Nov 2026, 10:00 UTC');
    expect(m.blocks.filter((b) => b.type === 'divider')).toHaveLength(1);
  });

  it('names the one service asked for in the header and shows nothing of the other', () => {
    const m = statusMessage({ now: NOW, mediaconnect: ok([reservation(1)]) });
    expect(texts(m)[0]).toBe('Reserved capacity: MediaConnect');
    expect(texts(m).join('\n')).not.toContain('Device Farm');
    expect(m.blocks.some((b) => b.type === 'divider')).toBe(false);
  });

  it('still shows the other service when one failed, with a warning naming the failed one', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: ok([slots(1, 2, 2)]),
      mediaconnect: failure('mediaconnect', 'AWS refused: the bot may not <list> reservations.'),
    });
    const warning = sectionTexts(m).find((t) => t.startsWith(':warning:'));
    expect(warning).toBe(
      ':warning: *MediaConnect* could not be read: AWS refused: the bot may not &lt;list&gt; reservations.',
    );
    expect(dfLines(m)).toHaveLength(1);
    expect(m.text).toContain('MediaConnect could not be read.');
    expect(m.text).toContain('Device Farm: 2 slots');
  });

  it('warns for each service when both failed', () => {
    const m = statusMessage({
      now: NOW,
      devicefarm: failure('devicefarm', 'AWS is throttling requests.'),
      mediaconnect: failure('mediaconnect', 'AWS could not be reached.'),
    });
    const warnings = sectionTexts(m).filter((t) => t.startsWith(':warning:'));
    expect(warnings).toEqual([
      ':warning: *Device Farm* could not be read: AWS is throttling requests.',
      ':warning: *MediaConnect* could not be read: AWS could not be reached.',
    ]);
    expect(limitViolations(m)).toEqual([]);
  });
});

describe('statusMessage within Slack limits', () => {
  const sizes = [0, 1, 50, 500];
  const dfNote = /(?:…and )?(\d+) (?:more )?Device Farm offerings not shown; (.*)$/;
  const mcNote = /(?:…and )?(\d+) (?:more )?MediaConnect reservations not shown; (.*)$/;

  function omitted(m: SlackMessage, pattern: RegExp): { count: number; hint: string } | undefined {
    for (const t of contextTexts(m)) {
      const match = pattern.exec(t);
      if (match) return { count: Number(match[1]), hint: match[2] ?? '' };
    }
    return undefined;
  }

  function check(m: SlackMessage): void {
    expect(limitViolations(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    for (const t of sectionTexts(m)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(JSON.stringify(m).length).toBeLessThan(40_000);
  }

  function manySlots(n: number): SlotStatus[] {
    // A realistic line: a long-ish description, some lapsing.
    return Array.from({ length: n }, (_, i) =>
      slots(i, 5, i % 4 === 0 ? 0 : 5, {
        offering: {
          description: `DF offering ${i} — Unmetered device slot for ${'Pixel '.repeat(8)}`,
        },
      }),
    );
  }
  const manyReservations = (n: number) => Array.from({ length: n }, (_, i) => reservation(i));

  describe.each(sizes)('%i items per service', (n) => {
    it.each([
      ['devicefarm only', true, false],
      ['mediaconnect only', false, true],
      ['both', true, true],
    ])('%s', (_name, withDf, withMc) => {
      const report: StatusReport = {
        now: NOW,
        ...(withDf && { devicefarm: ok(manySlots(n)) }),
        ...(withMc && { mediaconnect: ok(manyReservations(n)) }),
      };
      const m = statusMessage(report);
      check(m);
      if (withDf) {
        const shown = dfLines(m).length;
        const note = omitted(m, dfNote);
        expect(shown + (note?.count ?? 0)).toBe(n);
        if (n <= 1) expect(note).toBeUndefined();
        if (n === 500) {
          expect(note?.count).toBeGreaterThan(0);
          expect(note?.hint).toContain(withMc ? '`/slots status devicefarm`' : 'console');
        }
      }
      if (withMc) {
        const shown = mcLines(m).length;
        const note = omitted(m, mcNote);
        expect(shown + (note?.count ?? 0)).toBe(n);
        if (n <= 1) expect(note).toBeUndefined();
        if (n === 500) {
          expect(note?.count).toBeGreaterThan(0);
          expect(note?.hint).toContain(
            withMc && withDf ? '`/slots status mediaconnect`' : 'console',
          );
        }
      }
      if (withDf && withMc && n === 500) {
        // Neither service crowds the other out.
        expect(dfLines(m).length).toBeGreaterThan(10);
        expect(mcLines(m).length).toBeGreaterThan(10);
      }
    });
  });

  it('totals cover every item, including the ones not shown', () => {
    const m = statusMessage({ now: NOW, devicefarm: ok(manySlots(500)) });
    // 500 offerings × 5 slots × $250
    expect(summary(m, '*Device Farm slots*')).toContain('Monthly cost now: *$625,000.00*');
  });
});

describe('withReadAge', () => {
  const report: StatusReport = { now: NOW, devicefarm: { ok: true, value: [slots(1, 2, 2)] } };
  const base = statusMessage(report);

  it('leaves a read under a second old as it is', () => {
    expect(withReadAge(base, report, new Date(NOW.getTime() + 999))).toBe(base);
  });

  it('says how long ago the data was read and how to read it again, changing nothing else', () => {
    const aged = withReadAge(base, report, new Date(NOW.getTime() + 7_400));
    const context = contextTexts(aged).join('\n');
    expect(context).toMatch(
      /as of .* · read from AWS 7 seconds ago; `\/slots status fresh` reads it again/,
    );
    expect(aged.blocks.length).toBe(base.blocks.length);
    const unchanged = aged.blocks.filter((b, i) => b === base.blocks[i]);
    expect(unchanged.length).toBe(base.blocks.length - 1);
    expect(limitViolations(aged)).toEqual([]);
    // The shared rendering is not touched.
    expect(contextTexts(base).join('\n')).not.toMatch(/ago/);
  });

  it('counts minutes past two minutes', () => {
    const aged = withReadAge(base, report, new Date(NOW.getTime() + 190_000));
    expect(contextTexts(aged).join('\n')).toMatch(/read from AWS 3 minutes ago/);
  });
});
