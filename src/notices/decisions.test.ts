import { describe, expect, it } from 'vitest';
import type { SlotStatus } from '../aws/types.js';
import { createLogger } from '../logger.js';
import type { CreateResult } from '../requests/service.js';
import type { PurchaseRequest, RequestAction } from '../requests/types.js';
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

function setup(opts: { renewing?: number; pending?: PurchaseRequest[]; now?: Date } = {}) {
  const created: { actor: string; action: RequestAction; reason: string }[] = [];
  const decisions = createNoticeDecisions({
    store: {
      getNotice: async (key) =>
        notices[key] ? ({ key, at: NOW, detail: notices[key] } satisfies NoticeRecord) : undefined,
    },
    requests: {
      pending: async () => opts.pending ?? [],
      create: async (actor, action, reason): Promise<CreateResult> => {
        created.push({ actor, action, reason });
        return { ok: true, request: { id: 'R0000001', action } as PurchaseRequest };
      },
    },
    devicefarm: {
      getOfferingStatus: async () =>
        [{ offering: { id: 'off-1' }, nextPeriodQuantity: opts.renewing ?? 1 }] as SlotStatus[],
    },
    clock: () => opts.now ?? NOW,
    logger: createLogger({ level: 'silent' }),
  });
  return { decisions, created };
}

describe('notice decisions', () => {
  it.each([
    ['keep', 3],
    ['lapse', 0],
  ] as const)(
    '%s creates a renew request for %i slots from the stored notice',
    async (choice, quantity) => {
      const { decisions, created } = setup();
      const result = await decisions.renew('U1', RENEWAL_KEY, choice);
      expect(result.ok).toBe(true);
      expect(created).toEqual([
        {
          actor: 'U1',
          action: { service: 'devicefarm', kind: 'renew', offeringId: 'off-1', quantity },
          reason: expect.stringContaining('1 Dec 2026'),
        },
      ]);
    },
  );

  it.each([
    ['an unknown key', { key: 'renewal:nope' }, /does not know/],
    ['a key that is not ours', { key: 'DROP TABLE notices' }, /does not know/],
    ['a reservation notice', { key: ENDING_KEY }, /does not know/],
    ['a renewal that has passed', { now: new Date('2026-12-01T00:00:00Z') }, /already happened/],
    ['what AWS already renews', { renewing: 3 }, /already renew/],
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

  it('pre-fills the renew form from a renewal notice', async () => {
    const { decisions } = setup();
    expect(await decisions.prefill(RENEWAL_KEY)).toMatchObject({
      ok: true,
      prefill: { kind: 'renew', service: 'devicefarm', offeringId: 'off-1', quantity: 1 },
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
