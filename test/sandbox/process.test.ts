/**
 * `npm run sandbox` as a person runs it: a real process tree (npm, tsx, node) started from the
 * repository with real-looking Slack and AWS settings planted in its environment. It must ignore
 * them (and say so without their values), become healthy, serve the page, answer `/slots status`
 * from the simulator, keep its world between runs, forget it on `--reset`, and stop on SIGTERM.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_PATHS, type Snapshot } from '../../src/sandbox/protocol.js';
import {
  killLeftoverSandboxes,
  type SandboxProcess,
  startSandbox,
} from '../helpers/sandbox-process.js';

/** Values that look real; none may ever be printed, and none may be used. */
const PLANTED = {
  SLACK_BOT_TOKEN: 'xoxb-real-looking-0000000000-abcdefghij',
  AWS_ACCESS_KEY_ID: 'AKIAREALREALREAL',
  AWS_ENDPOINT_URL_DEVICE_FARM: 'http://192.0.2.1:9',
  SLACK_APP_TOKEN: 'xapp-1-real',
} as const;

// The whole group (npm, sh, tsx, node) of any sandbox a failed test left running.
afterAll(killLeftoverSandboxes);

const start = (dataDir: string, ...args: string[]) => startSandbox({ dataDir, args, env: PLANTED });

/** SIGTERM to npm only, as a service manager would; the script's `exec` passes it on. */
const stop = (sandbox: SandboxProcess) => sandbox.stop({ to: 'npm' });

async function state(sandbox: SandboxProcess): Promise<Snapshot> {
  const res = await fetch(`${sandbox.url}${SANDBOX_PATHS.state}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Snapshot;
}

async function waitForState(
  sandbox: SandboxProcess,
  what: string,
  ok: (s: Snapshot) => boolean,
): Promise<Snapshot> {
  const deadline = Date.now() + 20_000;
  let last = await state(sandbox);
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
    last = await state(sandbox);
  }
  return last;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const botMessages = (s: Snapshot) => s.messages.filter((m) => m.userId === s.bot.userId);

describe('npm run sandbox', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-process-'));
  /** The ts of the bot's answer to `/slots status` in the first run. */
  let answerTs: string | undefined;

  it('starts healthy, serves the page, ignores the environment and stops on SIGTERM', async () => {
    const sandbox = await start(dataDir);

    const page = await fetch(`${sandbox.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<script[^>]+src="\/app\.js"/);
    const script = await fetch(`${sandbox.url}/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1_000);

    const out = sandbox.output();
    expect(out).toContain('Nothing here reaches real Slack or AWS.');
    const ignored = /Ignored from your environment: (.+)$/m.exec(out)?.[1]?.split(', ') ?? [];
    expect(ignored).toEqual(expect.arrayContaining(Object.keys(PLANTED)));
    for (const value of Object.values(PLANTED)) expect(out).not.toContain(value);

    const command = await fetch(`${sandbox.url}${SANDBOX_PATHS.command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'U0ALICE', line: '/slots status' }),
    });
    expect(await command.json()).toMatchObject({ ok: true });
    // The answer needs AWS: it arrives only if the bot called the simulator, not the planted
    // endpoint (which nothing answers).
    const answered = await waitForState(
      sandbox,
      'the answer to /slots status',
      (s) => s.checklist.find((i) => i.id === 'status')?.done === true,
    );
    expect(answered.aws.totalCalls).toBeGreaterThan(0);
    expect(
      answered.aws.calls.some((c) => c.operation === 'GetOfferingStatus' && c.status === 200),
    ).toBe(true);
    const answer = botMessages(answered).find((m) => m.ephemeralTo === 'U0ALICE');
    expect(answer?.text).toContain('Device Farm');
    answerTs = answer?.ts;

    expect(await stop(sandbox)).toBe(0);
    expect(sandbox.output()).toContain('Sandbox stopped.');
    for (const value of Object.values(PLANTED)) expect(sandbox.output()).not.toContain(value);
  });

  it('keeps the messages for the next run on the same data dir', async () => {
    expect(answerTs).toBeDefined();
    const sandbox = await start(dataDir);
    const restored = await state(sandbox);
    expect(restored.messages.map((m) => m.ts)).toContain(answerTs);
    expect(restored.checklist.find((i) => i.id === 'status')?.done).toBe(true);
    expect(await stop(sandbox)).toBe(0);
  });

  it('starts from a fresh world with --reset', async () => {
    const sandbox = await start(dataDir, '--reset');
    const fresh = await state(sandbox);
    expect(fresh.messages.map((m) => m.ts)).not.toContain(answerTs);
    expect(fresh.checklist.every((i) => !i.done)).toBe(true);
    expect(await stop(sandbox)).toBe(0);
  });
});
