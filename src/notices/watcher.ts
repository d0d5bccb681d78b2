/**
 * The watcher: every poll interval it reads both services, derives what the channel should hear
 * (`deriveNotices`, pure) and commits the poll in one conditional write: the notice keys, their
 * messages in the outbox, and the snapshot the next poll compares against. Keys make each notice
 * idempotent across polls and restarts; the versioned snapshot makes two replicas polling at once
 * apply one poll, never both.
 *
 * Only one replica polls AWS at a time: the one holding the `watcher` lease in the store. Every
 * replica checks the lease every `leaseCheckMs(everyMs)` (a quarter of the interval, within
 * 250 ms and 15 s) and holds it for three checks, so when the leader dies another replica takes
 * over within one check plus one lease, which is at most one interval for any interval of a
 * second or more; `stop()` gives the lease up so another takes over at its next check. Leases run
 * on real time (`Date.now()`), not on the injected clock: they are about processes, not business.
 * A replica that cannot reach the store does not poll. `pollOnce()` polls at once, lease or not
 * (tests, the bench); two replicas polling together still commit one poll.
 *
 * A poll shares the event loop with Slack's acks, and a large account means thousands of items
 * to check, compare and render: that pure work runs in slices (`runInSlices`), so no stretch of
 * a poll holds the loop for more than about a millisecond besides the store's one write.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { CapacityServices } from '../aws/types.js';
import { settle } from '../capacity/reports.js';
import type { StatusReads } from '../capacity/shared-read.js';
import { OPEN_STATES, type PurchaseRequest } from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import { outageLog } from '../lifecycle/outage-log.js';
import { startPeriodic } from '../lifecycle/periodic.js';
import { defaultReplicaId } from '../lifecycle/replica-id.js';
import { mapInSlices, runAtOnce, runInSlices } from '../lifecycle/slices.js';
import type { Logger } from '../logger.js';
import type { SlackMessage } from '../slack/views/message.js';
import type { Store, WatchNotice } from '../store/store.js';
import { deriveSteps } from './derive.js';
import type { Notice, Observation, OpenRequestFootprint, WatchSnapshot } from './types.js';

/** Polls in a row a service may fail before the channel is warned (once per outage). */
export const DEFAULT_FAILURE_THRESHOLD = 3;

/** The store lease whose holder polls AWS. */
export const WATCHER_LEASE = 'watcher';

/**
 * How often a replica takes or renews the lease: a quarter of the poll interval, so that a check
 * plus a lease of three checks fits in one interval, but not so often that it loads the database,
 * nor so rarely that a takeover after a long interval waits minutes.
 */
export function leaseCheckMs(everyMs: number): number {
  return Math.min(15_000, Math.max(250, everyMs / 4));
}

/** How long the lease holds after each check: three checks, so one slow check never loses it. */
export const leaseTtlMs = (everyMs: number): number => 3 * leaseCheckMs(everyMs);

export interface WatcherDeps {
  readonly store: Store;
  readonly aws: CapacityServices;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly channel: string;
  readonly leadDays: readonly number[];
  readonly everyMs: number;
  readonly render: (notice: Notice, now: Date) => SlackMessage;
  readonly failureThreshold?: number;
  /** Called after messages were queued, so the outbox delivers without waiting for its poll. */
  readonly onQueued?: () => void;
  /** This replica's name in the lease; unique per process (default: host, pid and a random part). */
  readonly replicaId?: string;
  /**
   * The reads `/slots status` shares: each poll reads through them, fresh, so the status answers
   * from the poll's read and never from an older one.
   */
  readonly reads?: StatusReads;
  /**
   * Told of every poll this replica ran, once it is over (metrics): how long it took on real time,
   * and its result (undefined when it failed). Must not throw.
   */
  readonly onPolled?: (poll: {
    readonly seconds: number;
    readonly result: PollResult | undefined;
  }) => void;
}

export interface PollResult {
  /** False when another replica committed a poll first (this one wrote nothing). */
  readonly applied: boolean;
  readonly announced: number;
  readonly failed: readonly string[];
}

export interface Watcher {
  /** One poll now (or joins the poll under way), lease or not: for tests and the bench. */
  pollOnce(): Promise<PollResult | undefined>;
  /** Whether this replica held the lease at its last check (so it is the one polling AWS). */
  leads(): boolean;
  /** Stops checking and polling, waits for the poll under way, and gives the lease up. */
  stop(): Promise<void>;
}

export function createWatcher(deps: WatcherDeps): Watcher & { start(): void } {
  const log = deps.logger.child({ module: 'watcher' });
  const threshold = deps.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
  const replicaId = deps.replicaId ?? defaultReplicaId();
  const checkMs = leaseCheckMs(deps.everyMs);
  const ttlMs = leaseTtlMs(deps.everyMs);
  let last: Promise<PollResult | undefined> | undefined;
  let periodic: ReturnType<typeof startPeriodic> | undefined;
  /** Undefined until the first check answers, so the first answer is always logged. */
  let leading: boolean | undefined;
  /** Real time (`Date.now()`) at which this replica's last poll started. */
  let lastPollAt = Number.NEGATIVE_INFINITY;
  const leaseTrouble = outageLog(
    log,
    'could not reach the store to check the watcher lease; not polling AWS',
    'the store answers the watcher lease again',
  );

  async function poll(): Promise<PollResult> {
    // Read what is known before AWS: a request that settles meanwhile is then either still
    // open here (its transaction is deferred) or already recorded (its key is in `announced`).
    const state = await deps.store.getWatchState();
    const [announced, open] = await Promise.all([
      deps.store.listNoticeKeys(),
      deps.store.listRequests({ states: OPEN_STATES, limit: 200 }),
    ]);
    const observation = await observe(deps.aws, deps.reads);
    const now = deps.clock();
    const failed = failures(observation);
    for (const { service, error } of failed) {
      log.warn({ service, code: error.code, operation: error.operation }, 'AWS not read this poll');
    }

    const previous = state ? await runInSlices(snapshotSteps(state.value)) : undefined;
    const result = await runInSlices(
      deriveSteps({
        now,
        leadDays: deps.leadDays,
        observation,
        previous,
        announced,
        bot: { openRequests: open.flatMap(footprint) },
        failureThreshold: threshold,
      }),
    );
    const notices = await mapInSlices(result.notices, (notice): WatchNotice => {
      const message = deps.render(notice, now);
      return {
        keys: [notice.key, ...(notice.alsoKeys ?? [])],
        detail: notice as unknown as Record<string, unknown>,
        outbox: [
          {
            kind: 'notice',
            channel: deps.channel,
            payload: { text: message.text, blocks: message.blocks, notice: notice.kind },
          },
        ],
      };
    });
    const committed = await deps.store.commitWatch({
      expectedVersion: state?.version ?? 0,
      value: result.snapshot as unknown as Record<string, unknown>,
      at: now,
      notices,
      quietKeys: result.quietKeys,
    });
    if (!committed.applied) log.info('another replica committed this poll first; nothing written');
    if (committed.announced > 0) {
      log.info(
        { announced: committed.announced, kinds: result.notices.map((n) => n.kind) },
        'notices queued',
      );
      deps.onQueued?.();
    }
    return { ...committed, failed: failed.map((f) => f.service) };
  }

  const reportPoll = (startedAt: number, result: PollResult | undefined) => {
    try {
      deps.onPolled?.({ seconds: (performance.now() - startedAt) / 1_000, result });
    } catch {
      // Counting a poll must never fail it.
    }
  };

  const pollOnce = () => {
    if (!last) lastPollAt = Date.now();
    const startedAt = performance.now();
    last ??= poll()
      .catch((err: unknown) => {
        log.error({ err }, 'watcher poll failed');
        return undefined;
      })
      .then((result) => {
        reportPoll(startedAt, result);
        return result;
      })
      .finally(() => {
        last = undefined;
      });
    return last;
  };

  /**
   * One lease check: takes or renews the lease, and polls when this replica just became the
   * leader or its last poll is an interval old. The poll is not awaited, so a slow poll never
   * delays the renewal that keeps the lease.
   */
  async function check(): Promise<void> {
    let held: boolean;
    try {
      held = await deps.store.acquireLease(WATCHER_LEASE, replicaId, new Date(Date.now()), ttlMs);
    } catch (err) {
      // Whether the lease is still ours is unknown; polling now could only repeat another's poll.
      leaseTrouble.failed(err);
      return;
    }
    leaseTrouble.succeeded();
    const became = held && leading !== true;
    if (held !== leading) {
      log.info({ replicaId }, held ? 'this replica polls AWS now' : 'another replica polls AWS');
      leading = held;
    }
    if (held && (became || Date.now() - lastPollAt >= deps.everyMs)) void pollOnce();
  }

  return {
    pollOnce,
    leads: () => leading === true,
    start() {
      if (periodic) return;
      log.info({ replicaId, everyMs: deps.everyMs, checkMs, ttlMs }, 'watcher started');
      periodic = startPeriodic('watcher', checkMs, check, log);
      void periodic.runNow();
    },
    async stop() {
      const started = periodic;
      periodic = undefined;
      await started?.stop();
      await last;
      if (!started) return;
      leading = false;
      try {
        await deps.store.releaseLease(WATCHER_LEASE, replicaId);
      } catch (err) {
        // Another replica then takes over when the lease runs out, within one interval.
        log.warn({ err, replicaId }, 'could not give the watcher lease up');
      }
    },
  };
}

async function observe(aws: CapacityServices, reads?: StatusReads): Promise<Observation> {
  const fresh = { fresh: true } as const;
  const [slots, transactions, reservations] = await Promise.all([
    reads
      ? reads.devicefarm.get(fresh).then((s) => s.outcome)
      : settle(aws.devicefarm.getOfferingStatus()),
    settle(aws.devicefarm.listTransactions()),
    reads
      ? reads.mediaconnect.get(fresh).then((s) => s.outcome)
      : settle(aws.mediaconnect.listReservations()),
  ]);
  return {
    devicefarm: !slots.ok
      ? slots
      : !transactions.ok
        ? transactions
        : { ok: true, value: { slots: slots.value, transactions: transactions.value } },
    mediaconnect: reservations.ok
      ? { ok: true, value: { reservations: reservations.value } }
      : reservations,
  };
}

function failures(observation: Observation) {
  return (['devicefarm', 'mediaconnect'] as const).flatMap((service) => {
    const seen = observation[service];
    return seen.ok ? [] : [{ service, error: seen.error }];
  });
}

/** What an open request could leave in AWS, so the watcher does not call it someone else's. */
export function footprint(request: PurchaseRequest): OpenRequestFootprint[] {
  const { action } = request;
  if (action.service === 'mediaconnect') {
    return [
      {
        service: 'mediaconnect',
        offeringArn: action.offeringArn,
        reservationName: action.reservationName,
      },
    ];
  }
  return [
    {
      service: 'devicefarm',
      offeringId: action.offeringId,
      type: action.kind === 'renew' ? 'RENEW' : 'PURCHASE',
      quantity: action.quantity,
      since: (request.executionStartedAt ?? request.createdAt).toISOString(),
    },
  ];
}

const iso = z.string().min(1);
const outageSchema = z.looseObject({
  since: iso,
  failures: z.number().int().min(0),
  warned: z.boolean(),
  message: z.string(),
});
const slotsSeenSchema = z.looseObject({
  current: z.number().int(),
  next: z.number().int(),
  effectiveOn: iso.optional(),
});
const reservationSeenSchema = z.looseObject({ state: z.string(), end: iso });
/** One of the snapshot's two big records, its entries left to be checked one by one. */
const unchecked = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
);
const snapshotSchema = z.looseObject({
  takenAt: iso,
  devicefarm: z.looseObject({ takenAt: iso.optional(), offerings: unchecked }).optional(),
  mediaconnect: z.looseObject({ reservations: unchecked }).optional(),
  outages: z.looseObject({
    devicefarm: outageSchema.optional(),
    mediaconnect: outageSchema.optional(),
  }),
});

/**
 * The stored snapshot, checked. A snapshot this code cannot read is treated as none: the next
 * poll is quiet about history again rather than announcing it, which is the safe side.
 */
export function readSnapshot(value: unknown): WatchSnapshot | undefined {
  return runAtOnce(snapshotSteps(value));
}

/** `readSnapshot` as steps: one pause after each offering and reservation checked. */
function* snapshotSteps(value: unknown): Generator<void, WatchSnapshot | undefined, undefined> {
  const parsed = snapshotSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { devicefarm, mediaconnect } = parsed.data;
  const offerings = devicefarm && (yield* checkEntries(devicefarm.offerings, slotsSeenSchema));
  const reservations =
    mediaconnect && (yield* checkEntries(mediaconnect.reservations, reservationSeenSchema));
  if ((devicefarm && !offerings) || (mediaconnect && !reservations)) return undefined;
  return {
    ...parsed.data,
    ...(devicefarm && { devicefarm: { ...devicefarm, offerings } }),
    ...(mediaconnect && { mediaconnect: { ...mediaconnect, reservations } }),
  } as WatchSnapshot;
}

/** Every entry of `record` checked against `schema`; `undefined` if any fails. */
function* checkEntries<T>(
  record: Record<string, unknown>,
  schema: z.ZodType<T>,
): Generator<void, Record<string, T> | undefined, undefined> {
  const checked: Record<string, T> = {};
  for (const [key, entry] of Object.entries(record)) {
    const parsed = schema.safeParse(entry);
    if (!parsed.success) return undefined;
    checked[key] = parsed.data;
    yield;
  }
  return checked;
}
