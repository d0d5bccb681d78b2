/**
 * `kill -9` at each step of a purchase, then an immediate restart on the same SQLite file: the
 * real `src/main.ts` process, signed HTTP, the simulator and a fake Slack. Whatever step the
 * process died at, the restarted bot settles the request within three minutes with the
 * reconciler's default timings, and AWS never receives a second purchase.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeed, SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import { botArgs, botProcessEnv, freePort } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { buttonClick } from '../helpers/payloads.js';
import { sendInteraction, sendSlashCommand } from '../helpers/slack-requests.js';

const SETTLE_LIMIT_MS = 3 * 60_000;

let slack: FakeSlack;
const children: ChildProcess[] = [];
const sims: Simulator[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.handle('usergroups.users.list', () => ({ users: [] }));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([slack.close(), ...sims.map((s) => s.close())]);
});

interface Running {
  readonly child: ChildProcess;
  readonly eventsUrl: string;
}

async function startBot(sim: Simulator, databasePath: string): Promise<Running> {
  const port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), 'slots-bot-kill-'));
  const child = spawn(process.execPath, botArgs(), {
    cwd: workDir,
    env: {
      ...botProcessEnv({ workDir, port, slack, sim, logLevel: 'warn' }),
      DATABASE_URL: `sqlite:${databasePath}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`bot not healthy: ${stderr}`);
    await sleep(50);
  }
  return { child, eventsUrl: `http://127.0.0.1:${port}/slack/events` };
}

function kill9(bot: Running): Promise<void> {
  return new Promise((r) => {
    bot.child.once('exit', () => r());
    bot.child.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function requestRow(
  path: string,
): { id: string; state: string; outcome: string | null } | undefined {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, state, outcome FROM requests ORDER BY created_at DESC').get() as
      | { id: string; state: string; outcome: string | null }
      | undefined;
  } finally {
    db.close();
  }
}

/** A request made and approved on a fresh bot; `breakAt` arms the step to die at. */
async function caseAt(
  offeringId: string,
  breakAt: (sim: Simulator, dbPath: string, bot: Running) => Promise<() => void>,
) {
  // AWS's clock runs (on the machine's time), five minutes ahead of the bot's.
  const sim = await startSimulator({
    seed: defaultSeed(new Date()),
    behaviour: { clockOffsetMs: 5 * 60_000 },
  });
  sims.push(sim);
  const dbPath = join(mkdtempSync(join(tmpdir(), 'slots-kill-db-')), 'slots.db');
  const bot = await startBot(sim, dbPath);
  const made = await sendSlashCommand(bot.eventsUrl, {
    text: `purchase devicefarm ${offeringId} 2`,
    responseUrl: slack.responseUrl(),
    userId: 'U0ALICE',
  });
  expect(made.status).toBe(200);
  const pending = await poll(
    'the pending request',
    () => {
      const row = requestRow(dbPath);
      return row?.state === 'pending' ? row : undefined;
    },
    10_000,
  );
  const release = await breakAt(sim, dbPath, bot);
  await kill9(bot);
  release();
  const killedAt = Date.now();
  const afterKill = requestRow(dbPath);
  const restarted = await startBot(sim, dbPath);
  const settled = await poll(
    'the request to leave executing',
    () => {
      const row = requestRow(dbPath);
      return row && row.state !== 'executing' ? row : undefined;
    },
    SETTLE_LIMIT_MS,
  );
  const tookMs = Date.now() - killedAt;
  restarted.child.kill('SIGTERM');
  return {
    id: pending.id,
    afterKill,
    settled,
    tookMs,
    purchases: sim.callsTo('PurchaseOffering', 'devicefarm').length,
  };
}

async function approve(bot: Running, id: string): Promise<void> {
  const res = await sendInteraction(
    bot.eventsUrl,
    buttonClick({
      actionId: APPROVE_ACTION,
      value: id,
      userId: 'U0BOB',
      responseUrl: slack.responseUrl(),
    }),
  );
  expect(res.status).toBe(200);
}

/** Approves with AWS slow to answer, and returns once the purchase call has reached it. */
async function approveUntilCallSent(sim: Simulator, dbPath: string, bot: Running): Promise<void> {
  sim.fault('devicefarm', 'PurchaseOffering', { delayMs: 1_500, times: 1 });
  await approve(bot, requestRow(dbPath)!.id);
  await poll('the purchase call', () => sim.callsTo('PurchaseOffering', 'devicefarm')[0], 10_000);
}

describe('kill -9 at each step of a purchase, then an immediate restart', () => {
  it('settles every request within the limit, with at most the one purchase call', async () => {
    const [beforeCall, duringCall, afterAnswer] = await Promise.all([
      // Dies while re-reading the offering: the purchase was never sent.
      caseAt(SEED_IDS.androidRemote, async (sim, dbPath, bot) => {
        sim.fault('devicefarm', 'ListOfferings', { delayMs: 5_000, times: 1 });
        await approve(bot, requestRow(dbPath)!.id);
        await poll(
          'the re-read',
          () => sim.callsTo('ListOfferings', 'devicefarm').find((c) => c.status === 0),
          10_000,
        );
        return () => {};
      }),
      // Dies while the purchase is with AWS, which completes it: the answer is never read.
      caseAt(SEED_IDS.iosRemote, async (sim, dbPath, bot) => {
        await approveUntilCallSent(sim, dbPath, bot);
        return () => {};
      }),
      // Dies after AWS answered, while the store is locked by another process: nothing recorded.
      caseAt(SEED_IDS.androidAutomated, async (sim, dbPath, bot) => {
        await approveUntilCallSent(sim, dbPath, bot);
        const lock = new Database(dbPath);
        lock.exec('BEGIN IMMEDIATE');
        await poll(
          'the answer',
          () => sim.callsTo('PurchaseOffering', 'devicefarm').find((c) => c.status === 200),
          10_000,
        );
        await sleep(300);
        return () => {
          lock.exec('ROLLBACK');
          lock.close();
        };
      }),
    ]);

    for (const c of [beforeCall, duringCall, afterAnswer]) {
      expect(c.afterKill?.state).toBe('executing');
      expect(c.tookMs).toBeLessThan(SETTLE_LIMIT_MS);
    }
    expect(beforeCall.purchases).toBe(0);
    expect(beforeCall.settled.state).toBe('failed');
    expect(JSON.parse(beforeCall.settled.outcome!).errorCode).toBe('never_sent');

    for (const c of [duringCall, afterAnswer]) {
      expect(c.purchases).toBe(1);
      expect(c.settled.state).toBe('succeeded');
      expect(JSON.parse(c.settled.outcome!)).toMatchObject({ source: 'reconciliation' });
    }
  }, 240_000);
});
