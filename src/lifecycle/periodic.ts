/**
 * Runs a task every `everyMs`, never two at once, never throwing out of the timer. `stop()`
 * waits for a run under way, so shutdown does not cut a state change in half.
 *
 * Node cannot hold a timer longer than 2^31-1 ms (about 24.8 days): a longer delay fires at once,
 * and as an interval it fires every millisecond. So each wait is a chain of timers no longer than
 * that, measured on the monotonic clock, and any interval works as written.
 */
import type { Logger } from '../logger.js';

export interface Periodic {
  stop(): Promise<void>;
  /** Runs now (or joins the run under way). */
  runNow(): Promise<void>;
}

/** The longest delay `setTimeout` honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function startPeriodic(
  name: string,
  everyMs: number,
  task: () => Promise<unknown>,
  logger: Pick<Logger, 'error'>,
): Periodic {
  if (Number.isNaN(everyMs)) throw new RangeError(`periodic task ${name}: interval is NaN`);
  // As with setInterval, anything under a millisecond means every millisecond.
  const interval = Math.max(1, everyMs);
  let running: Promise<void> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const runNow = () => {
    running ??= task()
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err, task: name }, 'periodic task failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  // Like setInterval, the next run is due `everyMs` after the previous one was due, and a run
  // still going when the next is due is joined rather than doubled.
  const waitUntil = (due: number) => {
    if (stopped) return;
    const left = due - performance.now();
    if (left > 0) {
      timer = setTimeout(() => waitUntil(due), Math.min(left, MAX_TIMER_MS));
      timer.unref();
      return;
    }
    void runNow();
    // A late wake-up (a stalled event loop) skips the runs it missed instead of catching up.
    const next = due + interval;
    waitUntil(next > performance.now() ? next : performance.now() + interval);
  };
  waitUntil(performance.now() + interval);

  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
