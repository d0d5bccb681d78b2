import { describe, expect, it } from 'vitest';
import { notSentError } from '../aws/error-mapping.js';
import { createSharedRead } from './shared-read.js';

/** A read whose answers the test hands out one at a time. */
function controlledRead() {
  const pending: { resolve: (v: number) => void; reject: (e: unknown) => void }[] = [];
  let calls = 0;
  const read = () => {
    calls++;
    return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return {
    read,
    calls: () => calls,
    answer: (v: number) => pending.shift()!.resolve(v),
    fail: (e: unknown) => pending.shift()!.reject(e),
  };
}

function fakeClock(start = 1_000_000) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('createSharedRead', () => {
  it('lets concurrent callers share one read (single flight)', async () => {
    const aws = controlledRead();
    const { clock } = fakeClock();
    const shared = createSharedRead(aws.read, clock, 10_000);
    const all = Promise.all([shared.get(), shared.get(), shared.get()]);
    aws.answer(7);
    const snapshots = await all;
    expect(aws.calls()).toBe(1);
    expect(new Set(snapshots).size).toBe(1);
    expect(snapshots[0]!.outcome).toEqual({ ok: true, value: 7 });
  });

  it('reuses a read until it is older than the max age, saying when it was read', async () => {
    const aws = controlledRead();
    const t = fakeClock();
    const shared = createSharedRead(aws.read, t.clock, 10_000);
    const first = shared.get();
    aws.answer(1);
    const a = await first;
    t.advance(10_000);
    expect(await shared.get()).toBe(a);
    expect(aws.calls()).toBe(1);
    t.advance(1);
    const again = shared.get();
    aws.answer(2);
    const b = await again;
    expect(aws.calls()).toBe(2);
    expect(b.outcome).toEqual({ ok: true, value: 2 });
    expect(b.readAt.getTime()).toBe(a.readAt.getTime() + 10_001);
  });

  it('with max age 0 still shares a read under way, but never reuses a finished one', async () => {
    const aws = controlledRead();
    const shared = createSharedRead(aws.read, fakeClock().clock, 0);
    const both = Promise.all([shared.get(), shared.get()]);
    aws.answer(1);
    await both;
    const next = shared.get();
    aws.answer(2);
    expect((await next).outcome).toEqual({ ok: true, value: 2 });
    expect(aws.calls()).toBe(2);
  });

  it('fresh never reuses nor joins an older read, and later callers join the fresh one', async () => {
    const aws = controlledRead();
    const shared = createSharedRead(aws.read, fakeClock().clock, 10_000);
    const old = shared.get();
    const fresh = shared.get({ fresh: true });
    const follower = shared.get();
    expect(aws.calls()).toBe(2);
    aws.answer(1);
    aws.answer(2);
    expect((await old).outcome).toEqual({ ok: true, value: 1 });
    expect((await fresh).outcome).toEqual({ ok: true, value: 2 });
    expect(await follower).toBe(await fresh);
    // What is kept is the newer read.
    expect((await shared.get()).outcome).toEqual({ ok: true, value: 2 });
    expect(aws.calls()).toBe(2);
  });

  it('after invalidate, nothing read before is handed out, not even a read still under way', async () => {
    const aws = controlledRead();
    const shared = createSharedRead(aws.read, fakeClock().clock, 10_000);
    const before = shared.get();
    shared.invalidate(); // a purchase ended while the read was under way
    const after = shared.get();
    expect(aws.calls()).toBe(2);
    aws.answer(1);
    aws.answer(2);
    expect((await before).outcome).toEqual({ ok: true, value: 1 });
    expect((await after).outcome).toEqual({ ok: true, value: 2 });
    expect((await shared.get()).outcome).toEqual({ ok: true, value: 2 });
    expect(aws.calls()).toBe(2);
  });

  it('shares a failure only with the callers of its read; the next caller reads again', async () => {
    const aws = controlledRead();
    const shared = createSharedRead(aws.read, fakeClock().clock, 10_000);
    const both = Promise.all([shared.get(), shared.get()]);
    aws.fail(notSentError('devicefarm', 'GetOfferingStatus', 'aws_unavailable', 'down'));
    const [a, b] = await both;
    expect(a.outcome.ok).toBe(false);
    expect(b).toBe(a);
    const next = shared.get();
    aws.answer(3);
    expect((await next).outcome).toEqual({ ok: true, value: 3 });
    expect(aws.calls()).toBe(2);
  });

  it('does not trust a kept read when the clock stepped back', async () => {
    const aws = controlledRead();
    const t = fakeClock();
    const shared = createSharedRead(aws.read, t.clock, 10_000);
    const first = shared.get();
    aws.answer(1);
    await first;
    t.advance(-5_000);
    const next = shared.get();
    aws.answer(2);
    expect((await next).outcome).toEqual({ ok: true, value: 2 });
  });
});
