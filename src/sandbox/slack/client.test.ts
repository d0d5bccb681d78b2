import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PurchaseRequest } from '../../domain/requests.js';
import { SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET, SLACKBOT_USER_ID } from '../workspace-setup.js';
import type { ChecklistEvent } from './checklist.js';
import { type Client, createClient, TROUBLE_CONNECTING } from './client.js';
import { Workspace } from './workspace.js';

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly payload: Record<string, unknown>;
}

type Answer = { status?: number; body?: string; delayMs?: number };

let bot: Server;
let botUrl = '';
let answer: (r: Received) => Answer = () => ({});
let received: Received[] = [];

beforeAll(async () => {
  bot = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const form = new URLSearchParams(body);
      const payload = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(body) as Record<string, unknown>)
        : form.has('payload')
          ? (JSON.parse(form.get('payload')!) as Record<string, unknown>)
          : Object.fromEntries(form);
      const r: Received = { headers: req.headers, body, payload };
      received.push(r);
      const a = answer(r);
      setTimeout(() => {
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
        res.end(a.body ?? '');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
  botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/slack/events`;
});

afterAll(async () => {
  bot.closeAllConnections();
  await new Promise((resolve) => bot.close(resolve));
});

let ws: Workspace;
let client: Client;
let events: ChecklistEvent[];
let eventsUrl: string | undefined;

beforeEach(() => {
  received = [];
  answer = () => ({});
  events = [];
  eventsUrl = botUrl;
  ws = new Workspace({ now: () => new Date('2026-11-22T12:00:00Z') });
  client = createClient({
    workspace: ws,
    eventsUrl: () => eventsUrl,
    baseUrl: () => 'http://127.0.0.1:3000',
    requests: async (id) =>
      id === 'R1' ? ({ id, requester: 'U0ALICE' } as PurchaseRequest) : undefined,
    checklist: (e) => events.push(e),
    logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never,
    ackWaitMs: 200,
  });
});

const T = SANDBOX_BOT_TOKEN;
const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: { type: 'plain_text', text: 'Form' },
  blocks: [],
  ...extra,
});
function openModal(user: string, extra: Record<string, unknown> = {}): string {
  const opened = ws.call(
    'views.open',
    { trigger_id: ws.issueTrigger(user), view: modal(extra) },
    T,
  );
  return (opened.view as { id: string }).id;
}

describe('a command', () => {
  it('goes to the bot signed, as a form, with a fresh trigger and response URL', async () => {
    expect(await client.command({ user: 'U0ALICE', line: '/slots status devicefarm' })).toEqual({
      ok: true,
    });
    const [r] = received;
    expect(r?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(
      isValidSlackRequest({
        signingSecret: SANDBOX_SIGNING_SECRET,
        body: r!.body,
        headers: {
          'x-slack-signature': String(r!.headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(r!.headers['x-slack-request-timestamp']),
        },
      }),
    ).toBe(true);
    expect(r?.payload).toMatchObject({
      command: '/slots',
      text: 'status devicefarm',
      user_id: 'U0ALICE',
    });
    expect(String(r?.payload.response_url)).toMatch(
      /^http:\/\/127\.0\.0\.1:3000\/response\/[0-9a-f]{32}$/,
    );
  });

  it('shows a non-empty ack to the person, or in the channel when in_channel', async () => {
    answer = () => ({ body: JSON.stringify({ response_type: 'ephemeral', text: 'usage' }) });
    await client.command({ user: 'U0ALICE', line: '/slots nonsense' });
    answer = () => ({ body: JSON.stringify({ response_type: 'in_channel', text: 'for all' }) });
    await client.command({ user: 'U0ALICE', line: '/slots help' });
    answer = () => ({ body: 'plain words' });
    await client.command({ user: 'U0ALICE', line: '/slots help' });
    const shown = ws.view().messages.map((m) => [m.text, m.ephemeralTo]);
    expect(shown).toEqual([
      ['usage', 'U0ALICE'],
      ['for all', undefined],
      ['plain words', 'U0ALICE'],
    ]);
  });

  it('ticks status when the ack itself answers a status command', async () => {
    answer = () => ({ body: JSON.stringify({ text: 'status' }) });
    await client.command({ user: 'U0ALICE', line: '/slots status' });
    expect(events).toEqual([{ kind: 'status-answered' }]);
  });

  it.each([
    ['a slow ack', { delayMs: 400 }, 'operation_timeout'],
    ['a 500', { status: 500 }, 'dispatch_failed'],
  ])('turns %s into Slackbot’s note', async (_what, a, error) => {
    answer = () => a;
    const result = await client.command({ user: 'U0BOB', line: '/slots status' });
    expect(result.ok).toBe(false);
    const [note] = ws.view().messages;
    expect(note).toMatchObject({
      userId: SLACKBOT_USER_ID,
      ephemeralTo: 'U0BOB',
      text: `/slots failed with the error "${error}"`,
    });
  });

  it('says dispatch_failed while the bot is not running', async () => {
    eventsUrl = undefined;
    await client.command({ user: 'U0BOB', line: '/slots' });
    expect(ws.view().messages[0]?.text).toBe('/slots failed with the error "dispatch_failed"');
  });

  it('answers another slash command as Slack does, and posts a plain line as the person', async () => {
    await client.command({ user: 'U0DAVE', line: '/giphy cats' });
    await client.command({ user: 'U0DAVE', line: 'hello all' });
    const [note, said] = ws.view().messages;
    expect(note?.text).toMatch(/^\/giphy is not a valid command\./);
    expect(said).toMatchObject({ userId: 'U0DAVE', text: 'hello all' });
    expect(received).toHaveLength(0);
  });
});

describe('a click', () => {
  const approve = {
    type: 'actions',
    block_id: 'request_actions',
    elements: [
      {
        type: 'button',
        action_id: 'request_approve',
        text: { type: 'plain_text', text: 'Approve' },
        value: 'R1',
      },
    ],
  };

  /** An ephemeral with an Approve button that only Alice sees; its ts. */
  const ephemeralCardForAlice = () =>
    String(
      ws.call(
        'chat.postEphemeral',
        { channel: 'C0SLOTS', user: 'U0ALICE', text: 'x', blocks: [approve] },
        T,
      ).message_ts,
    );

  it('on an ephemeral carries a response URL that acts on the ephemeral, and no message', async () => {
    const ts = ephemeralCardForAlice();
    const result = await client.action({
      user: 'U0ALICE',
      source: { kind: 'message', ts },
      blockId: 'request_actions',
      actionId: 'request_approve',
      type: 'button',
      value: 'R1',
    });
    expect(result).toEqual({ ok: true });
    const p = received[0]!.payload;
    expect(p.container).toEqual({
      type: 'message',
      message_ts: ts,
      channel_id: 'C0SLOTS',
      is_ephemeral: true,
    });
    expect(p).not.toHaveProperty('message');
    expect((p.actions as { text: unknown }[])[0]?.text).toEqual({
      type: 'plain_text',
      text: 'Approve',
    });
    const id = String(p.response_url).split('/response/')[1]!;
    ws.respond(id, { text: 'refused', replace_original: true });
    expect(ws.visibleMessage('U0ALICE', ts)?.text).toBe('refused');
  });

  it("marks the requester's own Approve, so its answer ticks self-approve", async () => {
    const ts = String(
      ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'card', blocks: [approve] }, T).ts,
    );
    await client.action({
      user: 'U0ALICE',
      source: { kind: 'message', ts },
      blockId: 'request_actions',
      actionId: 'request_approve',
      type: 'button',
      value: 'R1',
    });
    await client.action({
      user: 'U0BOB',
      source: { kind: 'message', ts },
      blockId: 'request_actions',
      actionId: 'request_approve',
      type: 'button',
      value: 'R1',
    });
    expect(events).toEqual([{ kind: 'approve-clicked', requestId: 'R1' }]);
    const [alice, bob] = received.map((r) => r.payload);
    expect(alice?.message).toMatchObject({ ts, text: 'card' });
    expect(String(alice?.response_url)).not.toBe(String(bob?.response_url));
  });

  it('refuses a message the person cannot see', async () => {
    const ts = ephemeralCardForAlice();
    const result = await client.action({
      user: 'U0BOB',
      source: { kind: 'message', ts },
      blockId: 'request_actions',
      actionId: 'request_approve',
      type: 'button',
    });
    expect(result.ok).toBe(false);
    expect(received).toHaveLength(0);
  });
});

describe('a submission', () => {
  const submit = (viewId: string) =>
    client.submit({
      user: 'U0ALICE',
      viewId,
      state: { b: { a: { type: 'plain_text_input', value: 'x' } } },
    });

  it('sends the view with its state, and closes it on an empty ack', async () => {
    const id = openModal('U0ALICE', { callback_id: 'cb' });
    expect(await submit(id)).toEqual({ ok: true });
    expect(received[0]?.payload).toMatchObject({
      type: 'view_submission',
      view: { id, callback_id: 'cb', state: { values: { b: { a: { value: 'x' } } } } },
    });
    expect(ws.modalStack('U0ALICE')).toHaveLength(0);
  });

  it('keeps the modal with inline errors', async () => {
    const id = openModal('U0ALICE');
    answer = () => ({
      body: JSON.stringify({ response_action: 'errors', errors: { b: 'Too many.' } }),
    });
    await submit(id);
    expect(ws.modalStack('U0ALICE')[0]).toMatchObject({ id, errors: { b: 'Too many.' } });
  });

  it('updates, pushes and clears as the ack says', async () => {
    const id = openModal('U0ALICE');
    answer = () => ({
      body: JSON.stringify({
        response_action: 'update',
        view: modal({ title: { type: 'plain_text', text: 'Next' } }),
      }),
    });
    await submit(id);
    expect(ws.modalStack('U0ALICE')[0]).toMatchObject({ id, view: { title: { text: 'Next' } } });
    answer = () => ({ body: JSON.stringify({ response_action: 'push', view: modal() }) });
    await submit(id);
    expect(ws.modalStack('U0ALICE')).toHaveLength(2);
    answer = () => ({ body: JSON.stringify({ response_action: 'clear' }) });
    await submit(ws.modalStack('U0ALICE')[1]!.id);
    expect(ws.modalStack('U0ALICE')).toHaveLength(0);
  });

  it('does not let a late update ack overwrite what the bot already sent with views.update', async () => {
    const id = openModal('U0ALICE');
    answer = () => {
      ws.call(
        'views.update',
        { view_id: id, view: modal({ title: { type: 'plain_text', text: 'Final' } }) },
        T,
      );
      return {
        body: JSON.stringify({
          response_action: 'update',
          view: modal({ title: { type: 'plain_text', text: 'Loading' } }),
        }),
      };
    };
    await submit(id);
    expect(ws.modalStack('U0ALICE')[0]?.view.title).toEqual({ type: 'plain_text', text: 'Final' });
  });

  it('keeps the modal when the bot fails or is slow, like Slack', async () => {
    const id = openModal('U0ALICE');
    answer = () => ({ status: 500 });
    expect(await submit(id)).toEqual({ ok: false, message: TROUBLE_CONNECTING });
    answer = () => ({ delayMs: 400 });
    expect(await submit(id)).toEqual({ ok: false, message: TROUBLE_CONNECTING });
    expect(ws.modalStack('U0ALICE')).toHaveLength(1);
  });
});

describe('closing and Home', () => {
  it('sends view_closed only when the view asked for it', async () => {
    const quiet = openModal('U0ALICE');
    await client.close({ user: 'U0ALICE', viewId: quiet });
    expect(received).toHaveLength(0);
    const loud = openModal('U0ALICE', { notify_on_close: true });
    await client.close({ user: 'U0ALICE', viewId: loud });
    expect(received[0]?.payload).toMatchObject({
      type: 'view_closed',
      view: { id: loud },
      is_cleared: false,
    });
    expect(ws.modalStack('U0ALICE')).toHaveLength(0);
  });

  it('sends app_home_opened as JSON in an event envelope', async () => {
    await client.home({ user: 'U0CAROL' });
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.payload).toMatchObject({
      type: 'event_callback',
      event: { type: 'app_home_opened', user: 'U0CAROL', tab: 'home' },
    });
  });
});
