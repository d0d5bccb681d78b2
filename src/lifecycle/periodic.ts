/**
 * Runs a task every `everyMs`, never two at once, never throwing out of the timer. `stop()`
 * waits for a run under way, so shutdown does not cut a state change in half.
 */
import type { Logger } from '../logger.js';

export interface Periodic {
  stop(): Promise<void>;
  /** Runs now (or joins the run under way). */
  runNow(): Promise<void>;
}

export function startPeriodic(
  name: string,
  everyMs: number,
  task: () => Promise<unknown>,
  logger: Pick<Logger, 'error'>,
): Periodic {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runNow = () => {
    running ??= task()
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err, task: name }, 'periodic task failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runNow();
  }, everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
