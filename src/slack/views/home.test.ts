import { describe, expect, it } from 'vitest';
import type { SlotStatus } from '../../aws/types.js';
import { money, times } from '../../domain/money.js';
import { HOME_BLOCKS_MAX, homeView } from './home.js';

function slots(n: number): SlotStatus {
  const monthlyPrice = money('250');
  return {
    offering: {
      service: 'devicefarm',
      id: `o-${n}`,
      description: `DF offering ${n}`,
      platform: 'IOS',
      monthlyPrice,
    },
    currentQuantity: 2,
    nextPeriodQuantity: 2,
    nextPeriodEffectiveOn: new Date('2026-12-01T00:00:00Z'),
    currentMonthlyCost: times(monthlyPrice, 2),
    nextMonthlyCost: times(monthlyPrice, 2),
  };
}

describe('homeView', () => {
  it('shows the status, then how to use /slots, within the Home tab block limit', () => {
    const view = homeView({
      now: new Date('2026-11-22T10:00:00Z'),
      devicefarm: { ok: true, value: Array.from({ length: 500 }, (_, i) => slots(i)) },
      mediaconnect: { ok: true, value: [] },
    });
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCKS_MAX);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('DF offering 0');
    expect(text).toContain('/slots status [devicefarm|mediaconnect]');
    expect(text.indexOf('DF offering 0')).toBeLessThan(text.indexOf('/slots help'));
  });
});
