import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsAction, AwsPanelState, Snapshot } from '../protocol.js';
import { SANDBOX_PATHS } from '../protocol.js';
import { SANDBOX_BOT_TOKEN } from '../workspace-setup.js';
import { hostAllowed, type LocalSlack, parseArgs, startLocalSlack } from './server.js';

const AWS_STATE: AwsPanelState = {
  now: '2026-11-22T12:00:00.000Z',
  nextPeriodStart: '2026-12-01T00:00:00.000Z',
  calls: [],
  totalCalls: 0,
  services: { devicefarm: 'ok', mediaconnect: 'ok' },
  offerings: [],
  reservations: [],
};

const open: LocalSlack[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(over: { healthy?: boolean; saved?: unknown; webRoot?: string } = {}) {
  const acted: AwsAction[] = [];
  const warnings: unknown[] = [];
  let changes = 0;
  const slack = await startLocalSlack({
    port: 0,
    host: '127.0.0.1',
    now: () => new Date('2026-11-22T12:00:00Z'),
    webRoot: over.webRoot ?? mkdtempSync(join(tmpdir(), 'local-slack-web-')),
    usageHint: '[help | status]',
    aws: {
      state: () => AWS_STATE,
      act: async (a) => {
        acted.push(a);
        return { ok: true, message: 'advanced' };
      },
      onChange: () => () => undefined,
    },
    requests: async () => undefined,
    botHealth: async () => over.healthy ?? true,
    saved: over.saved,
    onChange: () => {
      changes += 1;
    },
    logger: {
      info: () => {},
      debug: () => {},
      error: () => {},
      warn: (o: unknown) => void warnings.push(o),
    } as never,
  });
  open.push(slack);
  return { slack, acted, warnings, changes: () => changes };
}

const api = (slack: LocalSlack, method: string, init: RequestInit) =>
  fetch(`${slack.apiUrl}${method}`, { method: 'POST', ...init }).then(
    (r) => r.json() as Promise<Record<string, unknown>>,
  );
const page = (slack: LocalSlack, path: string, body: unknown, type = 'application/json') =>
  fetch(`${slack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const state = (slack: LocalSlack) =>
  fetch(`${slack.url}${SANDBOX_PATHS.state}`).then((r) => r.json() as Promise<Snapshot>);

describe('the Web API over HTTP', () => {
  it('takes forms with JSON fields and a bearer token, as the Web API client sends them', async () => {
    const { slack, changes } = await start();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }];
    const answer = await api(slack, 'chat.postMessage', {
      headers: {
        authorization: `Bearer ${SANDBOX_BOT_TOKEN}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ channel: 'C0SLOTS', text: 'x', blocks: JSON.stringify(blocks) }),
    });
    expect(answer).toMatchObject({ ok: true, channel: 'C0SLOTS', message: { blocks } });
    expect((await state(slack)).messages[0]).toMatchObject({ text: 'x', blocks });
    expect(changes()).toBeGreaterThan(0);
  });

  it('takes JSON with the token in the body, and refuses a bad token', async () => {
    const { slack } = await start();
    const json = { 'content-type': 'application/json' };
    expect(
      await api(slack, 'auth.test', {
        headers: json,
        body: JSON.stringify({ token: SANDBOX_BOT_TOKEN }),
      }),
    ).toMatchObject({ ok: true, user_id: 'U0SLOTSBOT' });
    expect(await api(slack, 'auth.test', { headers: json, body: '{}' })).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect(
      await api(slack, 'auth.test', { headers: { authorization: 'Bearer xoxb-nope' }, body: '' }),
    ).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('logs a warning, without the text, when Slack would refuse the blocks', async () => {
    const { slack, warnings } = await start();
    const answer = await api(slack, 'chat.postMessage', {
      headers: { authorization: `Bearer ${SANDBOX_BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: 'C0SLOTS',
        text: 'secret words',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(200) } }],
      }),
    });
    expect(answer.error).toBe('invalid_blocks');
    expect(warnings).toEqual([{ method: 'chat.postMessage', problems: 1 }]);
  });
});

describe('the page', () => {
  it('says plainly when the page is not built', async () => {
    const { slack } = await start();
    const res = await fetch(`${slack.url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:web');
  });

  it('serves the built files with their types, no caching and a same-origin-only policy', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'local-slack-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(webRoot, 'app.js'), 'console.log(1)');
    writeFileSync(join(webRoot, 'app.css'), 'body{}');
    const { slack } = await start({ webRoot });
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/app.css', 'text/css'],
    ] as const) {
      const res = await fetch(`${slack.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('cache-control')).toBe('no-store');
      // Nothing but this server may feed or be reached by the page.
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('content-security-policy')).toMatch(/connect-src 'self'/);
    }
    expect((await fetch(`${slack.url}/../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${slack.url}/nothing`)).status).toBe(404);
  });

  it('answers /healthz from the bot’s health', async () => {
    expect((await fetch(`${(await start({ healthy: true })).slack.url}/healthz`)).status).toBe(200);
    const down = await fetch(`${(await start({ healthy: false })).slack.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false });
  });

  it('pushes a snapshot on connect and after a change', async () => {
    const { slack } = await start();
    const controller = new AbortController();
    const res = await fetch(`${slack.url}${SANDBOX_PATHS.events}`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const nextSnapshot = async (): Promise<Snapshot> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith('event: snapshot\n')) {
            return JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as Snapshot;
          }
          continue;
        }
        const { value } = await reader.read();
        buffer += decoder.decode(value);
      }
    };
    const first = await nextSnapshot();
    expect(first).toMatchObject({
      channel: { id: 'C0SLOTS', name: 'slots' },
      usageHint: '[help | status]',
      aws: AWS_STATE,
      botHealthy: true,
    });
    expect(first.people.map((p) => p.id)).toEqual(['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE']);
    await page(slack, SANDBOX_PATHS.command, { user: 'U0DAVE', line: 'hello' });
    const second = await nextSnapshot();
    expect(second.revision).toBeGreaterThan(first.revision);
    expect(second.messages.map((m) => m.text)).toEqual(['hello']);
    controller.abort();
  });

  it('refuses malformed bodies naming the field, and non-JSON posts', async () => {
    const { slack } = await start();
    const bad = await page(slack, SANDBOX_PATHS.command, { user: 'U0NOBODY', line: 'x' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^user: /);
    const form = await page(slack, SANDBOX_PATHS.command, 'user=U0ALICE', 'text/plain');
    expect(form.status).toBe(415);
    const garbage = await page(slack, SANDBOX_PATHS.submit, '{not json');
    expect(garbage.status).toBe(400);
  });

  it('hands AWS actions to the panel', async () => {
    const { slack, acted } = await start();
    const res = await page(slack, SANDBOX_PATHS.aws, { kind: 'advance-period' });
    expect(await res.json()).toEqual({ ok: true, message: 'advanced' });
    expect(acted).toEqual([{ kind: 'advance-period' }]);
    expect((await page(slack, SANDBOX_PATHS.aws, { kind: 'explode' })).status).toBe(400);
  });
});

describe('saving', () => {
  it('restores what save() returned, and ignores another version', async () => {
    const { slack } = await start();
    await page(slack, SANDBOX_PATHS.command, { user: 'U0DAVE', line: 'kept' });
    await page(slack, SANDBOX_PATHS.aws, { kind: 'advance-period' });
    const saved = slack.save();
    expect(structuredClone(saved)).toEqual(saved);
    const again = await start({ saved });
    expect((await state(again.slack)).messages.map((m) => m.text)).toEqual(['kept']);
    expect(again.slack.save().checklist.periodAdvanced).toBe(true);
    const other = await start({ saved: { ...saved, version: 99 } });
    expect((await state(other.slack)).messages).toEqual([]);
  });
});

describe('hostAllowed', () => {
  it.each([
    ['127.0.0.1:3000', true],
    ['localhost:3000', true],
    ['LOCALHOST:3000', true],
    ['127.0.0.1:3001', false],
    ['evil.example:3000', false],
    [undefined, false],
  ])('%s → %s', (host, allowed) => {
    expect(hostAllowed(host, '127.0.0.1', 3000)).toBe(allowed);
  });
});

describe('parseArgs', () => {
  it('reads JSON only in the fields the Web API client encodes as JSON', () => {
    const form = new URLSearchParams({ text: '[not json]', blocks: '[{"type":"divider"}]' });
    expect(parseArgs('application/x-www-form-urlencoded', form.toString())).toEqual({
      text: '[not json]',
      blocks: [{ type: 'divider' }],
    });
    expect(parseArgs('application/json; charset=utf-8', '{"a":1}')).toEqual({ a: 1 });
    expect(parseArgs('application/json', '[1]')).toEqual({});
  });
});
