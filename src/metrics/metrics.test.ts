import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../test/helpers/prometheus.js';
import type { PurchaseRequest, RequestState } from '../domain/requests.js';
import type { OutboxHealth } from '../store/store.js';
import { ALL_STATES, createMetrics, type MetricsDeps } from './metrics.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const at = (secondsAfter: number) => new Date(NOW.getTime() + secondsAfter * 1_000);

type FakeStore = MetricsDeps['store'] & {
  counts: Partial<Record<RequestState, number>>;
  outbox: OutboxHealth;
  /** While set, every read waits on it (a locked or unreachable database). */
  hang: Promise<never> | undefined;
  reads: number;
};

function fakeStore(): FakeStore {
  const store: FakeStore = {
    counts: {},
    outbox: { dead: 0, waiting: 0 },
    hang: undefined,
    reads: 0,
    async countRequestsByState() {
      store.reads += 1;
      if (store.hang) await store.hang;
      return { ...store.counts };
    },
    async outboxHealth() {
      if (store.hang) await store.hang;
      return store.outbox;
    },
  };
  return store;
}

function setUp(opts: { storeTimeoutMs?: number } = {}) {
  const store = fakeStore();
  let now = NOW;
  const metrics = createMetrics({
    store,
    clock: () => now,
    storeTimeoutMs: opts.storeTimeoutMs ?? 1_000,
  });
  const scrape = async () => parsePrometheusText(await metrics.scrape());
  return {
    store,
    metrics,
    scrape,
    setNow: (d: Date) => {
      now = d;
    },
  };
}

function request(patch: Partial<PurchaseRequest>): PurchaseRequest {
  return {
    id: 'R1',
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: 'o-1', quantity: 1 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '250000000',
      commitsPeriod: 'month',
    },
    requester: 'U0ALICE',
    reason: 'more slots',
    createdAt: NOW,
    expiresAt: at(86_400),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
    ...patch,
  };
}

describe('createMetrics: the store, read at scrape time', () => {
  it('reports every request state, 0 where the store has none, and the outbox', async () => {
    const { store, scrape } = setUp();
    store.counts = { pending: 2, succeeded: 5 };
    store.outbox = { dead: 1, waiting: 3, oldestWaitingSince: at(-90) };
    const m = await scrape();
    for (const state of ALL_STATES) {
      const expected = state === 'pending' ? 2 : state === 'succeeded' ? 5 : 0;
      expect(m.value('slots_requests', { state }), state).toBe(expected);
    }
    expect(m.samples('slots_requests')).toHaveLength(9);
    expect(m.value('slots_outbox_waiting')).toBe(3);
    expect(m.value('slots_outbox_dead')).toBe(1);
    expect(m.value('slots_outbox_oldest_waiting_seconds')).toBe(90);
    expect(m.value('slots_store_up')).toBe(1);
    expect(m.families.get('slots_requests')?.type).toBe('gauge');
  });

  it('reads the store again at each scrape', async () => {
    const { store, scrape } = setUp();
    store.counts = { pending: 1 };
    expect((await scrape()).value('slots_requests', { state: 'pending' })).toBe(1);
    store.counts = { pending: 0, cancelled: 1 };
    const m = await scrape();
    expect(m.value('slots_requests', { state: 'pending' })).toBe(0);
    expect(m.value('slots_requests', { state: 'cancelled' })).toBe(1);
    expect(store.reads).toBe(2);
  });

  it('answers without the store gauges while the store has never answered', async () => {
    const { store, scrape } = setUp({ storeTimeoutMs: 20 });
    store.hang = new Promise<never>(() => {});
    const m = await scrape();
    expect(m.value('slots_store_up')).toBe(0);
    expect(m.families.has('slots_requests')).toBe(false);
    expect(m.families.has('slots_outbox_waiting')).toBe(false);
    // Everything else is there.
    expect(m.families.has('slots_aws_call_duration_seconds')).toBe(true);
    expect(m.families.has('slots_process_cpu_seconds_total')).toBe(true);
  });

  it('keeps the last values while the store does not answer, the outbox age growing', async () => {
    const { store, scrape, setNow } = setUp({ storeTimeoutMs: 20 });
    store.counts = { pending: 4 };
    store.outbox = { dead: 0, waiting: 2, oldestWaitingSince: at(-10) };
    await scrape();
    store.hang = new Promise<never>(() => {});
    setNow(at(50));
    const started = Date.now();
    const m = await scrape();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(m.value('slots_store_up')).toBe(0);
    expect(m.value('slots_requests', { state: 'pending' })).toBe(4);
    expect(m.value('slots_outbox_waiting')).toBe(2);
    expect(m.value('slots_outbox_oldest_waiting_seconds')).toBe(60);
  });

  it('asks a store that hangs only once, however many scrapes come', async () => {
    const { store, scrape } = setUp({ storeTimeoutMs: 10 });
    store.hang = new Promise<never>(() => {});
    await Promise.all([scrape(), scrape()]);
    await scrape();
    expect(store.reads).toBe(1);
  });

  it('reports the store away when a read fails', async () => {
    const { store, scrape } = setUp();
    store.countRequestsByState = async () => {
      throw new Error('store_unavailable');
    };
    expect((await scrape()).value('slots_store_up')).toBe(0);
  });
});

describe('createMetrics: request durations', () => {
  it('observes each decision and each outcome once, whatever the number of changes', async () => {
    const { metrics, scrape } = setUp();
    const executing = request({
      state: 'executing',
      decidedBy: 'U0BOB',
      decidedAt: at(120),
      executionStartedAt: at(120),
    });
    metrics.requestChanged(request({ state: 'pending' }));
    metrics.requestChanged(executing);
    // The call stamp: another change of the same executing request.
    metrics.requestChanged({ ...executing, callStartedAt: at(121), version: 3 });
    const done = { ...executing, state: 'succeeded' as const, finishedAt: at(123) };
    metrics.requestChanged(done);
    metrics.requestChanged(done);
    metrics.requestChanged(
      request({ id: 'R2', state: 'rejected', decidedBy: 'U0BOB', decidedAt: at(30) }),
    );
    const m = await scrape();
    const approved = { service: 'devicefarm', decision: 'approved' };
    expect(m.value('slots_request_decision_seconds_count', approved)).toBe(1);
    expect(m.value('slots_request_decision_seconds_sum', approved)).toBe(120);
    const rejected = { service: 'devicefarm', decision: 'rejected' };
    expect(m.value('slots_request_decision_seconds_count', rejected)).toBe(1);
    const succeeded = { service: 'devicefarm', state: 'succeeded' };
    expect(m.value('slots_request_outcome_seconds_count', succeeded)).toBe(1);
    expect(m.value('slots_request_outcome_seconds_sum', succeeded)).toBe(3);
    expect(m.families.get('slots_request_outcome_seconds')?.type).toBe('histogram');
  });
});

describe('createMetrics: AWS, the watcher and Slack', () => {
  it('counts AWS calls by service, operation and result, with their durations', async () => {
    const { metrics, scrape } = setUp();
    metrics.awsCall({
      service: 'devicefarm',
      operation: 'PurchaseOffering',
      result: 'ok',
      seconds: 0.2,
    });
    metrics.awsCall({
      service: 'mediaconnect',
      operation: 'ListReservations',
      result: 'throttled',
      seconds: 1.5,
    });
    const m = await scrape();
    const labels = { service: 'devicefarm', operation: 'PurchaseOffering', result: 'ok' };
    expect(m.value('slots_aws_call_duration_seconds_count', labels)).toBe(1);
    expect(m.value('slots_aws_call_duration_seconds_bucket', { ...labels, le: '0.25' })).toBe(1);
    expect(m.value('slots_aws_call_duration_seconds_bucket', { ...labels, le: '0.1' })).toBe(0);
    expect(
      m.value('slots_aws_call_duration_seconds_count', {
        service: 'mediaconnect',
        operation: 'ListReservations',
        result: 'throttled',
      }),
    ).toBe(1);
  });

  it('times watcher polls and counts failed polls and unread services', async () => {
    const { metrics, scrape } = setUp();
    expect((await scrape()).value('slots_watcher_poll_failures_total')).toBe(0);
    metrics.watcherPolled({ seconds: 0.3, result: { applied: true, announced: 0, failed: [] } });
    metrics.watcherPolled({
      seconds: 0.4,
      result: { applied: true, announced: 0, failed: ['mediaconnect'] },
    });
    metrics.watcherPolled({ seconds: 1, result: undefined });
    const m = await scrape();
    expect(m.value('slots_watcher_poll_duration_seconds_count', { result: 'ok' })).toBe(2);
    expect(m.value('slots_watcher_poll_duration_seconds_count', { result: 'failed' })).toBe(1);
    expect(m.value('slots_watcher_poll_failures_total')).toBe(1);
    expect(m.value('slots_watcher_aws_read_failures_total', { service: 'mediaconnect' })).toBe(1);
    expect(m.value('slots_watcher_aws_read_failures_total', { service: 'devicefarm' })).toBe(0);
  });

  it('counts Slack API errors by method and code', async () => {
    const { metrics, scrape } = setUp();
    metrics.slackApiError('chat.postMessage', 'channel_not_found');
    metrics.slackApiError('chat.postMessage', 'channel_not_found');
    metrics.slackApiError('views.publish', 'ratelimited');
    const m = await scrape();
    expect(
      m.value('slots_slack_api_errors_total', {
        method: 'chat.postMessage',
        error: 'channel_not_found',
      }),
    ).toBe(2);
    expect(
      m.value('slots_slack_api_errors_total', { method: 'views.publish', error: 'ratelimited' }),
    ).toBe(1);
  });

  it("keeps each bot's series apart (a registry per bot)", async () => {
    const a = setUp();
    const b = setUp();
    a.metrics.slackApiError('chat.update', 'message_not_found');
    expect((await b.scrape()).samples('slots_slack_api_errors_total')).toHaveLength(0);
    expect((await a.scrape()).samples('slots_slack_api_errors_total')).toHaveLength(1);
  });

  it('names every metric slots_…, process metrics included, each with help', async () => {
    const { store, scrape } = setUp();
    store.counts = {};
    const m = await scrape();
    for (const family of m.families.values()) {
      expect(family.name).toMatch(/^slots_/);
      expect(family.help, family.name).toBeTruthy();
    }
    expect(m.value('slots_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.families.has('slots_nodejs_eventloop_lag_seconds')).toBe(true);
  });
});
