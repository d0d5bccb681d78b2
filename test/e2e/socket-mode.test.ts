/**
 * `/slots` end to end in Socket Mode: the real Bolt app with `SLACK_APP_TOKEN` set and no signing
 * secret, a fake Slack (Web API + `apps.connections.open` + a loopback WebSocket server), AWS
 * through the real SDK clients against the simulator. Nothing leaves 127.0.0.1.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SlotsBot, startSlotsBot } from '../../src/bootstrap.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/lifecycle/clock.js';
import { createLogger } from '../../src/logger.js';
import { defaultSeed, type Simulator, startSimulator } from '../../src/sim/index.js';
import type { RunningSlackApp } from '../../src/slack/app.js';
import { blockText } from '../helpers/blocks.js';
import { type FakeSlack, startFakeSlack, waitFor } from '../helpers/fake-slack.js';
import { type FakeSocketMode, startFakeSocketMode } from '../helpers/fake-socket-mode.js';
import { BOT_TOKEN, FIXED_NOW, pointAwsAt, TEST_AWS_SECRET } from '../helpers/harness.js';

const APP_TOKEN = 'xapp-1-A0000000001-0000000000000-TESTAPPLEVELTOKENVALUE';
let sim: Simulator | undefined;
let slack: FakeSlack | undefined;
let sm: FakeSocketMode | undefined;
let bot: SlotsBot | undefined;
let app: RunningSlackApp | undefined;
let config: Config;
let baseUrl: string;
const logs: string[] = [];
let restoreEnv: (() => void) | undefined;

function tempDatabase(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'slots-bot-socket-')), 'slots.db')}`;
}

/** A bound on anything awaited, so a hang fails with a name instead of a hook timeout. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function running(): { sim: Simulator; slack: FakeSlack; sm: FakeSocketMode; app: RunningSlackApp } {
  if (!sim || !slack || !sm || !app) throw new Error('the test app did not start');
  return { sim, slack, sm, app };
}

function answerTo(responseUrl: string, timeoutMs = 5_000) {
  return running().slack.answerTo(responseUrl, timeoutMs);
}

beforeAll(async () => {
  const clock: Clock = () => new Date(FIXED_NOW);
  sim = await startSimulator({ seed: defaultSeed(FIXED_NOW), now: clock });
  slack = await startFakeSlack();
  sm = await startFakeSocketMode(slack, APP_TOKEN);

  restoreEnv = pointAwsAt(sim);
  // Socket Mode as an operator would configure it: an app-level token and no signing secret.
  config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    SLOTS_CHANNEL: 'C0SLOTS',
    SLOTS_APPROVERS: 'U0BOB,U0CAROL',
    AWS_REGION: 'us-west-2',
    DATABASE_URL: tempDatabase(),
    // Every status reads AWS: the tests count its calls (reuse is tested in status-reuse).
    SLOTS_STATUS_MAX_AGE: '0',
  });
  // The same secrets list as src/main.ts.
  const logger = createLogger({
    level: 'debug',
    secrets: [config.slack.botToken, config.slack.appToken, config.slack.signingSecret],
    destination: { write: (line: string) => void logs.push(line) },
  });
  bot = await within(
    10_000,
    'the bot in Socket Mode',
    startSlotsBot(config, { logger, clock, drainTimeoutMs: 5_000, outboxPollMs: 50 }),
  );
  app = bot.slack;
  baseUrl = `http://127.0.0.1:${app.port}`;
  // The watcher reads AWS once at start-up; let that finish so AWS call counts are the tests' own.
  await bot.watcher.pollOnce();
});

afterAll(async () => {
  // Each step runs even if an earlier one failed, so nothing is left listening.
  const steps: Array<[string, (() => Promise<unknown>) | undefined]> = [
    ['bot.stop', bot && (() => bot!.stop())],
    ['socket mode server', sm && (() => sm!.close())],
    ['fake slack', slack && (() => slack!.close())],
    ['simulator', sim && (() => sim!.close())],
  ];
  const failures: string[] = [];
  for (const [name, step] of steps) {
    if (!step) continue;
    await within(10_000, name, step()).catch((e: unknown) => failures.push(String(e)));
  }
  restoreEnv?.();
  if (failures.length > 0) throw new Error(`cleanup failed:\n${failures.join('\n')}`);
});

afterEach(() => {
  sim?.clearFaults();
  sim?.setGlobalDelay(0);
});

describe('start-up in Socket Mode', () => {
  it('chose Socket Mode from the config: app token set, no signing secret', () => {
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.signingSecret).toBeUndefined();
    expect(running().app.mode).toBe('socket');
  });

  it('opened one connection with the app-level token in the Authorization header', () => {
    const { slack, sm } = running();
    const opens = slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(APP_TOKEN);
    // Slack rejects the token as a form field; it must only travel in the header.
    expect(opens[0]!.args).not.toHaveProperty('token');
    expect(sm.issuedUrls).toHaveLength(1);
    expect(sm.connections).toBe(1);
    expect(sm.isConnected()).toBe(true);
    // The bot token was checked once and the app token was never used for Web API calls.
    expect(slack.callsTo('auth.test').map((c) => c.token)).toEqual([BOT_TOKEN]);
    const others = slack.calls.filter((c) => c.method !== 'apps.connections.open');
    expect(others.map((c) => c.token)).not.toContain(APP_TOKEN);
  });

  it('logged that it is ready, without any token', () => {
    const text = logs.join('');
    const ready = logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'slots-bot is ready');
    expect(ready).toEqual([expect.objectContaining({ mode: 'socket', port: running().app.port })]);
    expect(text).not.toContain(APP_TOKEN);
    expect(text).not.toContain(APP_TOKEN.slice('xapp-'.length));
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(TEST_AWS_SECRET);
    // The one-use WebSocket URL is a credential of its own.
    for (const url of running().sm.issuedUrls) {
      expect(text).not.toContain(new URL(url).searchParams.get('ticket'));
    }
  });
});

describe('health server in Socket Mode', () => {
  it('GET /healthz answers 200 with the socket connected', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'socket', socket: 'connected' });
  });

  it('does not take Slack requests over HTTP', async () => {
    const res = await fetch(`${baseUrl}/slack/events`, { method: 'POST', body: 'x=1' });
    expect(res.status).toBe(404);
  });
});

describe('/slots over the WebSocket', () => {
  it.each(['help', ''])(
    '%j → acked with the usage in the ack payload, no AWS call',
    async (text) => {
      const { sim, slack, sm } = running();
      const mark = sim.calls.length;
      const responseUrl = slack.responseUrl();
      const sent = sm.sendSlashCommand({ text, responseUrl });
      const ack = await sm.waitForAck(sent.envelopeId, 3_000);
      expect(ack.at - sent.sentAt).toBeLessThan(3_000);
      expect(ack.payload).toBeDefined();
      expect(ack.payload!.response_type).toBe('ephemeral');
      expect(typeof ack.payload!.text).toBe('string');
      expect(blockText(ack.payload!)).toContain('/slots status');
      expect(sim.calls.slice(mark)).toHaveLength(0);
      expect(slack.responsesTo(responseUrl)).toHaveLength(0);
    },
  );

  it('a usage error is answered in the ack too', async () => {
    const { slack, sm } = running();
    const sent = sm.sendSlashCommand({ text: 'frobnicate', responseUrl: slack.responseUrl() });
    const ack = await sm.waitForAck(sent.envelopeId, 3_000);
    const text = blockText(ack.payload ?? {});
    expect(text).toMatch(/Unknown command/);
    expect(text).toContain('/slots status');
  });

  it('status: acked within 3 s while AWS takes 2 s per call, then answered on response_url', async () => {
    const { sim, slack, sm } = running();
    sim.setGlobalDelay(2_000);
    const mark = sim.calls.length;
    const responseUrl = slack.responseUrl();
    const sent = sm.sendSlashCommand({ text: 'status', responseUrl });

    const ack = await sm.waitForAck(sent.envelopeId, 3_000);
    expect(ack.at - sent.sentAt).toBeLessThan(3_000);
    // An empty ack: the answer comes later, through response_url.
    expect(ack.payload ?? {}).toEqual({});
    expect(slack.responsesTo(responseUrl)).toHaveLength(0);

    const answer = await answerTo(responseUrl, 15_000);
    expect(answer.response_type).toBe('ephemeral');
    const text = blockText(answer);
    expect(text).toContain('Android Remote Access Unmetered Device Slot');
    expect(text).toContain('live-events');
    expect(typeof answer.text).toBe('string');
    const operations = sim.calls.slice(mark).map((c) => c.operation);
    expect(operations).toContain('GetOfferingStatus');
    expect(operations).toContain('ListReservations');
    expect(slack.responsesTo(responseUrl)).toHaveLength(1);
    // Message text stays out of the logs in Socket Mode as well.
    expect(logs.join('')).not.toContain('Android Remote Access Unmetered Device Slot');
  });

  it('sends every ack on the socket exactly once and nothing else', () => {
    const { sm } = running();
    const ids = sm.acks.map((a) => a.envelope_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(sm.unexpected).toEqual([]);
  });
});

describe('connection refresh', () => {
  it('reconnects when Slack asks it to, and keeps answering', async () => {
    const { slack, sm } = running();
    const before = sm.connections;
    sm.requestDisconnect('refresh_requested');
    await sm.waitForClose(before, 5_000);
    // socket-mode 3 waits clientPingTimeout (5 s) before it reconnects.
    await sm.waitForConnection(before + 1, 12_000);
    const opens = slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(2);
    expect(opens.every((c) => c.token === APP_TOKEN)).toBe(true);

    const sent = sm.sendSlashCommand({ text: 'help', responseUrl: slack.responseUrl() });
    const ack = await sm.waitForAck(sent.envelopeId, 3_000);
    expect(ack.connection).toBe(before + 1);
    expect(blockText(ack.payload ?? {})).toContain('/slots status');
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  }, 20_000);
});

describe('stop()', () => {
  it('finishes acknowledged work, closes the WebSocket and the health server, and resolves', async () => {
    const { sim, slack, sm, app } = running();
    // A command acked just before shutdown still gets its answer.
    sim.setGlobalDelay(1_000);
    const responseUrl = slack.responseUrl();
    const sent = sm.sendSlashCommand({ text: 'status devicefarm', responseUrl });
    await sm.waitForAck(sent.envelopeId, 3_000);
    const connection = sm.connections;
    const opens = slack.callsTo('apps.connections.open').length;

    await within(10_000, 'app.stop()', app.stop());

    expect(slack.responsesTo(responseUrl)).toHaveLength(1);
    expect(blockText(slack.responsesTo(responseUrl)[0]!.body)).toContain(
      'Android Remote Access Unmetered Device Slot',
    );
    // The client sends a normal close frame; it may land just after stop() resolves.
    const closed = await sm.waitForClose(connection, 5_000);
    expect(closed.code).toBe(1000);
    expect(sm.isConnected()).toBe(false);
    await expect(fetch(`${baseUrl}/healthz`)).rejects.toThrow();
    // A second stop() resolves at once; no new connection was opened on the way down.
    await within(1_000, 'second app.stop()', app.stop());
    expect(slack.callsTo('apps.connections.open')).toHaveLength(opens);
    expect(sm.connections).toBe(connection);
    await waitFor('the log line "stopped"', () => logs.some((l) => l.includes('"stopped"')), 2_000);
  });
});

describe('a refused app-level token', () => {
  it('fails start-up with a message naming SLACK_APP_TOKEN', async () => {
    const { slack } = running();
    const wrong = loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: 'xapp-1-A0000000001-0000000000000-WRONGTOKEN',
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      SLOTS_CHANNEL: 'C0SLOTS',
      SLOTS_APPROVERS: 'U0BOB',
      AWS_REGION: 'us-west-2',
      DATABASE_URL: tempDatabase(),
    });
    const logger = createLogger({ level: 'silent' });
    await expect(
      within(10_000, 'a refused start', startSlotsBot(wrong, { logger })),
    ).rejects.toThrow(
      /Slack refused the app-level token \(apps\.connections\.open: invalid_auth\); check SLACK_APP_TOKEN/,
    );
  });
});
