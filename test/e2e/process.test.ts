/**
 * The bot as a real process, the bundle `npm start` runs: configuration errors, start-up against
 * a fake Slack and the simulator, `/slots status` over signed HTTP, and a graceful exit on SIGTERM
 * mid-request.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeed, type Simulator, startSimulator } from '../../src/sim/index.js';
import { blockText } from '../helpers/blocks.js';
import { botArgs, botProcessEnv, freePort, PROCESS_AWS_SECRET } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack, waitFor } from '../helpers/fake-slack.js';
import { BOT_TOKEN, FIXED_NOW } from '../helpers/harness.js';
import { SIGNING_SECRET, sendSlashCommand } from '../helpers/slack-requests.js';

interface Bot {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs the bot in an empty directory, so no developer `.env` leaks into the test. */
function runBot(env: Record<string, string>): Bot {
  const cwd = mkdtempSync(join(tmpdir(), 'slots-bot-'));
  const child = spawn(process.execPath, botArgs(), {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitHealthy(port: number, bot: Bot): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (bot.child.exitCode !== null) throw new Error(`bot exited: ${bot.stderr()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bot not healthy in time: ${bot.stderr()}`);
}

let sim: Simulator;
let slack: FakeSlack;
const running: Bot[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: defaultSeed(FIXED_NOW), now: () => FIXED_NOW });
  slack = await startFakeSlack();
});
afterAll(async () => {
  for (const bot of running) bot.child.kill('SIGKILL');
  await Promise.all([sim.close(), slack.close()]);
});

/** How long shutdown may wait for acknowledged work (`drainTimeoutMs`'s default in app.ts). */
const DRAIN_LIMIT_MS = 15_000;

function botEnv(port: number): Record<string, string> {
  return botProcessEnv({ workDir: mkdtempSync(join(tmpdir(), 'slots-bot-')), port, slack, sim });
}

describe('the slots-bot process', () => {
  it('refuses to start on bad configuration, naming every problem and no value', async () => {
    const bot = runBot({ SLACK_BOT_TOKEN: 'xoxp-not-a-bot-token-LEAKVALUE', PORT: 'eighty' });
    running.push(bot);
    expect(await bot.exited).toBe(78);
    const err = bot.stderr();
    for (const name of [
      'SLACK_BOT_TOKEN',
      'PORT',
      'SLOTS_CHANNEL',
      'SLOTS_APPROVERS',
      'AWS_REGION',
    ]) {
      expect(err).toContain(name);
    }
    expect(err).not.toContain('LEAKVALUE');
    expect(err).not.toContain('eighty');
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('refuses a poll interval longer than it may be, naming the variable and the maximum', async () => {
    const bot = runBot({ ...botEnv(await freePort()), SLOTS_POLL_INTERVAL: '30d' });
    running.push(bot);
    expect(await bot.exited).toBe(78);
    expect(bot.stderr()).toContain('SLOTS_POLL_INTERVAL must be at most 24h');
  });

  it('refuses to start when Slack rejects the bot token', async () => {
    slack.fail('auth.test', { error: 'invalid_auth', times: 1 });
    const bot = runBot(botEnv(await freePort()));
    running.push(bot);
    expect(await bot.exited).toBe(1);
    expect(bot.stderr()).toContain('Slack refused the bot token (auth.test: invalid_auth)');
    expect(bot.stderr() + bot.stdout()).not.toContain(BOT_TOKEN);
  });

  it('answers /slots status, then finishes that answer on SIGTERM and exits 0', async () => {
    const port = await freePort();
    const bot = runBot(botEnv(port));
    running.push(bot);
    await waitHealthy(port, bot);

    const eventsUrl = `http://127.0.0.1:${port}/slack/events`;
    const first = slack.responseUrl();
    const res = await sendSlashCommand(eventsUrl, { text: 'status', responseUrl: first });
    expect(res.status).toBe(200);
    const answer = await waitFor('the status answer', () => slack.responsesTo(first)[0]);
    expect(blockText(answer.body)).toContain('live-events');

    // A request acknowledged just before SIGTERM is still answered before the process exits.
    sim.setGlobalDelay(1_000);
    const second = slack.responseUrl();
    const slow = await sendSlashCommand(eventsUrl, { text: 'status', responseUrl: second });
    expect(slow.status).toBe(200);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    sim.setGlobalDelay(0);
    expect(slack.responsesTo(second)).toHaveLength(1);

    const logs = bot.stdout() + bot.stderr();
    expect(logs).toContain('"msg":"slots-bot is ready"');
    expect(logs).toContain('"msg":"stopped"');
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(SIGNING_SECRET);
    expect(logs).not.toContain(PROCESS_AWS_SECRET);
  });

  it.each([
    ['SIGTERM', 'stdout is'],
    ['SIGINT', 'stdout and stderr are'],
  ] as const)(
    '%s ends it within the drain limit when %s a closed pipe',
    async (signal, closed) => {
      const port = await freePort();
      // Debug logging: many lines still to write when the signal comes.
      const bot = runBot({ ...botEnv(port), LOG_LEVEL: 'debug' });
      running.push(bot);
      await waitHealthy(port, bot);

      const eventsUrl = `http://127.0.0.1:${port}/slack/events`;
      const res = await sendSlashCommand(eventsUrl, {
        text: 'help',
        responseUrl: slack.responseUrl(),
      });
      expect(res.status).toBe(200);

      // The reader goes away; the shutdown's own log lines are the first to meet EPIPE.
      bot.child.stdout!.destroy();
      if (closed !== 'stdout is') bot.child.stderr!.destroy();
      const started = Date.now();
      bot.child.kill(signal);
      const ended = await Promise.race([
        bot.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), DRAIN_LIMIT_MS)),
      ]);
      expect(ended).toBe(0);
      expect(Date.now() - started).toBeLessThan(DRAIN_LIMIT_MS);
    },
    45_000,
  );
});
