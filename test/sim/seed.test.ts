import { describe, expect, it } from 'vitest';
import { parseSeconds } from '../../src/sim/clock.js';
import { defaultSeed, largeSeed, SEED_IDS } from '../../src/sim/index.js';
import { isActiveReservation } from '../../src/sim/media-connect.js';
import { NOW } from './clients.js';

describe('defaultSeed', () => {
  const seed = defaultSeed(NOW);

  it('has Android and iOS offerings at 250 USD a month with long ids', () => {
    const { offerings } = seed.deviceFarm;
    expect(new Set(offerings.map((o) => o.platform))).toEqual(new Set(['ANDROID', 'IOS']));
    for (const o of offerings) {
      expect(o.id.length).toBeGreaterThanOrEqual(32);
      expect(o.recurringCharges[0]?.cost).toEqual({ amount: 250, currencyCode: 'USD' });
    }
  });

  it('has slots only for known offerings, and no transaction in the future', () => {
    const ids = new Set(seed.deviceFarm.offerings.map((o) => o.id));
    for (const id of Object.keys(seed.deviceFarm.slots)) expect(ids.has(id)).toBe(true);
    for (const t of seed.deviceFarm.transactions) {
      expect(t.createdOn.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(t.transactionId.length).toBeGreaterThanOrEqual(32);
    }
    expect(seed.deviceFarm.promotions.filter((p) => !p.used)).toHaveLength(2);
  });

  it('has three MediaConnect offerings and one active reservation ending in 20 days', () => {
    expect(seed.mediaConnect.offerings.map((o) => o.resourceSpecification.reservedBitrate)).toEqual(
      [10, 20, 50],
    );
    const active = seed.mediaConnect.reservations.filter((r) => isActiveReservation(r, NOW));
    expect(active.map((r) => r.reservationArn)).toEqual([SEED_IDS.activeReservation]);
    const end = parseSeconds(active[0]!.end)!;
    expect((end.getTime() - NOW.getTime()) / 86_400_000).toBe(20);
    const expired = seed.mediaConnect.reservations.find((r) => r.reservationState === 'EXPIRED')!;
    expect(parseSeconds(expired.end)!.getTime()).toBeLessThan(NOW.getTime());
  });

  it('is the same for the same clock', () => {
    expect(defaultSeed(NOW)).toEqual(seed);
  });
});

describe('largeSeed', () => {
  it('makes `count` of everything, with unique ids', () => {
    const seed = largeSeed(NOW, 500);
    expect(seed.deviceFarm.offerings).toHaveLength(500);
    expect(Object.keys(seed.deviceFarm.slots)).toHaveLength(500);
    expect(Object.values(seed.deviceFarm.slots).every((s) => s.current > 0)).toBe(true);
    expect(seed.mediaConnect.offerings).toHaveLength(500);
    expect(seed.mediaConnect.reservations).toHaveLength(500);
    expect(new Set(seed.deviceFarm.offerings.map((o) => o.id)).size).toBe(500);
    expect(new Set(seed.mediaConnect.reservations.map((r) => r.reservationArn)).size).toBe(500);
    for (const o of seed.deviceFarm.offerings) expect(o.id.length).toBeGreaterThanOrEqual(32);
  });
});
