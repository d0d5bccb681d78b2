import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('InFlight', () => {
  it('waits for tracked work, including work tracked while draining', async () => {
    const inFlight = new InFlight();
    const done: string[] = [];
    void inFlight.track(
      later(20, 'a').then((v) => {
        done.push(v);
        void inFlight.track(later(20, 'b').then((w) => void done.push(w)));
      }),
    );
    expect(await inFlight.drain(1_000)).toBe(true);
    expect(done).toEqual(['a', 'b']);
    expect(inFlight.size).toBe(0);
  });

  it('gives up after the timeout and says so', async () => {
    const inFlight = new InFlight();
    void inFlight.track(later(500, 'slow'));
    expect(await inFlight.drain(20)).toBe(false);
    expect(inFlight.size).toBe(1);
  });

  it('counts failed work as finished and passes results through', async () => {
    const inFlight = new InFlight();
    await expect(inFlight.track(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await inFlight.track(later(1, 42))).toBe(42);
    expect(await inFlight.drain(100)).toBe(true);
  });
});
