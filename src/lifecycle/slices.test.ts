import { describe, expect, it } from 'vitest';
import { mapInSlices, mapSteps, runAtOnce, runInSlices, type Steps } from './slices.js';

/** Steps that log each item, then return how many there were. */
function* counted(n: number, log: string[]): Generator<void, number> {
  for (let i = 0; i < n; i++) {
    log.push(`step ${i}`);
    yield;
  }
  return n;
}

/** A clock that moves `msPerRead` each time it is read. */
function ticking(msPerRead: number): () => number {
  let t = 0;
  return () => {
    t += msPerRead;
    return t;
  };
}

/** Logs `tick` each time the event loop gets a turn while `run` is under way. */
async function withTicks<T>(log: string[], run: () => Promise<T>): Promise<T> {
  let on = true;
  const tick = () => {
    if (!on) return;
    log.push('tick');
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return await run();
  } finally {
    on = false;
  }
}

describe('runInSlices', () => {
  it('runs every step and returns what the steps return', async () => {
    const log: string[] = [];
    expect(await runInSlices(counted(5, log))).toBe(5);
    expect(log).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
  });

  it('gives the event loop a turn once a slice has run its time', async () => {
    const log: string[] = [];
    // The clock moves 1 ms per read, one read per step: a 2 ms slice holds two steps.
    const result = await withTicks(log, () =>
      runInSlices(counted(6, log), { sliceMs: 2, now: ticking(1) }),
    );
    expect(result).toBe(6);
    const steps = log.filter((l) => l !== 'tick');
    expect(steps).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
    // Each pause lets waiting callbacks run before the next step.
    expect(log.slice(0, 5)).toEqual(['step 0', 'step 1', 'tick', 'step 2', 'step 3']);
  });

  it('does not pause while the slice has time left', async () => {
    const log: string[] = [];
    await withTicks(log, () => runInSlices(counted(100, log), { now: () => 0 }));
    expect(log.indexOf('tick')).toBe(-1);
  });

  it('passes an error thrown by a step on, and stops there', async () => {
    const log: string[] = [];
    function* failing(): Steps<never> {
      yield* counted(2, log);
      throw new Error('bad item');
    }
    await expect(runInSlices(failing(), { now: ticking(10) })).rejects.toThrow('bad item');
    expect(log).toEqual(['step 0', 'step 1']);
  });

  it('keeps every turn of the loop short while long work runs (real time)', async () => {
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // Stands in for pure work on one item.
      }
    };
    function* work(): Generator<void, string> {
      for (let i = 0; i < 400; i++) {
        busy(0.1);
        yield;
      }
      return 'done';
    }
    let last = performance.now();
    let longest = 0;
    let on = true;
    const tick = () => {
      const t = performance.now();
      longest = Math.max(longest, t - last);
      last = t;
      if (on) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await runInSlices(work());
    on = false;
    expect(result).toBe('done');
    // 40 ms of work in 1 ms slices; generous for a loaded machine, far below doing it at once.
    expect(longest).toBeLessThan(20);
  });
});

describe('runAtOnce', () => {
  it('runs the same steps in one go', () => {
    const log: string[] = [];
    expect(runAtOnce(counted(3, log))).toBe(3);
    expect(log).toEqual(['step 0', 'step 1', 'step 2']);
  });
});

describe('mapInSlices', () => {
  it('maps in order, pausing between items when the slice is spent', async () => {
    const log: string[] = [];
    const doubled = await withTicks(log, () =>
      mapInSlices(
        [1, 2, 3],
        (n) => {
          log.push(`item ${n}`);
          return n * 2;
        },
        { sliceMs: 1, now: ticking(1) },
      ),
    );
    expect(doubled).toEqual([2, 4, 6]);
    // The pause after the last item comes before the steps can tell they are over.
    expect(log).toEqual(['item 1', 'tick', 'item 2', 'tick', 'item 3', 'tick']);
  });

  it('is the same map at once', () => {
    expect(runAtOnce(mapSteps(['a', 'b'], (s) => s.toUpperCase()))).toEqual(['A', 'B']);
  });
});
