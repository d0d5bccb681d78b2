/**
 * Logging for a call that is retried every few seconds while something it needs is away (the
 * database, mostly): the first failure of a run is a warning, the repeats are debug lines, and
 * the first success after it says how long it lasted. An outage is two lines, not one per tick.
 */
import type { Logger } from '../logger.js';

export interface OutageLog {
  failed(err: unknown): void;
  succeeded(): void;
}

export function outageLog(
  log: Pick<Logger, 'warn' | 'info' | 'debug'>,
  failing: string,
  recovered: string,
  now: () => number = Date.now,
): OutageLog {
  let since: number | undefined;
  let failures = 0;
  return {
    failed(err) {
      failures += 1;
      if (since === undefined) {
        since = now();
        log.warn({ err }, failing);
      } else {
        log.debug({ err, failures }, failing);
      }
    },
    succeeded() {
      if (since === undefined) return;
      log.info({ failures, forMs: now() - since }, recovered);
      since = undefined;
      failures = 0;
    },
  };
}
