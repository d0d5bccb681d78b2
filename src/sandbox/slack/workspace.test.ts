import { describe, expect, it } from 'vitest';
import { SANDBOX_APP_ID, SANDBOX_BOT, SANDBOX_BOT_TOKEN } from '../workspace-setup.js';
import {
  type ApiAnswer,
  type ResponseUrlRecord,
  Workspace,
  type WorkspaceEvent,
} from './workspace.js';

const T = SANDBOX_BOT_TOKEN;

function setup(start = new Date('2026-11-22T12:00:00Z')) {
  let real = 1_700_000_000_000;
  const events: WorkspaceEvent[] = [];
  let changes = 0;
  const ws = new Workspace({
    now: () => start,
    realNow: () => real,
    onChange: () => {
      changes += 1;
    },
    onEvent: (e) => events.push(e),
  });
  return {
    ws,
    events,
    changes: () => changes,
    advanceReal: (ms: number) => {
      real += ms;
    },
  };
}

const modal = (title = 'Request', extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: { type: 'plain_text', text: title },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
  ...extra,
});

function ok(answer: ApiAnswer): Record<string, unknown> {
  expect(answer).toMatchObject({ ok: true });
  return answer;
}

describe('identity and tokens', () => {
  it('auth.test names the bot and team but no app; bots.info names the app', () => {
    const { ws } = setup();
    const auth = ok(ws.call('auth.test', {}, T));
    expect(auth).toMatchObject({
      user_id: SANDBOX_BOT.userId,
      bot_id: SANDBOX_BOT.botId,
      team_id: 'T0SANDBOX',
      is_enterprise_install: false,
    });
    expect(auth).not.toHaveProperty('app_id');
    expect(ws.call('bots.info', { bot: SANDBOX_BOT.botId }, T)).toMatchObject({
      bot: { app_id: SANDBOX_APP_ID },
    });
    expect(ws.call('bots.info', { bot: 'B0OTHER' }, T)).toMatchObject({ error: 'bot_not_found' });
  });

  it.each([
    [undefined, 'not_authed'],
    ['', 'not_authed'],
    ['xoxb-someone-else', 'invalid_auth'],
  ])('token %j → %s', (token, error) => {
    expect(setup().ws.call('auth.test', {}, token)).toEqual({ ok: false, error });
  });

  it('answers unknown_method for a method it does not have', () => {
    expect(setup().ws.call('conversations.kick', {}, T)).toEqual({
      ok: false,
      error: 'unknown_method',
    });
  });
});

describe('messages', () => {
  it('posts to the channel, counts thread replies and edits', () => {
    const { ws, events } = setup();
    const parent = ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'card' }, T));
    const ts = String(parent.ts);
    expect(parent).toMatchObject({
      channel: 'C0SLOTS',
      message: { text: 'card', bot_id: 'B0SLOTSBOT' },
    });
    ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', thread_ts: ts, text: 'r1' }, T));
    ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', thread_ts: ts, text: 'r2' }, T));
    expect(ws.message('C0SLOTS', ts)?.replyCount).toBe(2);
    ok(ws.call('chat.update', { channel: 'C0SLOTS', ts, text: 'card v2' }, T));
    expect(ws.message('C0SLOTS', ts)).toMatchObject({
      text: 'card v2',
      editedAt: '2026-11-22T12:00:00.000Z',
    });
    expect(events.map((e) => e.kind)).toEqual([
      'bot-posted',
      'bot-posted',
      'bot-posted',
      'bot-updated',
    ]);
    expect(
      ws.call('chat.update', { channel: 'C0SLOTS', ts: '1.000001', text: 'x' }, T),
    ).toMatchObject({
      error: 'message_not_found',
    });
  });

  it('keeps DMs as D<user> and refuses channels it does not have', () => {
    const { ws } = setup();
    expect(ws.call('chat.postMessage', { channel: 'U0ALICE', text: 'hi' }, T)).toMatchObject({
      channel: 'DU0ALICE',
    });
    expect(ws.call('chat.postMessage', { channel: 'DU0BOB', text: 'hi' }, T)).toMatchObject({
      channel: 'DU0BOB',
    });
    expect(ws.call('chat.postMessage', { channel: 'C0OTHER', text: 'hi' }, T)).toMatchObject({
      error: 'channel_not_found',
    });
  });

  it("posts the bot's direct message to a person in their DM, blocks and all, and only there", () => {
    const { ws, events } = setup();
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'Your request `R1` was rejected.' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Request `R1`' }] },
    ];
    const answer = ok(
      ws.call(
        'chat.postMessage',
        { channel: 'U0ALICE', text: 'Your request R1 was rejected.', blocks, unfurl_links: false },
        T,
      ),
    );
    expect(answer.channel).toBe('DU0ALICE');
    const dm = ws.message('DU0ALICE', String(answer.ts));
    expect(dm).toMatchObject({ channel: 'DU0ALICE', userId: SANDBOX_BOT.userId, blocks });
    expect(dm?.ephemeralTo).toBeUndefined();
    expect(ws.message('C0SLOTS', String(answer.ts))).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ kind: 'bot-posted', message: { channel: 'DU0ALICE' } });
    expect(ws.call('chat.postMessage', { channel: 'U0NOBODY', text: 'hi' }, T)).toMatchObject({
      error: 'channel_not_found',
    });
  });

  it('gives every message a larger ts, on the sandbox clock', () => {
    const { ws } = setup();
    const tss = Array.from({ length: 5 }, () =>
      String(ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'x' }, T)).ts),
    );
    expect(tss[0]).toMatch(/^1795348800\.\d{6}$/);
    expect([...tss].sort((a, b) => Number(a) - Number(b))).toEqual(tss);
    expect(new Set(tss).size).toBe(5);
  });

  it('shows an ephemeral to one person only, and refuses a stranger', () => {
    const { ws } = setup();
    const answer = ok(
      ws.call('chat.postEphemeral', { channel: 'C0SLOTS', user: 'U0DAVE', text: 'psst' }, T),
    );
    const ts = String(answer.message_ts);
    expect(ws.visibleMessage('U0DAVE', ts)?.ephemeralTo).toBe('U0DAVE');
    expect(ws.visibleMessage('U0ALICE', ts)).toBeUndefined();
    expect(ws.call('chat.update', { channel: 'C0SLOTS', ts, text: 'x' }, T)).toMatchObject({
      error: 'message_not_found',
    });
    expect(
      ws.call('chat.postEphemeral', { channel: 'C0SLOTS', user: 'U0NOBODY', text: 'x' }, T),
    ).toMatchObject({ error: 'user_not_in_channel' });
  });

  it('refuses blocks Slack would refuse, naming the problem', () => {
    const { ws, events } = setup();
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(
      ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'x', blocks: tooMany }, T),
    ).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      response_metadata: {
        messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'],
      },
    });
    const long = [
      { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } },
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      {
        type: 'actions',
        block_id: 'b'.repeat(256),
        elements: [
          {
            type: 'button',
            action_id: 'a',
            text: { type: 'plain_text', text: 'y'.repeat(76) },
            value: 'v'.repeat(2001),
          },
        ],
      },
    ];
    const answer = ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'x', blocks: long }, T);
    expect((answer.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] must be at most 3000 characters [json-pointer:/blocks/0/text/text]',
      '[ERROR] must be at most 150 characters [json-pointer:/blocks/1/text/text]',
      '[ERROR] must be at most 255 characters [json-pointer:/blocks/2/block_id]',
      '[ERROR] must be at most 75 characters [json-pointer:/blocks/2/elements/0/text/text]',
      '[ERROR] must be at most 2000 characters [json-pointer:/blocks/2/elements/0/value]',
    ]);
    expect(events.filter((e) => e.kind === 'refused-blocks')).toHaveLength(2);
    expect(ws.view().messages).toEqual([]);
  });
});

describe('views', () => {
  it('opens a modal only with a trigger it issued, once, within 3 s', () => {
    const { ws, advanceReal } = setup();
    expect(ws.call('views.open', { trigger_id: 'made-up', view: modal() }, T)).toMatchObject({
      error: 'invalid_trigger_id',
    });
    const trigger = ws.issueTrigger('U0ALICE');
    const opened = ok(ws.call('views.open', { trigger_id: trigger, view: modal() }, T));
    expect(ws.modalStack('U0ALICE')).toHaveLength(1);
    expect(opened.view).toMatchObject({ id: ws.modalStack('U0ALICE')[0]?.id, type: 'modal' });
    expect(ws.call('views.open', { trigger_id: trigger, view: modal() }, T)).toMatchObject({
      error: 'invalid_trigger_id',
    });
    const late = ws.issueTrigger('U0ALICE');
    advanceReal(3_001);
    expect(ws.call('views.open', { trigger_id: late, view: modal() }, T)).toMatchObject({
      error: 'expired_trigger_id',
    });
  });

  it('pushes up to three views and updates by id or external id, refusing a stale hash', () => {
    const { ws } = setup();
    ok(ws.call('views.open', { trigger_id: ws.issueTrigger('U0BOB'), view: modal('One') }, T));
    ok(
      ws.call(
        'views.push',
        { trigger_id: ws.issueTrigger('U0BOB'), view: modal('Two', { external_id: 'ext-2' }) },
        T,
      ),
    );
    ok(ws.call('views.push', { trigger_id: ws.issueTrigger('U0BOB'), view: modal('Three') }, T));
    expect(
      ws.call('views.push', { trigger_id: ws.issueTrigger('U0BOB'), view: modal('Four') }, T),
    ).toMatchObject({
      error: 'push_limit_reached',
    });
    const [first, second] = ws.modalStack('U0BOB');
    expect(second?.previousViewId).toBe(first?.id);
    expect(second?.rootViewId).toBe(first?.id);

    const updated = ok(
      ws.call('views.update', { view_id: first!.id, hash: first!.hash, view: modal('One v2') }, T),
    );
    expect((updated.view as { hash: string }).hash).not.toBe(first!.hash);
    expect(
      ws.call('views.update', { view_id: first!.id, hash: first!.hash, view: modal() }, T),
    ).toMatchObject({
      error: 'hash_conflict',
    });
    ok(
      ws.call(
        'views.update',
        { external_id: 'ext-2', view: modal('Two v2', { external_id: 'ext-2' }) },
        T,
      ),
    );
    expect(ws.modalStack('U0BOB')[1]?.view.title).toEqual({ type: 'plain_text', text: 'Two v2' });
    expect(ws.call('views.update', { view_id: 'V404', view: modal() }, T)).toMatchObject({
      error: 'not_found',
    });
  });

  it('refuses a modal Slack would refuse', () => {
    const { ws } = setup();
    const view = modal('A title far longer than twenty-four characters', {
      blocks: [
        {
          type: 'input',
          block_id: 'q',
          label: { type: 'plain_text', text: 'Q' },
          element: { type: 'plain_text_input' },
        },
      ],
    });
    const answer = ws.call('views.open', { trigger_id: ws.issueTrigger('U0BOB'), view }, T);
    expect(answer).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect((answer.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] must be at most 24 characters [json-pointer:/view/title/text]',
      '[ERROR] must provide submit when there are inputs [json-pointer:/view/submit]',
    ]);
  });

  it('publishes a Home tab per person', () => {
    const { ws } = setup();
    const home = {
      type: 'home',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
    };
    ok(ws.call('views.publish', { user_id: 'U0CAROL', view: home }, T));
    expect(ws.view().home.U0CAROL).toMatchObject({ type: 'home' });
    expect(ws.call('views.publish', { user_id: 'U0CAROL', view: modal() }, T)).toMatchObject({
      error: 'invalid_arguments',
    });
    expect(ws.call('views.publish', { user_id: 'U0NOBODY', view: home }, T)).toMatchObject({
      error: 'user_not_found',
    });
  });
});

describe('user groups', () => {
  it('lists the approver group and nothing else', () => {
    const { ws } = setup();
    expect(ws.call('usergroups.users.list', { usergroup: 'S0APPROVERS' }, T)).toEqual({
      ok: true,
      users: ['U0CAROL'],
    });
    expect(ws.call('usergroups.users.list', { usergroup: 'S0NONE' }, T)).toMatchObject({
      error: 'no_such_subteam',
    });
  });
});

describe('response URLs', () => {
  function card(ws: Workspace) {
    return String(ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'card' }, T)).ts);
  }

  it('answers ephemerally by default, in the channel when asked', () => {
    const { ws } = setup();
    const r = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0ALICE' });
    expect(ws.respond(r.id, { text: 'only you' })).toEqual({ status: 200, body: { ok: true } });
    expect(ws.respond(r.id, { text: 'everyone', response_type: 'in_channel' }).status).toBe(200);
    const [mine, all] = ws.view().messages;
    expect(mine).toMatchObject({
      text: 'only you',
      ephemeralTo: 'U0ALICE',
      userId: SANDBOX_BOT.userId,
    });
    expect(all?.ephemeralTo).toBeUndefined();
  });

  it('replaces or deletes the message a click came from, ephemeral or not', () => {
    const { ws } = setup();
    const ts = card(ws);
    const r = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0BOB', messageTs: ts });
    ws.respond(r.id, { text: 'card, decided', replace_original: true });
    expect(ws.message('C0SLOTS', ts)).toMatchObject({ text: 'card, decided' });
    expect(ws.message('C0SLOTS', ts)?.editedAt).toBeDefined();

    const eph = String(
      ok(ws.call('chat.postEphemeral', { channel: 'C0SLOTS', user: 'U0BOB', text: 'choose' }, T))
        .message_ts,
    );
    const e = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0BOB', messageTs: eph });
    ws.respond(e.id, { delete_original: true });
    expect(ws.visibleMessage('U0BOB', eph)).toBeUndefined();
    expect(ws.message('C0SLOTS', ts)).toBeDefined();
  });

  it('takes five posts within 30 minutes, then says used_url or expired_url', () => {
    const { ws, advanceReal, events } = setup();
    const r = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0ALICE', tag: 'status' });
    for (let i = 0; i < 5; i += 1) expect(ws.respond(r.id, { text: `n${i}` }).status).toBe(200);
    expect(ws.respond(r.id, { text: 'six' })).toEqual({
      status: 404,
      body: { ok: false, error: 'used_url' },
    });
    const fresh = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0ALICE' });
    advanceReal(30 * 60_000 + 1);
    expect(ws.respond(fresh.id, { text: 'late' })).toEqual({
      status: 404,
      body: { ok: false, error: 'expired_url' },
    });
    expect(ws.respond('nope', { text: 'x' }).status).toBe(404);
    const responded = events.flatMap((e) =>
      e.kind === 'responded' ? [e.record as ResponseUrlRecord] : [],
    );
    expect(responded).toHaveLength(5);
    expect(responded[0]?.tag).toBe('status');
  });

  it('refuses invalid blocks and empty messages', () => {
    const { ws } = setup();
    const r = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0ALICE' });
    expect(ws.respond(r.id, {}).body).toMatchObject({ ok: false, error: 'no_text' });
    expect(
      ws.respond(r.id, {
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }],
      }).body,
    ).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
  });
});

describe('save and restore', () => {
  it('round-trips messages, modals, Home tabs, response URLs and the ts counter', () => {
    const { ws } = setup();
    const ts = String(ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', text: 'card' }, T)).ts);
    ok(ws.call('chat.postMessage', { channel: 'C0SLOTS', thread_ts: ts, text: 'reply' }, T));
    ok(ws.call('views.open', { trigger_id: ws.issueTrigger('U0ALICE'), view: modal() }, T));
    ok(ws.call('views.publish', { user_id: 'U0ALICE', view: { type: 'home', blocks: [] } }, T));
    const r = ws.issueResponseUrl({ channel: 'C0SLOTS', user: 'U0ALICE' });
    const saved = ws.save();
    expect(structuredClone(saved)).toEqual(saved);

    const again = new Workspace(
      { now: () => new Date('2026-11-22T12:00:00Z'), realNow: () => 1_700_000_000_000 },
      saved,
    );
    expect(again.view()).toEqual(ws.view());
    expect(again.respond(r.id, { text: 'still works' }).status).toBe(200);
    const next = String(
      ok(again.call('chat.postMessage', { channel: 'C0SLOTS', text: 'x' }, T)).ts,
    );
    expect(Number(next)).toBeGreaterThan(Number(ts));
  });
});
