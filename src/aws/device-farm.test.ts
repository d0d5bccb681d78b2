import { DeviceFarmClient, type OfferingStatus } from '@aws-sdk/client-device-farm';
import { describe, expect, it, vi } from 'vitest';
import { money, zero } from '../domain/money.js';
import { createDeviceFarmOfferings, mergeOfferingStatus } from './device-farm.js';
import { AwsError } from './errors.js';

const ID_A = 'A'.repeat(32);
const ID_B = 'B'.repeat(32);
const ID_C = 'C'.repeat(32);

const offering = (id: string, amount: number) => ({
  id,
  description: `slot ${id.slice(0, 1)}`,
  type: 'RECURRING' as const,
  platform: 'ANDROID' as const,
  recurringCharges: [
    { cost: { amount, currencyCode: 'USD' as const }, frequency: 'MONTHLY' as const },
  ],
});

describe('mergeOfferingStatus', () => {
  it('merges current and nextPeriod across pages, one status per offering id', () => {
    const next = new Date('2026-01-01T00:00:00Z');
    const statuses = mergeOfferingStatus([
      { current: { [ID_A]: { type: 'PURCHASE', offering: offering(ID_A, 250), quantity: 2 } } },
      {
        current: { [ID_B]: { type: 'PURCHASE', offering: offering(ID_B, 100), quantity: 1 } },
        nextPeriod: {
          [ID_A]: { type: 'RENEW', offering: offering(ID_A, 250), quantity: 3, effectiveOn: next },
        },
      },
      {
        nextPeriod: {
          [ID_C]: { type: 'RENEW', offering: offering(ID_C, 0.1), quantity: 3, effectiveOn: next },
        },
      },
    ]);
    expect(statuses.map((s) => s.offering.id)).toEqual([ID_A, ID_B, ID_C]);
    const [a, b, c] = statuses;
    expect(a).toMatchObject({
      currentQuantity: 2,
      nextPeriodQuantity: 3,
      nextPeriodEffectiveOn: next,
    });
    expect(a?.currentMonthlyCost).toEqual(money('500'));
    expect(a?.nextMonthlyCost).toEqual(money('750'));
    expect(b).toMatchObject({
      currentQuantity: 1,
      nextPeriodQuantity: 0,
      nextPeriodEffectiveOn: undefined,
    });
    expect(b?.nextMonthlyCost).toEqual(zero());
    // Offering info only in nextPeriod; 0.1 × 3 stays exact.
    expect(c?.offering.description).toBe('slot C');
    expect(c?.currentQuantity).toBe(0);
    expect(c?.nextMonthlyCost).toEqual(money('0.3'));
  });

  it('neutralises missing or garbage fields instead of crashing', () => {
    const garbage = [
      {
        current: {
          [ID_A]: {} as OfferingStatus,
          [ID_B]: {
            quantity: -3,
            offering: { recurringCharges: [{ frequency: 'MONTHLY' as const }] },
          },
          [ID_C]: {
            quantity: 1.5,
            offering: {
              id: ID_C,
              recurringCharges: [{ cost: { amount: Number.NaN }, frequency: 'MONTHLY' as const }],
            },
          },
        },
        nextPeriod: { [ID_A]: null as unknown as OfferingStatus },
      },
      {},
    ];
    const statuses = mergeOfferingStatus(garbage);
    expect(statuses).toHaveLength(3);
    for (const s of statuses) {
      expect(s.currentQuantity).toBe(0);
      expect(s.nextPeriodQuantity).toBe(0);
      expect(s.currentMonthlyCost).toEqual(zero());
      expect(s.offering.platform).toBe('UNKNOWN');
    }
    expect(statuses[0]?.offering.id).toBe(ID_A);
  });

  it('ignores non-monthly charges and prices in the stated currency', () => {
    const [s] = mergeOfferingStatus([
      {
        current: {
          [ID_A]: {
            quantity: 2,
            offering: {
              id: ID_A,
              recurringCharges: [
                { cost: { amount: 1, currencyCode: 'USD' }, frequency: 'WEEKLY' as 'MONTHLY' },
                { cost: { amount: 8.07, currencyCode: 'USD' }, frequency: 'MONTHLY' },
              ],
            },
          },
        },
      },
    ]);
    expect(s?.offering.monthlyPrice).toEqual(money('8.07'));
    expect(s?.currentMonthlyCost).toEqual(money('16.14'));
  });
});

describe('createDeviceFarmOfferings over a stubbed client', () => {
  function stubbed(answer: (command: { input: { nextToken?: string } }) => unknown) {
    const client = new DeviceFarmClient({
      region: 'us-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const send = vi
      .spyOn(client, 'send')
      .mockImplementation((async (command: unknown) =>
        answer(command as { input: { nextToken?: string } })) as never);
    const warn = vi.fn();
    return {
      offerings: createDeviceFarmOfferings({ client, writeClient: client, logger: { warn } }),
      send,
      warn,
    };
  }

  it('stops listing promotions when a token repeats, and says so', async () => {
    const { offerings, send, warn } = stubbed(({ input }) => ({
      offeringPromotions: [{ id: `promo-${input.nextToken ?? 'first'}`, description: 'd' }],
      // first → A → B → A again
      nextToken: input.nextToken === 'A' ? 'B' : 'A',
    }));
    const promotions = await offerings.listPromotions();
    expect(promotions.map((p) => p.id)).toEqual(['promo-first', 'promo-A', 'promo-B']);
    expect(send).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledOnce();
  });

  it('stops an SDK paginator when a token repeats', async () => {
    const { offerings, send } = stubbed(() => ({
      offerings: [offering(ID_A, 250)],
      nextToken: 'same-token',
    }));
    await expect(offerings.listOfferings()).resolves.toHaveLength(2);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('skips offerings without an id, promotions without an id and unusable transactions', async () => {
    const { offerings } = stubbed(() => ({
      offerings: [null, {}, { id: ID_B }, offering(ID_A, 250)],
      offeringPromotions: [{ description: 'no id' }, { id: 'promo' }],
      offeringTransactions: [
        { transactionId: 'no-date' },
        { createdOn: new Date(1) },
        { transactionId: 'old', createdOn: new Date(1_000) },
        {
          transactionId: 'new',
          createdOn: new Date(2_000),
          cost: { amount: 8.07, currencyCode: 'USD' },
          offeringStatus: { type: 'PURCHASE', quantity: 1, offering: offering(ID_A, 250) },
          offeringPromotionId: 'promo',
        },
      ],
    }));
    const list = await offerings.listOfferings();
    expect(list.map((o) => [o.id, o.platform, o.monthlyPrice])).toEqual([
      [ID_B, 'UNKNOWN', zero()],
      [ID_A, 'ANDROID', money('250')],
    ]);
    expect(await offerings.listPromotions()).toEqual([{ id: 'promo', description: '' }]);
    const transactions = await offerings.listTransactions();
    expect(transactions.map((t) => t.id)).toEqual(['new', 'old']);
    expect(transactions[0]).toMatchObject({
      offeringId: ID_A,
      type: 'PURCHASE',
      quantity: 1,
      cost: money('8.07'),
      promotionId: 'promo',
    });
    expect(transactions[1]).toMatchObject({
      offeringId: '',
      type: 'UNKNOWN',
      quantity: 0,
      cost: zero(),
      effectiveOn: undefined,
    });
  });

  it('lets only AwsError escape', async () => {
    const { offerings } = stubbed(() => {
      throw new TypeError('boom');
    });
    await expect(offerings.getOfferingStatus()).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_unknown',
      operation: 'GetOfferingStatus',
    });
  });
});

describe('Device Farm purchases and reconciliation over a stubbed client', () => {
  function stubbed(
    answer: (command: { input: Record<string, unknown> }) => unknown,
    maxAttempts = 1,
  ) {
    const make = (attempts: number) =>
      new DeviceFarmClient({
        region: 'us-west-2',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        maxAttempts: attempts,
      });
    const client = make(3);
    const writeClient = make(maxAttempts);
    const impl = (async (command: unknown) =>
      answer(command as { input: Record<string, unknown> })) as never;
    const send = vi.spyOn(client, 'send').mockImplementation(impl);
    const write = vi.spyOn(writeClient, 'send').mockImplementation(impl);
    return { offerings: createDeviceFarmOfferings({ client, writeClient }), send, write };
  }

  const status = { type: 'PURCHASE' as const, quantity: 2, offering: offering(ID_A, 250) };

  it.each([
    ['a short offering id', { offeringId: 'short', quantity: 1 }],
    ['quantity 0', { offeringId: ID_A, quantity: 0 }],
    ['a fractional quantity', { offeringId: ID_A, quantity: 1.5 }],
    ['NaN', { offeringId: ID_A, quantity: Number.NaN }],
    ['a quantity past Integer', { offeringId: ID_A, quantity: 2 ** 31 }],
    ['a short promotion id', { offeringId: ID_A, quantity: 1, promotionId: 'abc' }],
  ])('refuses to send a purchase with %s (rejected)', async (_, input) => {
    const { offerings, write } = stubbed(() => ({}));
    await expect(offerings.purchase(input)).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_invalid_argument',
      outcome: 'rejected',
      operation: 'PurchaseOffering',
    });
    expect(write).not.toHaveBeenCalled();
  });

  it('refuses to send a renewal below 0, accepts 0', async () => {
    const { offerings, write } = stubbed(() => ({
      offeringTransaction: {
        transactionId: 'T'.repeat(32),
        createdOn: new Date(5_000),
        offeringStatus: { ...status, type: 'RENEW', quantity: 0 },
      },
    }));
    await expect(offerings.renew({ offeringId: ID_A, quantity: -1 })).rejects.toMatchObject({
      code: 'aws_invalid_argument',
      outcome: 'rejected',
    });
    expect(write).not.toHaveBeenCalled();
    await expect(offerings.renew({ offeringId: ID_A, quantity: 0 })).resolves.toMatchObject({
      type: 'RENEW',
      quantity: 0,
    });
    expect(write).toHaveBeenCalledOnce();
  });

  it('refuses to buy through a client that would retry, before sending', async () => {
    const { offerings, write, send } = stubbed(() => ({}), 3);
    const err = await offerings
      .purchase({ offeringId: ID_A, quantity: 1 })
      .catch((e: unknown) => e as AwsError);
    expect(err).toBeInstanceOf(AwsError);
    expect(err).toMatchObject({ outcome: 'rejected', code: 'aws_unknown' });
    expect((err as AwsError).userMessage).toMatch(/did not send/);
    expect(write).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
  });

  it('an answer without a transaction id is unknown: AWS may have bought', async () => {
    for (const answer of [{}, { offeringTransaction: { createdOn: new Date() } }]) {
      const { offerings } = stubbed(() => answer);
      await expect(offerings.purchase({ offeringId: ID_A, quantity: 1 })).rejects.toMatchObject({
        code: 'aws_unknown',
        outcome: 'unknown',
        operation: 'PurchaseOffering',
      });
      await expect(offerings.renew({ offeringId: ID_A, quantity: 1 })).rejects.toMatchObject({
        outcome: 'unknown',
        operation: 'RenewOffering',
      });
    }
  });

  it('fills what a sparse answer left out from what was asked', async () => {
    const { offerings, write } = stubbed(() => ({
      offeringTransaction: { transactionId: 'T'.repeat(32) },
    }));
    const tx = await offerings.purchase({ offeringId: ID_A, quantity: 3, promotionId: 'promo' });
    expect(tx).toMatchObject({
      id: 'T'.repeat(32),
      offeringId: ID_A,
      type: 'PURCHASE',
      quantity: 3,
      promotionId: undefined,
    });
    expect(tx.createdOn).toBeInstanceOf(Date);
    const command = write.mock.calls[0]?.[0] as unknown as { input: Record<string, unknown> };
    expect(command.input).toEqual({ offeringId: ID_A, quantity: 3, offeringPromotionId: 'promo' });
  });

  describe('findTransactions', () => {
    const from = new Date(10_000_000);
    const to = new Date(10_100_000);
    const query = { offeringId: ID_A, type: 'PURCHASE' as const, from, to };
    const tx = (
      ms: number | undefined,
      id: string | undefined,
      over: { type?: string; quantity?: number; offering?: ReturnType<typeof offering> } = {},
    ) => ({
      ...(id === undefined ? {} : { transactionId: id }),
      ...(ms === undefined ? {} : { createdOn: new Date(ms) }),
      offeringStatus: { ...status, ...over },
    });
    /** Pages keyed by the nextToken that asks for them ('' is the first). */
    const paged = (pages: Record<string, { rows: unknown[]; next?: string }>) => {
      // Noted as each call is sent: the SDK's paginator reuses one input object.
      const tokens: unknown[] = [];
      const stub = stubbed((command) => {
        tokens.push(command.input.nextToken);
        const page = pages[String(command.input.nextToken ?? '')];
        if (!page) throw new Error(`page ${String(command.input.nextToken)} was not expected`);
        return { offeringTransactions: page.rows, nextToken: page.next };
      });
      return { ...stub, tokens };
    };

    it('will not call a purchase unmade when a match cannot be read', async () => {
      for (const unreadable of [tx(10_050_000, undefined), tx(undefined, 'no-date')]) {
        const { offerings } = paged({ '': { rows: [unreadable] } });
        await expect(offerings.findTransactions(query)).rejects.toMatchObject({
          name: 'AwsError',
          code: 'aws_unknown',
          outcome: 'unknown',
          operation: 'ListOfferingTransactions',
          detail: { awsMessage: expect.stringMatching(/transaction id or date/) },
        });
      }
    });

    it('does not fail over unreadable entries that are not matches', async () => {
      const { offerings } = paged({
        '': {
          rows: [
            tx(10_050_000, undefined, { offering: offering(ID_B, 250) }),
            tx(10_050_000, undefined, { type: 'RENEW' }),
            tx(10_200_000, undefined),
            tx(10_040_000, 'readable'),
            tx(9_000_000, undefined),
          ],
        },
      });
      expect((await offerings.findTransactions(query)).map((t) => t.id)).toEqual(['readable']);
    });

    it('returns every match inside [from, to], any quantity, newest first', async () => {
      const { offerings } = paged({
        '': {
          rows: [
            tx(to.getTime() + 1, 'after-to'),
            tx(to.getTime(), 'at-to', { quantity: 5 }),
            tx(10_060_000, 'other-offering', { offering: offering(ID_B, 250) }),
            tx(10_050_000, 'renew', { type: 'RENEW' }),
            tx(10_050_000, 'system', { type: 'SYSTEM' }),
            tx(10_040_000, 'quantity-2'),
            tx(from.getTime(), 'at-from', { quantity: 1 }),
            tx(from.getTime() - 1, 'before-from'),
          ],
        },
      });
      const found = await offerings.findTransactions(query);
      expect(found.map((t) => [t.id, t.quantity])).toEqual([
        ['at-to', 5],
        ['quantity-2', 2],
        ['at-from', 1],
      ]);
      expect(found.every((t) => t.offeringId === ID_A && t.type === 'PURCHASE')).toBe(true);
    });

    it('finds RENEW transactions when asked for RENEW', async () => {
      const { offerings } = paged({
        '': {
          rows: [tx(10_050_000, 'renew', { type: 'RENEW', quantity: 0 }), tx(10_040_000, 'buy')],
        },
      });
      const found = await offerings.findTransactions({ ...query, type: 'RENEW' });
      expect(found.map((t) => [t.id, t.type, t.quantity])).toEqual([['renew', 'RENEW', 0]]);
    });

    it('pages while the window lasts and stops at the first page reaching older ones', async () => {
      const { offerings, tokens } = paged({
        '': { rows: [tx(10_200_000, 'newer'), tx(10_090_000, 'page-1')], next: 'p2' },
        p2: { rows: [tx(10_080_000, 'page-2')], next: 'p3' },
        // Read to its end though it reaches older ones: entries of equal age may come loosely.
        p3: {
          rows: [tx(10_070_000, 'page-3'), tx(9_000_000, 'old'), tx(10_000_000, 'loose')],
          next: 'p4',
        },
        p4: { rows: [tx(10_060_000, 'never-read')] },
      });
      const found = await offerings.findTransactions(query);
      expect(found.map((t) => t.id)).toEqual(['page-1', 'page-2', 'page-3', 'loose']);
      expect(tokens).toEqual([undefined, 'p2', 'p3']);
    });

    it('is empty when nothing is inside the window, after one page', async () => {
      const { offerings, send } = paged({
        '': { rows: [tx(10_200_000, 'newer'), tx(9_000_000, 'older')], next: 'p2' },
      });
      await expect(offerings.findTransactions(query)).resolves.toEqual([]);
      expect(send).toHaveBeenCalledOnce();
    });

    it('refuses a window of invalid dates without asking AWS', async () => {
      const { offerings, send } = paged({});
      // A programming error, yet it leaves as an AwsError: the caller sees a failed lookup,
      // which never counts as AWS answering "nothing there".
      await expect(
        offerings.findTransactions({ ...query, from: new Date(Number.NaN) }),
      ).rejects.toBeInstanceOf(AwsError);
      expect(send).not.toHaveBeenCalled();
    });
  });
});
