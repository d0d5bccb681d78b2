/**
 * The sandbox's "now", shared by the simulator (AWS's clock) and the bot (its `clock`): real time
 * plus an offset. The offset only grows, because the bot's store, its leases and its notices all
 * assume time never runs backwards; jumping to the next billing period is the one way to move it.
 */

export interface SandboxClock {
  (): Date;
  /** How far ahead of real time the sandbox is, in ms; saved between runs. */
  readonly offsetMs: number;
  /** Moves the clock forward so that now is `at`; a time already passed changes nothing. */
  jumpTo(at: Date): void;
}

export function createSandboxClock(offsetMs = 0, realNow: () => number = Date.now): SandboxClock {
  let offset = Number.isFinite(offsetMs) && offsetMs > 0 ? offsetMs : 0;
  const clock = () => new Date(realNow() + offset);
  return Object.defineProperties(clock, {
    offsetMs: { get: () => offset, enumerable: true },
    jumpTo: {
      value: (at: Date) => {
        const wanted = at.getTime() - realNow();
        if (Number.isFinite(wanted) && wanted > offset) offset = wanted;
      },
    },
  }) as SandboxClock;
}
