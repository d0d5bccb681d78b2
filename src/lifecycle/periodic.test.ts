import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, startPeriodic } from './periodic.js';

const DAY = 86_400_000;
const silent = { error: () => {} };

function counting() {
  let runs = 0;
  return {
    task: async () => {
      runs += 1;
    },
    runs: () => runs,
  };
}

describe('startPeriodic', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not poll continuously with a 30-day interval (real timers)', async () => {
    const { task, runs } = counting();
    const periodic = startPeriodic('test', 30 * DAY, task, silent);
    // A bare setInterval(…, 30 days) overflows and fires every millisecond: hundreds of runs here.
    await new Promise((r) => setTimeout(r, 200));
    await periodic.stop();
    expect(runs()).toBe(0);
  });

  it('runs a 30-day task once at 30 days, then again 30 days later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { task, runs } = counting();
    const periodic = startPeriodic('test', 30 * DAY, task, silent);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1);
    expect(runs()).toBe(0);
    await vi.advanceTimersByTimeAsync(30 * DAY - MAX_TIMER_MS - 2);
    expect(runs()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs()).toBe(1);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(runs()).toBe(2);
    // Never more than one timer waiting.
    expect(vi.getTimerCount()).toBe(1);
    await periodic.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs a short interval on its beat, never two runs at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let concurrent = 0;
    let most = 0;
    let runs = 0;
    const periodic = startPeriodic(
      'test',
      100,
      async () => {
        runs += 1;
        concurrent += 1;
        most = Math.max(most, concurrent);
        await new Promise((r) => setTimeout(r, 250));
        concurrent -= 1;
      },
      silent,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(most).toBe(1);
    // Due at 100, 400, 700, 1000 ms: the beats that fall inside a run join it.
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(4);
    const stopping = periodic.stop();
    await vi.advanceTimersByTimeAsync(250);
    await stopping;
  });

  it('logs a failing run and keeps going', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const errors: unknown[] = [];
    let runs = 0;
    const periodic = startPeriodic(
      'test',
      1_000,
      async () => {
        runs += 1;
        throw new Error('boom');
      },
      { error: (obj: unknown) => void errors.push(obj) },
    );
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(3);
    expect(errors).toHaveLength(3);
    await periodic.stop();
  });

  it('stop() waits for the run under way and no run starts after it', async () => {
    let release!: () => void;
    let runs = 0;
    const periodic = startPeriodic(
      'test',
      DAY,
      () => {
        runs += 1;
        return new Promise<void>((r) => {
          release = r;
        });
      },
      silent,
    );
    const run = periodic.runNow();
    let stopped = false;
    const stopping = periodic.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await Promise.all([run, stopping]);
    expect(stopped).toBe(true);
    expect(runs).toBe(1);
  });
});
