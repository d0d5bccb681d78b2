/**
 * Long pure work in short turns of the event loop. A poll of a large account reads back its
 * snapshot, derives and renders hundreds of notices and turns them into JSON: thousands of items
 * that, done in one go, hold the loop for tens of milliseconds, while the Slack acks that arrive
 * meanwhile wait behind them. Work written as a generator marks where it may pause (`yield`);
 * `runInSlices` runs it until a slice's time is spent, lets the loop turn (sockets, timers, acks),
 * and goes on. `runAtOnce` runs the same steps without pausing, for callers that want a plain
 * function.
 */
// From node:timers rather than the global, so fake timers in a test never freeze a poll.
import { setImmediate } from 'node:timers';

/** How long one slice may hold the event loop, in ms: well under anything a user could notice. */
export const SLICE_MS = 1;

/** Work that pauses at each `yield` and finally returns a `T`. */
export type Steps<T> = Iterator<unknown, T, undefined>;

export interface SliceOptions {
  /** Default `SLICE_MS`. */
  readonly sliceMs?: number;
  /** A monotonic clock in ms; default `performance.now`. */
  readonly now?: () => number;
}

/** One turn of the event loop: what is waiting (I/O, timers, immediates) runs first. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `steps` to the end, giving the event loop a turn whenever a slice has run `sliceMs`. The
 * clock is read at each `yield`, so one step is the most a slice runs over.
 */
export async function runInSlices<T>(steps: Steps<T>, options: SliceOptions = {}): Promise<T> {
  const sliceMs = options.sliceMs ?? SLICE_MS;
  const now = options.now ?? (() => performance.now());
  let started = now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (now() - started >= sliceMs) {
      await yieldToEventLoop();
      started = now();
    }
  }
}

/** Runs `steps` to the end without pausing. */
export function runAtOnce<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** `items.map(fn)` as steps: one `yield` after each item. */
export function* mapSteps<T, R>(items: Iterable<T>, fn: (item: T) => R): Generator<void, R[]> {
  const out: R[] = [];
  for (const item of items) {
    out.push(fn(item));
    yield;
  }
  return out;
}

/** `items.map(fn)` in slices (see `runInSlices`). */
export function mapInSlices<T, R>(
  items: Iterable<T>,
  fn: (item: T) => R,
  options?: SliceOptions,
): Promise<R[]> {
  return runInSlices(mapSteps(items, fn), options);
}
