/**
 * The bot's Prometheus metrics (`GET /metrics`), on a registry of its own: several bots in one
 * process (tests, replicas) never share a series. Two kinds of source:
 * - events, counted as they happen: AWS calls (the clients' `onCall`), Slack Web API errors (the
 *   clients' `fetch`), watcher polls (`onPolled`), request changes (the service's `onChanged`);
 * - the store, read at scrape time: requests by state and the outbox, two cheap counts, read
 *   together and for at most a second. When the store does not answer in time, the scrape still
 *   answers: `slots_store_up` is 0 and the store's gauges keep the values of the last read that
 *   answered (the outbox age keeps growing from the oldest waiting message then known). Before
 *   the first read that answers they are left out.
 * Labels hold only names from the code, AWS's and Slack's operation names and error codes, and
 * states; never message text, ids of people or requests, or anything secret.
 */
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type Metric,
  Registry,
} from 'prom-client';
import type { AwsCall } from '../aws/clients.js';
import {
  FINAL_STATES,
  OPEN_STATES,
  type PurchaseRequest,
  type RequestState,
} from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import type { PollResult } from '../notices/watcher.js';
import type { OutboxHealth, Store } from '../store/store.js';
import { requestTimings } from './request-timings.js';
import { countingSlackFetch } from './slack-errors.js';

/** Every state a request can be in, each reported (0 when none is in it). */
export const ALL_STATES: readonly RequestState[] = [...OPEN_STATES, ...FINAL_STATES];

/** How long a scrape waits for the store before answering with what it has. */
export const STORE_READ_TIMEOUT_MS = 1_000;

/** Requests remembered as already observed, per measure; far more than are ever in flight. */
const REMEMBERED_REQUESTS = 2_000;

export interface MetricsDeps {
  readonly store: Pick<Store, 'countRequestsByState' | 'outboxHealth'>;
  /** The clock the store's timestamps are written with, for the outbox's age. */
  readonly clock: Clock;
  readonly storeTimeoutMs?: number;
}

/** One watcher poll as the watcher reports it; `result` undefined when the poll failed. */
export interface WatcherPoll {
  readonly seconds: number;
  readonly result: PollResult | undefined;
}

type SlackFetch = ReturnType<typeof countingSlackFetch>;

export interface BotMetrics {
  readonly registry: Registry;
  /** The `content-type` of `scrape()`'s text. */
  readonly contentType: string;
  /** The metrics in Prometheus's text format, after reading the store (at most a second). */
  scrape(): Promise<string>;
  /** For the request service's `onChanged`: observes the durations this change completes. */
  requestChanged(request: PurchaseRequest): void;
  /** For the AWS clients' `onCall`. */
  awsCall(call: AwsCall): void;
  /** For the watcher's `onPolled`. */
  watcherPolled(poll: WatcherPoll): void;
  slackApiError(method: string, error: string): void;
  /** A `fetch` for the Web API clients' options that counts their errors (see slack-errors.ts). */
  slackFetch(apiUrl: string, inner?: SlackFetch): SlackFetch;
}

export function createMetrics(deps: MetricsDeps): BotMetrics {
  const registry = new Registry();
  const registers = [registry];
  const storeTimeoutMs = deps.storeTimeoutMs ?? STORE_READ_TIMEOUT_MS;
  collectDefaultMetrics({ register: registry, prefix: 'slots_' });

  // Registered on the first store read that answers, so that none shows a made-up 0 before.
  const requests = new Gauge({
    name: 'slots_requests',
    help: 'Requests in each state now, from the store.',
    labelNames: ['state'] as const,
    registers: [],
  });
  const outboxWaiting = new Gauge({
    name: 'slots_outbox_waiting',
    help: 'Slack messages in the outbox not delivered yet and still being tried.',
    registers: [],
  });
  const outboxOldest = new Gauge({
    name: 'slots_outbox_oldest_waiting_seconds',
    help: 'Age of the oldest waiting Slack message in the outbox; 0 when none waits.',
    registers: [],
  });
  const outboxDead = new Gauge({
    name: 'slots_outbox_dead',
    help: 'Slack messages Slack refused for good (never delivered).',
    registers: [],
  });
  const storeUp = new Gauge({
    name: 'slots_store_up',
    help: '1 when the store answered this scrape within a second, else 0 (store gauges then keep their last values).',
    registers,
  });

  const decision = new Histogram({
    name: 'slots_request_decision_seconds',
    help: 'Time from a request to its decision (approval that completed the count, rejection, cancellation, expiry).',
    labelNames: ['service', 'decision'] as const,
    buckets: [10, 30, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 86_400, 172_800, 604_800],
    registers,
  });
  const outcome = new Histogram({
    name: 'slots_request_outcome_seconds',
    help: 'Time from the approval to the final state of an approved request (succeeded, failed, dry_run).',
    labelNames: ['service', 'state'] as const,
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600],
    registers,
  });
  const awsCalls = new Histogram({
    name: 'slots_aws_call_duration_seconds',
    help: 'AWS API calls by service, operation and result, with their duration (retries included).',
    labelNames: ['service', 'operation', 'result'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
    registers,
  });
  const pollDuration = new Histogram({
    name: 'slots_watcher_poll_duration_seconds',
    help: 'Duration of the watcher polls of this replica, by result (ok, failed).',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const pollFailures = new Counter({
    name: 'slots_watcher_poll_failures_total',
    help: 'Watcher polls that failed and committed nothing (e.g. the store did not answer).',
    registers,
  });
  const awsUnread = new Counter({
    name: 'slots_watcher_aws_read_failures_total',
    help: 'Watcher polls that could not read one service from AWS, by service.',
    labelNames: ['service'] as const,
    registers,
  });
  for (const service of ['devicefarm', 'mediaconnect']) awsUnread.inc({ service }, 0);
  const slackErrors = new Counter({
    name: 'slots_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by method and error code.',
    labelNames: ['method', 'error'] as const,
    registers,
  });

  let storeGaugesShown = false;
  let oldestWaitingSince: Date | undefined;
  const showStoreGauges = () => {
    if (storeGaugesShown) return;
    storeGaugesShown = true;
    for (const gauge of [requests, outboxWaiting, outboxOldest, outboxDead]) {
      registry.registerMetric(gauge as Metric);
    }
  };

  // At most one store read is out at a time: a store that hangs is not asked again by every
  // scrape, each later scrape waits its second for the same read.
  let storeRead: Promise<[Partial<Record<RequestState, number>>, OutboxHealth]> | undefined;
  const readStore = async () => {
    storeRead ??= (async () =>
      Promise.all([deps.store.countRequestsByState(), deps.store.outboxHealth()]))().finally(() => {
      storeRead = undefined;
    });
    try {
      const [counts, outbox] = await withTimeout(storeRead, storeTimeoutMs);
      setCounts(counts);
      setOutbox(outbox);
      showStoreGauges();
      storeUp.set(1);
    } catch {
      storeUp.set(0);
    }
  };
  const setCounts = (counts: Partial<Record<RequestState, number>>) => {
    for (const state of ALL_STATES) requests.set({ state }, counts[state] ?? 0);
  };
  const setOutbox = (h: OutboxHealth) => {
    outboxWaiting.set(h.waiting);
    outboxDead.set(h.dead);
    oldestWaitingSince = h.waiting > 0 ? h.oldestWaitingSince : undefined;
  };

  const observed = { decision: new Set<string>(), outcome: new Set<string>() };
  const firstTime = (set: Set<string>, id: string) => {
    if (set.has(id)) return false;
    set.add(id);
    if (set.size > REMEMBERED_REQUESTS) {
      const oldest = set.values().next().value;
      if (oldest !== undefined) set.delete(oldest);
    }
    return true;
  };

  const slackApiError = (method: string, error: string) => slackErrors.inc({ method, error });

  return {
    registry,
    contentType: registry.contentType,
    async scrape() {
      await readStore();
      const age = oldestWaitingSince
        ? Math.max(0, (deps.clock().getTime() - oldestWaitingSince.getTime()) / 1_000)
        : 0;
      outboxOldest.set(age);
      return registry.metrics();
    },
    requestChanged(request) {
      try {
        for (const t of requestTimings(request)) {
          if (!firstTime(observed[t.measure], request.id)) continue;
          if (t.measure === 'decision') {
            decision.observe({ service: t.service, decision: t.decision }, t.seconds);
          } else {
            outcome.observe({ service: t.service, state: t.outcome }, t.seconds);
          }
        }
      } catch {
        // Called inside the request service's change: a measure lost is better than a change failed.
      }
    },
    awsCall(call) {
      awsCalls.observe(
        { service: call.service, operation: call.operation, result: call.result },
        call.seconds,
      );
    },
    watcherPolled({ seconds, result }) {
      pollDuration.observe({ result: result ? 'ok' : 'failed' }, seconds);
      if (!result) pollFailures.inc();
      for (const service of result?.failed ?? []) awsUnread.inc({ service });
    },
    slackApiError,
    slackFetch: (apiUrl, inner) => countingSlackFetch(apiUrl, slackApiError, inner),
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
