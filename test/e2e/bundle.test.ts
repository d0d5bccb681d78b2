/**
 * The bundle `npm start` runs (scripts/build.mjs), in the ways only a bundle can break: chunks
 * loaded on first use (the AWS SDK's credential providers, the store backend), Socket Mode loaded
 * late (`lazySocketMode`), and the inputs `build-if-stale.mjs` watches. The process tests
 * (process, kill, replicas) run the same bundle over HTTP with SQLite and PostgreSQL.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, spawnBot, startFlags } from '../../scripts/bench-bot.js';
import { defaultSeed, type Simulator, startSimulator } from '../../src/sim/index.js';
import { blockText } from '../helpers/blocks.js';
import { botProcessEnv, DIST_MAIN, freePort } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { startFakeSocketMode } from '../helpers/fake-socket-mode.js';
import { FIXED_NOW } from '../helpers/harness.js';
import { sendSlashCommand } from '../helpers/slack-requests.js';

const ROOT = join(import.meta.dirname, '../..');
const APP_TOKEN = 'xapp-1-A0000000001-0000000000000-TESTAPPLEVELTOKENVALUE';

let sim: Simulator;
let slack: FakeSlack;
const bots: BotProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: defaultSeed(FIXED_NOW), now: () => FIXED_NOW });
  slack = await startFakeSlack();
});
afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.stop()));
  await Promise.all([sim.close(), slack.close()]);
});

async function startBundle(extra: (env: Record<string, string>) => Record<string, string>) {
  const workDir = mkdtempSync(join(tmpdir(), 'slots-bundle-'));
  const env = extra(botProcessEnv({ workDir, port: await freePort(), slack, sim }));
  const bot = await spawnBot({
    mainJs: DIST_MAIN,
    nodeArgs: startFlags(join(ROOT, 'package.json')),
    cwd: workDir,
    env,
    readyTimeoutMs: 15_000,
  });
  bots.push(bot);
  return { bot, workDir };
}

describe('the bundle in dist/', () => {
  it('holds only sources that build-if-stale watches: none of the tests or the sandbox', () => {
    const inputs = JSON.parse(
      readFileSync(join(ROOT, 'dist/bundle-inputs.json'), 'utf8'),
    ) as string[];
    expect(inputs).toContain('src/main.ts');
    expect(inputs).toContain('src/store/sqlite.ts');
    for (const path of inputs) {
      expect(path).toMatch(/^src\//);
      expect(path).not.toMatch(/\.test\.tsx?$/);
      expect(path).not.toMatch(/^src\/sandbox\//);
    }
  });

  it('reads AWS credentials from a profile in the shared files, through the SDK chunks it loads late', async () => {
    const mark = sim.calls.length;
    const { bot } = await startBundle((env) => {
      const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = env;
      writeFileSync(
        rest.AWS_SHARED_CREDENTIALS_FILE!,
        '[bundle]\naws_access_key_id = AKIABUNDLEBUNDLEBUND\naws_secret_access_key = bundle-secret\n',
      );
      return { ...rest, AWS_PROFILE: 'bundle', SLOTS_STATUS_MAX_AGE: '0' };
    });
    const responseUrl = slack.responseUrl();
    const res = await sendSlashCommand(bot.eventsUrl, { text: 'status', responseUrl });
    expect(res.status).toBe(200);
    const answer = await slack.answerTo(responseUrl, 10_000);
    expect(blockText(answer)).toContain('live-events');
    const signed = sim.calls.slice(mark).map((call) => call.accessKeyId);
    expect(signed.length).toBeGreaterThan(0);
    expect(new Set(signed)).toEqual(new Set(['AKIABUNDLEBUNDLEBUND']));
    expect(bot.output()).not.toContain('bundle-secret');
  });

  it('runs in Socket Mode, through the Socket Mode client it loads late', async () => {
    const sm = await startFakeSocketMode(slack, APP_TOKEN);
    try {
      const { bot } = await startBundle(({ SLACK_SIGNING_SECRET: _secret, ...env }) => ({
        ...env,
        SLACK_APP_TOKEN: APP_TOKEN,
      }));
      await sm.waitForConnection(1, 10_000);
      const health = (await (await fetch(`${bot.baseUrl}/healthz`)).json()) as object;
      expect(health).toMatchObject({ status: 'ok', mode: 'socket', socket: 'connected' });

      const responseUrl = slack.responseUrl();
      const sent = sm.sendSlashCommand({ text: 'status', responseUrl });
      await sm.waitForAck(sent.envelopeId, 3_000);
      const answer = await slack.answerTo(responseUrl, 10_000);
      expect(blockText(answer)).toContain('live-events');
      expect(await bot.stop()).toBe('exit 0');
    } finally {
      await sm.close();
    }
  });
});
