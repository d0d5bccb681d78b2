import { describe, expect, it } from 'vitest';
import { AwsError } from '../aws/errors.js';
import type { SlotStatus } from '../aws/types.js';
import type { PurchaseRequest, RequestAction } from '../domain/requests.js';
import { createLogger } from '../logger.js';
import type { CreateResult } from '../requests/service.js';
import type { NoticeRecord } from '../store/store.js';
import {
  createNoticeDecisions,
  keepQuantity,
  NOTICE_KEY,
  nextReservationName,
} from './decisions.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const RENEWAL_KEY = 'renewal:off-1:2026-12-01:7d';
const ENDING_KEY = 'reservation-ending:arn:res:2026-12-14:7d';

const notices: Record<string, Record<string, unknown>> = {
  [RENEWAL_KEY]: {
    kind: 'renewal_upcoming',
    key: RENEWAL_KEY,
    offeringId: 'off-1',
    offeringDescription: 'Android slot',
    effectiveOn: '2026-12-01T00:00:00.000Z',
    currentQuantity: 3,
    nextQuantity: 1,
  },
  [ENDING_KEY]: {
    kind: 'reservation_ending',
    key: ENDING_KEY,
    reservationName: 'live-events',
    offeringArn: 'arn:offering:20',
    end: '2026-12-14T12:00:00.000Z',
  },
};

interface Held {
  readonly current: number;
  readonly next: number;
  readonly effectiveOn?: Date;
}

/** The notice above said 3 held, 1 renewing; the fake AWS says what it is told to. */
function setup(
  opts: { held?: Held | 'none'; awsFails?: boolean; pending?: PurchaseRequest[]; now?: Date } = {},
) {
  const created: { actor: string; action: RequestAction; reason: string; origin?: unknown }[] = [];
  let reads = 0;
  const held = opts.held ?? { current: 3, next: 1 };
  const decisions = createNoticeDecisions({
    store: {
      getNotice: async (key) =>
        notices[key] ? ({ key, at: NOW, detail: notices[key] } satisfies NoticeRecord) : undefined,
    },
    requests: {
      pending: async () => opts.pending ?? [],
      create: async (...args: unknown[]): Promise<CreateResult> => {
        const [actor, action, reason, origin] = args as [string, RequestAction, string, unknown];
        created.push({ actor, action, reason, ...(origin !== undefined && { origin }) });
        return { ok: true, request: { id: 'R0000001', action } as PurchaseRequest };
      },
    },
    devicefarm: {
      getOfferingStatus: async () => {
        reads++;
        if (opts.awsFails) {
          throw new AwsError(
            'aws_unavailable',
            'devicefarm',
            'GetOfferingStatus',
            'AWS Device Farm is not answering (AWS: ServiceUnavailableException).',
            'rejected',
          );
        }
        const other = {
          offering: { id: 'off-2' },
          currentQuantity: 9,
          nextPeriodQuantity: 9,
        } as SlotStatus;
        if (held === 'none') return [other];
        return [
          other,
          {
            offering: { id: 'off-1' },
            currentQuantity: held.current,
            nextPeriodQuantity: held.next,
            nextPeriodEffectiveOn: held.effectiveOn ?? new Date('2026-12-01T00:00:00Z'),
          } as SlotStatus,
        ];
      },
    },
    clock: () => opts.now ?? NOW,
    logger: createLogger({ level: 'silent' }),
  });
  return { decisions, created, reads: () => reads };
}

describe('notice decisions', () => {
  it.each([
    ['keep', 3],
    ['lapse', 0],
  ] as const)(
    '%s creates a renew request for %i slots, with what AWS holds',
    async (choice, quantity) => {
      const { decisions, created } = setup();
      const origin = { triggerId: 'T1', responseUrl: 'https://hooks.example/1' };
      const result = await decisions.renew('U1', RENEWAL_KEY, choice, origin);
      expect(result.ok).toBe(true);
      expect(created).toEqual([
        {
          actor: 'U1',
          action: {
            service: 'devicefarm',
            kind: 'renew',
            offeringId: 'off-1',
            quantity,
            seen: { current: 3, nextPeriod: 1, at: NOW.toISOString() },
          },
          reason: expect.stringContaining('1 Dec 2026'),
          origin,
        },
      ]);
    },
  );

  it('keeps what the account holds at the click, not what the notice said', async () => {
    const { decisions, created } = setup({ held: { current: 7, next: 5 } });
    const result = await decisions.renew('U1', RENEWAL_KEY, 'keep');
    expect(result.ok).toBe(true);
    expect(created).toHaveLength(1);
    expect(created[0]!.action).toEqual({
      service: 'devicefarm',
      kind: 'renew',
      offeringId: 'off-1',
      quantity: 7,
      seen: { current: 7, nextPeriod: 5, at: NOW.toISOString() },
    });
    expect(created[0]!.reason).toContain('7 slot(s)');
  });

  it('keeps what renews when AWS says nothing is held now', async () => {
    // Nothing held and 2 renewing: Keep would set 2, which AWS already renews.
    const { decisions, created } = setup({ held: { current: 0, next: 2 } });
    expect(await decisions.renew('U1', RENEWAL_KEY, 'keep')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/2 slot\(s\) already renew/),
    });
    expect(created).toEqual([]);
  });

  it.each([
    ['an unknown key', { key: 'renewal:nope' }, /does not know/],
    ['a key that is not ours', { key: 'DROP TABLE notices' }, /does not know/],
    ['a reservation notice', { key: ENDING_KEY }, /does not know/],
    ['a renewal that has passed', { now: new Date('2026-12-01T00:00:00Z') }, /already happened/],
    ['what AWS already renews', { held: { current: 3, next: 3 } }, /3 slot\(s\) already renew/],
    [
      'what AWS already renews, though the notice said otherwise',
      { held: { current: 4, next: 4 } },
      /4 slot\(s\) already renew/,
    ],
    [
      'when AWS cannot be read',
      { awsFails: true },
      /Could not read from AWS.*ServiceUnavailableException/,
    ],
    ['an offering AWS no longer lists', { held: 'none' }, /no longer lists/],
    [
      'an offering with nothing held or renewing',
      { held: { current: 0, next: 0 } },
      /no longer lists/,
    ],
    [
      'a renewal AWS has already rolled past',
      { held: { current: 3, next: 1, effectiveOn: new Date('2027-01-01T00:00:00Z') } },
      /already happened/,
    ],
    [
      'an open renew request for the offering',
      {
        pending: [
          {
            id: 'R0000009',
            action: { service: 'devicefarm', kind: 'renew', offeringId: 'off-1', quantity: 2 },
          } as PurchaseRequest,
        ],
      },
      /R0000009/,
    ],
  ])('refuses %s and creates nothing', async (_what, over, message) => {
    const { key = RENEWAL_KEY, ...rest } = over as { key?: string };
    const { decisions, created } = setup(rest);
    const result = await decisions.renew('U1', key, 'keep');
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(message) });
    expect(created).toEqual([]);
  });

  it.each([
    ['AWS cannot be read', { awsFails: true }, /Could not read from AWS/],
    ['nothing renews already', { held: { current: 3, next: 0 } }, /Nothing renews on 1 Dec 2026/],
  ])('refuses Let lapse when %s, and creates nothing', async (_what, over, message) => {
    const { decisions, created } = setup(over);
    expect(await decisions.renew('U1', RENEWAL_KEY, 'lapse')).toMatchObject({
      ok: false,
      message: expect.stringMatching(message),
    });
    expect(created).toEqual([]);
  });

  it('does not read AWS for a key it does not know', async () => {
    const { decisions, reads } = setup();
    await decisions.renew('U1', 'renewal:nope', 'keep');
    expect(reads()).toBe(0);
  });

  it('pre-fills the renew form with what renews now, per AWS', async () => {
    const { decisions } = setup({ held: { current: 6, next: 4 } });
    expect(await decisions.prefill(RENEWAL_KEY)).toMatchObject({
      ok: true,
      prefill: {
        kind: 'renew',
        service: 'devicefarm',
        offeringId: 'off-1',
        quantity: 4,
        note: expect.stringMatching(/6 slot\(s\) held, 4 renew on 1 Dec 2026/),
      },
    });
  });

  it.each([
    ['AWS cannot be read', { awsFails: true }, /Could not read from AWS/],
    ['AWS no longer lists the offering', { held: 'none' as const }, /no longer lists/],
  ])('refuses the pre-filled form when %s', async (_what, over, message) => {
    const { decisions } = setup(over);
    expect(await decisions.prefill(RENEWAL_KEY)).toMatchObject({
      ok: false,
      message: expect.stringMatching(message),
    });
  });

  it('pre-fills a MediaConnect purchase from a reservation notice, saying it must end first', async () => {
    const { decisions } = setup();
    const result = await decisions.prefill(ENDING_KEY);
    expect(result).toMatchObject({
      ok: true,
      prefill: {
        kind: 'purchase',
        service: 'mediaconnect',
        offeringId: 'arn:offering:20',
        reservationName: 'live-events-2',
        note: expect.stringMatching(/only when none is active/),
      },
    });
  });

  it('keeps what is held, or what renews when nothing is held', () => {
    expect(keepQuantity({ currentQuantity: 3, nextQuantity: 1 })).toBe(3);
    expect(keepQuantity({ currentQuantity: 0, nextQuantity: 2 })).toBe(2);
  });

  it.each([
    ['live-events', 'live-events-2'],
    ['live-events-2', 'live-events-3'],
    ['q3.bandwidth-9', 'q3.bandwidth-10'],
    ['x'.repeat(128), `${'x'.repeat(126)}-2`],
  ])('names the next reservation after %s', (name, next) => {
    expect(nextReservationName(name)).toBe(next);
  });

  it('accepts only keys of its own shape', () => {
    expect(NOTICE_KEY.test(RENEWAL_KEY)).toBe(true);
    expect(NOTICE_KEY.test('renewal:a b')).toBe(false);
    expect(NOTICE_KEY.test(`renewal:${'x'.repeat(401)}`)).toBe(false);
  });
});
