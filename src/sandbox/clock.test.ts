import { describe, expect, it } from 'vitest';
import { createSandboxClock } from './clock.js';

describe('createSandboxClock', () => {
  it('is real time plus the offset', () => {
    let real = Date.UTC(2026, 0, 10);
    const clock = createSandboxClock(5_000, () => real);
    expect(clock().getTime()).toBe(real + 5_000);
    real += 1_000;
    expect(clock().getTime()).toBe(real + 5_000);
    expect(clock.offsetMs).toBe(5_000);
  });

  it('starts at real time by default', () => {
    const clock = createSandboxClock();
    expect(clock.offsetMs).toBe(0);
    expect(Math.abs(clock().getTime() - Date.now())).toBeLessThan(1_000);
  });

  it('jumps forward to a later time and keeps running from there', () => {
    let real = Date.UTC(2026, 0, 10);
    const clock = createSandboxClock(0, () => real);
    const target = new Date(Date.UTC(2026, 1, 1, 0, 0, 1));
    clock.jumpTo(target);
    expect(clock().toISOString()).toBe(target.toISOString());
    expect(clock.offsetMs).toBe(target.getTime() - real);
    real += 60_000;
    expect(clock().getTime()).toBe(target.getTime() + 60_000);
  });

  it.each([
    ['a time already passed', (now: number) => new Date(now - 86_400_000)],
    ['now itself', (now: number) => new Date(now)],
    ['an invalid date', () => new Date(Number.NaN)],
  ])('ignores a jump to %s', (_name, at) => {
    const real = Date.UTC(2026, 0, 10);
    const clock = createSandboxClock(10_000, () => real);
    clock.jumpTo(at(real + 10_000));
    expect(clock.offsetMs).toBe(10_000);
  });

  it('never starts behind real time, even from a bad saved offset', () => {
    expect(createSandboxClock(-5_000).offsetMs).toBe(0);
    expect(createSandboxClock(Number.NaN).offsetMs).toBe(0);
  });
});
