import { describe, expect, it } from 'vitest';
import { contextTexts, itemLines, lineFor, sectionTexts } from '../../../test/helpers/blocks.js';
import { AwsError } from '../../aws/errors.js';
import type {
  DeviceFarmOffering,
  MediaConnectOffering,
  Promotion,
  ServiceName,
} from '../../aws/types.js';
import type { OfferingsReport } from '../../capacity/reports.js';
import { money } from '../../domain/money.js';
import { LIMITS, limitViolations, type SlackMessage } from './message.js';
import { offeringsMessage } from './offerings.js';

// ---------------------------------------------------------------------------------------------
// Factories

const NOW = new Date('2026-11-22T10:00:00Z');

function dfOffering(n: number, over: Partial<DeviceFarmOffering> = {}): DeviceFarmOffering {
  return {
    service: 'devicefarm',
    id: `df-${n}-0f4c1a2b-8e1d-4c6f-9a44-1f2e3d4c5b6a`,
    description: `DF offering ${n}`,
    platform: 'ANDROID',
    monthlyPrice: money('250'),
    ...over,
  };
}

function mcOffering(n: number, over: Partial<MediaConnectOffering> = {}): MediaConnectOffering {
  return {
    service: 'mediaconnect',
    id: `arn:aws:mediaconnect:us-east-1:111122223333:offering:mc-${n}`,
    description: `Offering ${n} of outbound bandwidth`,
    pricePerUnit: money('0.0125'),
    priceUnit: 'HOURLY',
    durationMonths: 12,
    bandwidthMbps: 100,
    resourceType: 'Mbps_Outbound_Bandwidth',
    ...over,
  };
}

function promotion(n: number, over: Partial<Promotion> = {}): Promotion {
  return { id: `promo-${n}`, description: `Promotion ${n}: 20% off`, ...over };
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const failure = (service: ServiceName, userMessage: string) => ({
  ok: false as const,
  error: new AwsError('aws_throttled', service, 'ListOfferings', userMessage, 'rejected'),
});
const df = (offerings: DeviceFarmOffering[], promotions: Promotion[] = []) =>
  ok({ offerings, promotions });

// ---------------------------------------------------------------------------------------------
// Finding things in a message

const dfLines = (m: SlackMessage) => itemLines(m).filter((l) => l.includes('DF offering'));
const promoLines = (m: SlackMessage) => itemLines(m).filter((l) => l.includes('`promo-'));
const mcLines = (m: SlackMessage) => itemLines(m).filter((l) => l.includes(':offering:mc-'));
// ---------------------------------------------------------------------------------------------

describe('offeringsMessage: Device Farm', () => {
  it('shows platform, description, monthly price per slot, and the id in code format', () => {
    const m = offeringsMessage({ devicefarm: df([dfOffering(1, { platform: 'IOS' })]) });
    const line = lineFor(m, 'DF offering 1');
    expect(line).toContain('*iOS*');
    expect(line).toContain('*$250.00* per slot per month');
    expect(line).toContain('`df-1-0f4c1a2b-8e1d-4c6f-9a44-1f2e3d4c5b6a`');
  });

  it('lists promotions with their ids', () => {
    const m = offeringsMessage({ devicefarm: df([dfOffering(1)], [promotion(1), promotion(2)]) });
    expect(sectionTexts(m)).toContain('*Device Farm promotions* · 2');
    expect(promoLines(m)).toEqual([
      '• Promotion 1: 20% off · `promo-1`',
      '• Promotion 2: 20% off · `promo-2`',
    ]);
  });

  it('leaves promotions out when there are none', () => {
    const m = offeringsMessage({ devicefarm: df([dfOffering(1)]) });
    expect(sectionTexts(m).join('\n')).not.toContain('promotions');
  });

  it('sorts by platform, then description', () => {
    const m = offeringsMessage({
      devicefarm: df([
        dfOffering(3, { platform: 'IOS' }),
        dfOffering(2),
        dfOffering(12),
        dfOffering(1, { platform: 'IOS' }),
      ]),
    });
    expect(dfLines(m).map((l) => /DF offering (\d+)/.exec(l)?.[1])).toEqual(['2', '12', '1', '3']);
  });

  it('escapes and truncates text from AWS', () => {
    const m = offeringsMessage({
      devicefarm: df([dfOffering(1, { description: `DF offering 1 <b>&${'q'.repeat(300)}` })]),
    });
    const line = lineFor(m, 'DF offering 1');
    expect(line).toContain('&lt;b&gt;&amp;');
    expect(line).toContain('q…');
    expect(line.length).toBeLessThan(250);
  });

  it('says so when nothing is offered', () => {
    const m = offeringsMessage({ devicefarm: df([]) });
    expect(sectionTexts(m).join('\n')).toContain('No Device Farm offerings available.');
  });
});

describe('offeringsMessage: MediaConnect', () => {
  it('shows bandwidth, duration, hourly price, est. monthly cost and the ARN in code format', () => {
    const m = offeringsMessage({ mediaconnect: ok([mcOffering(1, { durationMonths: 1 })]) });
    const line = lineFor(m, ':offering:mc-1');
    expect(line).toContain('*100 Mbps* for 1 month');
    expect(line).toContain('$0.0125 per Mbps per hour');
    expect(line).toContain('(est. $912.50/mo)');
    expect(line).toContain('`arn:aws:mediaconnect:us-east-1:111122223333:offering:mc-1`');
  });

  it('falls back to the description when bandwidth is unknown, and does not estimate', () => {
    const m = offeringsMessage({
      mediaconnect: ok([mcOffering(1, { bandwidthMbps: undefined })]),
    });
    const line = lineFor(m, ':offering:mc-1');
    expect(line).toContain('Offering 1 of outbound bandwidth for 12 months');
    expect(line).not.toContain('est.');
  });

  it('sorts by term, then bandwidth', () => {
    const m = offeringsMessage({
      mediaconnect: ok([
        mcOffering(1, { durationMonths: 12, bandwidthMbps: 50 }),
        mcOffering(2, { durationMonths: 1, bandwidthMbps: 200 }),
        mcOffering(3, { durationMonths: 1, bandwidthMbps: 100 }),
      ]),
    });
    expect(mcLines(m).map((l) => /:mc-(\d+)/.exec(l)?.[1])).toEqual(['3', '2', '1']);
  });

  it('says so when nothing is offered', () => {
    const m = offeringsMessage({ mediaconnect: ok([]) });
    expect(sectionTexts(m).join('\n')).toContain('No MediaConnect offerings available.');
  });
});

describe('offeringsMessage: both services', () => {
  it('has a header, an "as of" line when the time is known, and a divider between services', () => {
    const m = offeringsMessage({
      now: NOW,
      devicefarm: df([dfOffering(1)]),
      mediaconnect: ok([mcOffering(1)]),
    });
    expect(m.blocks[0]?.type).toBe('header');
    expect(contextTexts(m)).toContain('as of 22 Nov 2026, 10:00 UTC');
    expect(m.blocks.filter((b) => b.type === 'divider')).toHaveLength(1);
    expect(m.text).toBe('Device Farm: 1 offering. MediaConnect: 1 offering.');
  });

  it('still shows the other service when one failed, with a warning naming the failed one', () => {
    const m = offeringsMessage({
      devicefarm: failure('devicefarm', 'AWS is throttling requests; try again shortly.'),
      mediaconnect: ok([mcOffering(1)]),
    });
    expect(sectionTexts(m)).toContain(
      ':warning: *Device Farm* could not be read: AWS is throttling requests; try again shortly.',
    );
    expect(mcLines(m)).toHaveLength(1);
    expect(m.text).toContain('Device Farm could not be read.');
  });
});

describe('offeringsMessage within Slack limits', () => {
  const sizes = [0, 1, 50, 500];

  function note(m: SlackMessage, noun: string): { count: number; hint: string } | undefined {
    const pattern = new RegExp(`(?:…and )?(\\d+) (?:more )?${noun} not shown; (.*)$`);
    for (const t of contextTexts(m)) {
      const match = pattern.exec(t);
      if (match) return { count: Number(match[1]), hint: match[2] ?? '' };
    }
    return undefined;
  }

  function expectAccounted(
    m: SlackMessage,
    shown: number,
    noun: string,
    total: number,
    hint: string,
  ): void {
    const n = note(m, noun);
    expect(shown + (n?.count ?? 0), noun).toBe(total);
    if (total <= 1) expect(n).toBeUndefined();
    if (total === 500) {
      expect(n?.count).toBeGreaterThan(0);
      expect(n?.hint).toContain(hint);
    }
  }

  describe.each(sizes)('%i items per service', (n) => {
    it.each([
      ['devicefarm only', true, false],
      ['mediaconnect only', false, true],
      ['both', true, true],
    ])('%s', (_name, withDf, withMc) => {
      const report: OfferingsReport = {
        now: NOW,
        ...(withDf && {
          devicefarm: df(
            Array.from({ length: n }, (_, i) => dfOffering(i)),
            Array.from({ length: n }, (_, i) => promotion(i)),
          ),
        }),
        ...(withMc && { mediaconnect: ok(Array.from({ length: n }, (_, i) => mcOffering(i))) }),
      };
      const m = offeringsMessage(report);
      expect(limitViolations(m)).toEqual([]);
      expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      for (const t of sectionTexts(m)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
      expect(JSON.stringify(m).length).toBeLessThan(40_000);

      const both = withDf && withMc;
      if (withDf) {
        const hint = both ? '`/slots offerings devicefarm`' : 'console';
        expectAccounted(m, dfLines(m).length, 'Device Farm offerings', n, hint);
        expectAccounted(m, promoLines(m).length, 'Device Farm promotions', n, hint);
      }
      if (withMc) {
        const hint = both ? '`/slots offerings mediaconnect`' : 'console';
        expectAccounted(m, mcLines(m).length, 'MediaConnect offerings', n, hint);
      }
    });
  });
});
