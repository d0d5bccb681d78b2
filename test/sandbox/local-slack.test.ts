/**
 * The real bot against the local Slack, with no browser: the page's API is driven exactly as
 * the page drives it (JSON posts to `/sandbox/*`) and everything is read back from
 * `GET /sandbox/state`, so what the page would show is what is asserted.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlotsBot, startSlotsBot } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type {
  ActionResult,
  AwsPanelState,
  SandboxMessage,
  Snapshot,
} from '../../src/sandbox/protocol.js';
import { SANDBOX_PATHS } from '../../src/sandbox/protocol.js';
import { type LocalSlack, startLocalSlack } from '../../src/sandbox/slack/server.js';
import type { AwsPanelBackend } from '../../src/sandbox/slack/types.js';
import {
  SANDBOX_APPROVERS,
  SANDBOX_BOT,
  SANDBOX_BOT_TOKEN,
  SANDBOX_CHANNEL,
  SANDBOX_SIGNING_SECRET,
  SLACKBOT_USER_ID,
} from '../../src/sandbox/workspace-setup.js';
import { defaultSeed, SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import { APPROVE_ACTION, REQUEST_ACTIONS_BLOCK } from '../../src/slack/views/request-card.js';
import {
  OFFERING_ACTION,
  OFFERING_BLOCK,
  QUANTITY_ACTION,
  QUANTITY_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
  REQUEST_MODAL_CALLBACK,
} from '../../src/slack/views/request-modal.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { pointAwsAt } from '../helpers/harness.js';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const DAVE = 'U0DAVE';

let sim: Simulator;
let slack: LocalSlack;
let bot: SlotsBot;
let restoreEnv: () => void;
const logs: string[] = [];

/** Just enough of the AWS panel for the local Slack: a state and no actions. */
function stubAwsPanel(now: () => Date): AwsPanelBackend {
  const state: AwsPanelState = {
    now: now().toISOString(),
    nextPeriodStart: now().toISOString(),
    calls: [],
    totalCalls: 0,
    services: { devicefarm: 'ok', mediaconnect: 'ok' },
    offerings: [],
    reservations: [],
  };
  return {
    state: () => state,
    act: async () => ({ ok: true, message: 'done' }),
    onChange: () => () => undefined,
  };
}

beforeAll(async () => {
  const now = () => new Date();
  sim = await startSimulator({ seed: defaultSeed(now()), now });
  restoreEnv = pointAwsAt(sim);
  const logger = createLogger({
    level: 'info',
    secrets: [SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET],
    destination: { write: (line: string) => void logs.push(line) },
  });
  slack = await startLocalSlack({
    port: 0,
    host: '127.0.0.1',
    now,
    webRoot: mkdtempSync(join(tmpdir(), 'local-slack-web-')),
    usageHint: '[help | status | offerings | purchase | renew | pending | history]',
    aws: stubAwsPanel(now),
    requests: (id) => bot.store.getRequest(id),
    botHealth: async () => {
      if (!bot) return false;
      const res = await fetch(`http://127.0.0.1:${bot.slack.port}/healthz`).catch(() => undefined);
      return res?.status === 200;
    },
    logger,
  });
  const databasePath = join(mkdtempSync(join(tmpdir(), 'local-slack-db-')), 'slots.db');
  const config = loadConfig({
    SLACK_BOT_TOKEN: SANDBOX_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SANDBOX_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    SLOTS_CHANNEL: SANDBOX_CHANNEL.id,
    SLOTS_APPROVERS: SANDBOX_APPROVERS,
    AWS_REGION: 'us-west-2',
    DATABASE_URL: `sqlite:${databasePath}`,
  });
  bot = await startSlotsBot(config, {
    logger,
    clock: now,
    listenHost: '127.0.0.1',
    outboxPollMs: 50,
    drainTimeoutMs: 5_000,
  });
  slack.setEventsUrl(`http://127.0.0.1:${bot.slack.port}/slack/events`);
  await bot.watcher.pollOnce();
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  await sim?.close();
  restoreEnv?.();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: ActionResult }> {
  const res = await fetch(`${slack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as ActionResult };
}

async function state(): Promise<Snapshot> {
  const res = await fetch(`${slack.url}${SANDBOX_PATHS.state}`);
  return (await res.json()) as Snapshot;
}

function until<T>(what: string, probe: (s: Snapshot) => T | undefined | false, ms = 10_000) {
  return waitForAsync(what, async () => probe(await state()), ms);
}

const blocksText = (m: SandboxMessage) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const approveButton = (m: SandboxMessage) =>
  (m.blocks ?? [])
    .flatMap((b) => (Array.isArray(b.elements) ? (b.elements as Record<string, unknown>[]) : []))
    .find((e) => e.action_id === APPROVE_ACTION);
const done = (s: Snapshot, id: string) => s.checklist.find((c) => c.id === id)?.done;

describe('the real bot in the local Slack', () => {
  let cardTs = '';
  let requestId = '';

  it('answers /slots status with an ephemeral listing the seeded offerings', async () => {
    const sent = await post(SANDBOX_PATHS.command, { user: ALICE, line: '/slots status' });
    expect(sent).toEqual({ status: 200, json: { ok: true } });
    const answer = await until('the status answer', (s) =>
      s.messages.find((m) => m.ephemeralTo === ALICE && m.userId === SANDBOX_BOT.userId),
    );
    expect(blocksText(answer)).toMatch(/Android Remote Access/);
    expect(blocksText(answer)).toMatch(/iOS Remote Access/);
    await until('the status tick', (s) => done(s, 'status'));
  });

  it('posts a request card for a one-line purchase', async () => {
    const line = `/slots purchase devicefarm ${SEED_IDS.androidRemote} 2`;
    expect((await post(SANDBOX_PATHS.command, { user: ALICE, line })).json.ok).toBe(true);
    const card = await until('the request card', (s) =>
      s.messages.find(
        (m) => m.channel === SANDBOX_CHANNEL.id && !m.ephemeralTo && approveButton(m),
      ),
    );
    cardTs = card.ts;
    requestId = String(approveButton(card)?.value);
    expect(requestId).toMatch(/^[0-9A-Z]{8}$/);
    await until('the request tick', (s) => done(s, 'request'));
  });

  /** A click on the card's Approve button, as the page sends it. */
  const approveAs = (user: string) =>
    post(SANDBOX_PATHS.action, {
      user,
      source: { kind: 'message', ts: cardTs },
      blockId: REQUEST_ACTIONS_BLOCK,
      actionId: APPROVE_ACTION,
      type: 'button',
      value: requestId,
    });

  it("refuses Alice's approval of her own request, and buys nothing", async () => {
    const before = (await state()).messages.filter((m) => m.ephemeralTo === ALICE).length;
    const clicked = await approveAs(ALICE);
    expect(clicked.json.ok).toBe(true);
    const refusal = await until('the refusal', (s) => {
      const mine = s.messages.filter((m) => m.ephemeralTo === ALICE);
      return mine.length > before && mine.at(-1);
    });
    expect(refusal.userId).toBe(SANDBOX_BOT.userId);
    await until('the self-approve tick', (s) => done(s, 'self-approve'));
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(0);
  });

  it("buys on Bob's approval: the card shows Bob, the thread the outcome", async () => {
    const clicked = await approveAs(BOB);
    expect(clicked.json.ok).toBe(true);
    const reply = await until('the thread reply', (s) =>
      s.messages.find((m) => m.threadTs === cardTs),
    );
    expect(reply.userId).toBe(SANDBOX_BOT.userId);
    const s = await until('the edited card', (s) => {
      const card = s.messages.find((m) => m.ts === cardTs);
      return card?.editedAt !== undefined && blocksText(card).includes(BOB) ? s : undefined;
    });
    const card = s.messages.find((m) => m.ts === cardTs)!;
    expect(card.replyCount).toBeGreaterThanOrEqual(1);
    expect(approveButton(card)).toBeUndefined();
    expect(sim.callsTo('PurchaseOffering')).toHaveLength(1);
    await until('the approve and thread ticks', (s) => done(s, 'approve') && done(s, 'thread'));
  });

  it('opens the request modal for /slots purchase and shows a field error inline', async () => {
    expect(
      (await post(SANDBOX_PATHS.command, { user: DAVE, line: '/slots purchase' })).json.ok,
    ).toBe(true);
    const modal = await until('the request form', (s) => {
      const top = s.modals[DAVE]?.at(-1);
      return top?.view.callback_id === REQUEST_MODAL_CALLBACK &&
        JSON.stringify(top.view.blocks).includes(QUANTITY_BLOCK)
        ? top
        : undefined;
    });
    const submitted = await post(SANDBOX_PATHS.submit, {
      user: DAVE,
      viewId: modal.id,
      state: {
        [OFFERING_BLOCK.devicefarm]: {
          [OFFERING_ACTION]: {
            type: 'static_select',
            selected_option: { value: SEED_IDS.iosAutomated },
          },
        },
        [QUANTITY_BLOCK]: { [QUANTITY_ACTION]: { type: 'plain_text_input', value: 'lots' } },
        [REASON_BLOCK]: { [REASON_ACTION]: { type: 'plain_text_input', value: 'load tests' } },
      },
    });
    expect(submitted.json.ok).toBe(true);
    const after = await state();
    const top = after.modals[DAVE]?.at(-1);
    expect(top?.id).toBe(modal.id);
    expect(top?.errors[QUANTITY_BLOCK]).toBeTruthy();

    expect((await post(SANDBOX_PATHS.close, { user: DAVE, viewId: modal.id })).json.ok).toBe(true);
    expect((await state()).modals[DAVE]).toBeUndefined();
  });

  it('publishes the Home tab when a person opens it', async () => {
    expect((await post(SANDBOX_PATHS.home, { user: ALICE })).json.ok).toBe(true);
    const home = await until('the Home tab', (s) => s.home[ALICE]);
    expect(home.type).toBe('home');
  });

  it('ticks the checklist items the flow went through', async () => {
    const s = await state();
    expect(s.checklist.filter((c) => c.done).map((c) => c.id)).toEqual([
      'status',
      'request',
      'self-approve',
      'approve',
      'thread',
    ]);
    expect(s.botHealthy).toBe(true);
  });

  it('tells the person about a command Slack does not know, and posts plain messages', async () => {
    await post(SANDBOX_PATHS.command, { user: BOB, line: '/nope hi' });
    await post(SANDBOX_PATHS.command, { user: BOB, line: 'hello', threadTs: cardTs });
    const s = await state();
    const note = s.messages.find((m) => m.userId === SLACKBOT_USER_ID && m.ephemeralTo === BOB);
    expect(note?.text).toMatch(/^\/nope is not a valid command/);
    expect(s.messages.find((m) => m.userId === BOB && m.threadTs === cardTs)?.text).toBe('hello');
  });

  it('refuses a malformed body with the field, and a foreign Host header', async () => {
    const bad = await post(SANDBOX_PATHS.action, { user: ALICE, source: { kind: 'message' } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^source\.ts/);
    // fetch cannot set Host; node:http can, as a page on a rebound name would send it.
    const foreign = await new Promise<{ status: number }>((resolve, reject) => {
      const url = new URL(`${slack.url}${SANDBOX_PATHS.state}`);
      request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          headers: { host: 'attacker.example' },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        },
      )
        .on('error', reject)
        .end();
    });
    expect(foreign.status).toBe(403);
  });

  it('never logs message text, tokens or response URLs', () => {
    const all = logs.join('\n');
    expect(all).not.toContain(SANDBOX_BOT_TOKEN);
    expect(all).not.toContain('/response/');
    expect(all).not.toContain('Android Remote Access Unmetered');
  });
});
