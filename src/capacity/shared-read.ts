/**
 * One AWS read shared by everyone who asks for it at about the same time. A burst of
 * `/slots status` would otherwise send one paged read per command and decode the same pages
 * once per command; a busy event loop then delays every ack behind it.
 *
 * - Single flight: a caller that finds a read under way joins it instead of starting its own.
 * - Reuse: a successful read is handed out again for `maxAgeMs`, with the time it was started,
 *   so the answer can say how old it is. A failure is shared only with the callers of its own
 *   read: the next caller tries again.
 * - Fresh: `fresh` never reuses or joins an older read; it starts one (which later callers
 *   join). The watcher's polls read this way, so each poll replaces the shared value.
 * - Invalidate: after the bot's own purchase or renewal nothing read before it is handed out
 *   again, and reads that were under way are delivered to their callers but not kept, so the
 *   next status shows what was just bought.
 */
import type { CapacityServices, Reservation, SlotStatus } from '../aws/types.js';
import type { Clock } from '../lifecycle/clock.js';
import { type Outcome, settle } from './reports.js';

export interface Snapshot<T> {
  readonly outcome: Outcome<T>;
  /** When the read that produced it was started: the data is at least this fresh. */
  readonly readAt: Date;
}

export interface SharedRead<T> {
  get(opts?: { readonly fresh?: boolean }): Promise<Snapshot<T>>;
  /** Nothing read before now is handed out again. */
  invalidate(): void;
}

export function createSharedRead<T>(
  read: () => Promise<T>,
  clock: Clock,
  maxAgeMs: number,
): SharedRead<T> {
  /** Bumped by `invalidate`; a read keeps what it saw at its start. */
  let generation = 0;
  let kept: { snapshot: Snapshot<T>; generation: number } | undefined;
  let underWay: { promise: Promise<Snapshot<T>>; generation: number } | undefined;

  const start = (): Promise<Snapshot<T>> => {
    const startedIn = generation;
    const readAt = clock();
    const promise = settle(read()).then((outcome) => {
      const snapshot: Snapshot<T> = { outcome, readAt };
      if (underWay?.promise === promise) underWay = undefined;
      const newer = !kept || kept.snapshot.readAt.getTime() <= readAt.getTime();
      if (outcome.ok && startedIn === generation && newer) kept = { snapshot, generation };
      return snapshot;
    });
    underWay = { promise, generation };
    return promise;
  };

  return {
    get(opts = {}) {
      if (!opts.fresh) {
        if (kept && kept.generation === generation && maxAgeMs > 0) {
          const age = clock().getTime() - kept.snapshot.readAt.getTime();
          // A clock that stepped back makes the age negative: the value is not trusted then.
          if (age >= 0 && age <= maxAgeMs) return Promise.resolve(kept.snapshot);
        }
        if (underWay && underWay.generation === generation) return underWay.promise;
      }
      return start();
    },
    invalidate() {
      generation += 1;
      kept = undefined;
    },
  };
}

/** The two reads `/slots status` is made of, shared with the watcher's polls. */
export interface StatusReads {
  readonly devicefarm: SharedRead<readonly SlotStatus[]>;
  readonly mediaconnect: SharedRead<readonly Reservation[]>;
}

export function createStatusReads(
  services: CapacityServices,
  clock: Clock,
  maxAgeMs: number,
): StatusReads {
  return {
    devicefarm: createSharedRead(() => services.devicefarm.getOfferingStatus(), clock, maxAgeMs),
    mediaconnect: createSharedRead(() => services.mediaconnect.listReservations(), clock, maxAgeMs),
  };
}
