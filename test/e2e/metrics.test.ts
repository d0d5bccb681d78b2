/**
 * `GET /metrics` end to end: a scripted flow through the real app (signed slash commands and
 * clicks, the AWS simulator behind the real SDK clients, the fake Slack failing on demand), then
 * a scrape read by a strict Prometheus text parser, whose numbers must match the flow. Also: the
 * route is off with SLOTS_METRICS=false, and served in Socket Mode on the health port.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlotsBot, startSlotsBot } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import type { RequestState } from '../../src/domain/requests.js';
import { createLogger } from '../../src/logger.js';
import { ALL_STATES } from '../../src/metrics/metrics.js';
import { defaultSeed, SEED_IDS, startSimulator } from '../../src/sim/index.js';
import { APPROVE_ACTION, REJECT_ACTION } from '../../src/slack/views/request-card.js';
import { clickButton, requestCard, submitRejectReason } from '../helpers/cards.js';
import { startFakeSlack, waitForAsync } from '../helpers/fake-slack.js';
import { startFakeSocketMode } from '../helpers/fake-socket-mode.js';
import {
  BOT_TOKEN,
  FIXED_NOW,
  type Harness,
  pointAwsAt,
  startHarness,
} from '../helpers/harness.js';
import { type Exposition, parsePrometheusText } from '../helpers/prometheus.js';

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

async function scrape(baseUrl: string): Promise<{ res: Response; metrics: Exposition }> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  return { res, metrics: parsePrometheusText(await res.text()) };
}

async function state(h: Harness, id: string, wanted: RequestState) {
  return waitForAsync(`request ${id} to be ${wanted}`, async () => {
    const r = await h.bot.requests.get(id);
    return r?.state === wanted ? r : undefined;
  });
}

describe('GET /metrics after a scripted flow', () => {
  let h: Harness;
  let metrics: Exposition;
  let res: Response;

  beforeAll(async () => {
    h = await startHarness();

    // One request approved and bought; the card's first edit fails once (the outbox's client).
    h.slack.fail('chat.update', { error: 'internal_error', times: 1 });
    const bought = await requestCard(h, `purchase devicefarm ${DF} 1`, ALICE);
    await clickButton(h, APPROVE_ACTION, bought.id, BOB);
    await state(h, bought.id, 'succeeded');

    // One rejected; the reject form fails to open once (Bolt's own client, in the listener).
    const rejected = await requestCard(h, `purchase devicefarm ${DF} 2`, ALICE);
    h.slack.fail('views.open', { error: 'internal_error', times: 1 });
    await clickButton(h, REJECT_ACTION, rejected.id, BOB);
    await h.slack.waitFor('the failed views.open', () =>
      h.slack.callsTo('views.open').find((c) => c.failed),
    );
    await clickButton(h, REJECT_ACTION, rejected.id, BOB);
    await h.slack.waitFor('the reject form', () =>
      h.slack.callsTo('views.open').find((c) => !c.failed),
    );
    await submitRejectReason(h, rejected.id, BOB, 'not this month');
    await state(h, rejected.id, 'rejected');

    // The failed edit is retried after its backoff, on the bot's clock.
    h.clock.advance(5_000);
    await waitForAsync('the outbox to be empty', async () => {
      await h.bot.outbox.deliverDue();
      const health = await h.bot.store.outboxHealth();
      return health.waiting === 0 || undefined;
    });
    ({ res, metrics } = await scrape(h.baseUrl));
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers in Prometheus's text format", () => {
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const family of metrics.families.values()) expect(family.name).toMatch(/^slots_/);
  });

  it('counts requests by state from the store, every state reported', () => {
    for (const s of ALL_STATES) {
      const expected = s === 'succeeded' || s === 'rejected' ? 1 : 0;
      expect(metrics.value('slots_requests', { state: s }), s).toBe(expected);
    }
    expect(metrics.value('slots_store_up')).toBe(1);
  });

  it('counts one PurchaseOffering, answered, and every AWS call the simulator saw', () => {
    const purchase = { service: 'devicefarm', operation: 'PurchaseOffering' };
    expect(
      metrics.value('slots_aws_call_duration_seconds_count', { ...purchase, result: 'ok' }),
    ).toBe(1);
    const purchases = metrics.samples('slots_aws_call_duration_seconds_count', purchase);
    expect(purchases.map((s) => s.labels.result)).toEqual(['ok']);

    // No fault was armed: each call the simulator received is one answered call here.
    const seen = new Map<string, number>();
    for (const call of h.sim.calls) {
      const key = `${call.service} ${call.operation}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const counted = new Map<string, number>();
    for (const s of metrics.samples('slots_aws_call_duration_seconds_count')) {
      expect(s.labels.result).toBe('ok');
      counted.set(`${s.labels.service} ${s.labels.operation}`, s.value);
    }
    expect(counted).toEqual(seen);
  });

  it('observes the decisions and the outcome of the flow', () => {
    const count = (name: string, labels: Record<string, string>) =>
      metrics.value(`${name}_count`, { service: 'devicefarm', ...labels });
    expect(count('slots_request_decision_seconds', { decision: 'approved' })).toBe(1);
    expect(count('slots_request_decision_seconds', { decision: 'rejected' })).toBe(1);
    expect(metrics.samples('slots_request_decision_seconds_count')).toHaveLength(2);
    expect(count('slots_request_outcome_seconds', { state: 'succeeded' })).toBe(1);
    expect(metrics.samples('slots_request_outcome_seconds_count')).toHaveLength(1);
  });

  it("counts the Slack errors of the outbox's client and of Bolt's", () => {
    const errors = metrics.samples('slots_slack_api_errors_total');
    expect(
      Object.fromEntries(errors.map((s) => [`${s.labels.method} ${s.labels.error}`, s.value])),
    ).toEqual({ 'chat.update internal_error': 1, 'views.open internal_error': 1 });
  });

  it('reports the outbox, the watcher and the process', () => {
    expect(metrics.value('slots_outbox_waiting')).toBe(0);
    expect(metrics.value('slots_outbox_dead')).toBe(0);
    expect(metrics.value('slots_outbox_oldest_waiting_seconds')).toBe(0);
    // The harness polls once at start-up.
    expect(
      metrics.value('slots_watcher_poll_duration_seconds_count', { result: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(metrics.value('slots_watcher_poll_failures_total')).toBe(0);
    expect(metrics.value('slots_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  // Runs after the tests above, which read the first scrape.
  it('counts a watcher poll that could not read AWS, and the failed AWS calls', async () => {
    h.sim.fault('mediaconnect', 'ListReservations', {
      error: { name: 'ServiceUnavailableException', status: 503 },
    });
    try {
      const result = await h.bot.watcher.pollOnce();
      expect(result?.failed).toEqual(['mediaconnect']);
    } finally {
      h.sim.clearFaults();
    }
    const after = (await scrape(h.baseUrl)).metrics;
    expect(after.value('slots_watcher_aws_read_failures_total', { service: 'mediaconnect' })).toBe(
      1,
    );
    expect(after.value('slots_watcher_aws_read_failures_total', { service: 'devicefarm' })).toBe(0);
    expect(
      after.value('slots_watcher_poll_duration_seconds_count', { result: 'ok' }),
    ).toBeGreaterThan(
      metrics.value('slots_watcher_poll_duration_seconds_count', { result: 'ok' })!,
    );
    // One call as the watcher saw it, its retries included.
    expect(
      after.value('slots_aws_call_duration_seconds_count', {
        service: 'mediaconnect',
        operation: 'ListReservations',
        result: 'server_error',
      }),
    ).toBe(1);
  });

  it('puts no message text, person or request id in any label', () => {
    const values = [...metrics.families.values()]
      .flatMap((f) => f.samples)
      .flatMap((s) => Object.values(s.labels));
    for (const v of values) {
      expect(v).not.toMatch(/U0ALICE|U0BOB|not this month|xoxb-|R[0-9A-Z]{7}/);
    }
  });
});

describe('SLOTS_METRICS=false', () => {
  it('turns the route off (404, like any unknown path); /healthz still answers', async () => {
    const h = await startHarness({ env: { SLOTS_METRICS: 'false' } });
    try {
      expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(404);
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await h.stop();
    }
  });
});

describe('Socket Mode', () => {
  const APP_TOKEN = 'xapp-1-A0000000001-0000000000000-TESTAPPLEVELTOKENVALUE';

  it('serves /metrics on the health port', async () => {
    const sim = await startSimulator({ seed: defaultSeed(FIXED_NOW), now: () => FIXED_NOW });
    const slack = await startFakeSlack();
    const sm = await startFakeSocketMode(slack, APP_TOKEN);
    const restoreEnv = pointAwsAt(sim);
    let bot: SlotsBot | undefined;
    try {
      const config = loadConfig({
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
        SLOTS_CHANNEL: 'C0SLOTS',
        SLOTS_APPROVERS: 'U0BOB',
        AWS_REGION: 'us-west-2',
        DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'slots-bot-metrics-')), 'slots.db')}`,
      });
      const logger = createLogger({ level: 'silent', secrets: [BOT_TOKEN, APP_TOKEN] });
      bot = await startSlotsBot(config, { logger, clock: () => FIXED_NOW, drainTimeoutMs: 5_000 });
      expect(bot.slack.mode).toBe('socket');
      await bot.watcher.pollOnce();
      const { metrics } = await scrape(`http://127.0.0.1:${bot.slack.port}`);
      expect(metrics.value('slots_requests', { state: 'pending' })).toBe(0);
      expect(metrics.samples('slots_aws_call_duration_seconds_count').length).toBeGreaterThan(0);
    } finally {
      await bot?.stop();
      await sm.close();
      await slack.close();
      await sim.close();
      restoreEnv();
    }
  });
});
