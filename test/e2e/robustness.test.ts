/**
 * Signed requests Bolt cannot read, sent over HTTP exactly as Slack would sign them: each is
 * answered at once with a 200 and a clear error (never a 500, never Bolt's 404 after 3 s, never
 * a hang), and nothing is created, bought or posted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { UNREADABLE_FIELD_TEXT, UNREADABLE_TEXT } from '../../src/slack/payload-guard.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import {
  OFFERING_ACTION,
  OFFERING_BLOCK,
  QUANTITY_ACTION,
  QUANTITY_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
  REQUEST_MODAL_CALLBACK,
} from '../../src/slack/views/request-modal.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { buttonClick, viewSubmission } from '../helpers/payloads.js';
import {
  type SlackHttpResponse,
  signedPost,
  slashCommandPayload,
} from '../helpers/slack-requests.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const FORM = 'application/x-www-form-urlencoded';
const click = () =>
  buttonClick({
    actionId: APPROVE_ACTION,
    value: 'ABCDEFGH',
    userId: 'U0BOB',
    responseUrl: h.slack.responseUrl(),
  });
const submission = (quantity: unknown) =>
  viewSubmission({
    callbackId: REQUEST_MODAL_CALLBACK,
    userId: 'U0ALICE',
    privateMetadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
    values: {
      [OFFERING_BLOCK.devicefarm]: {
        [OFFERING_ACTION]: {
          type: 'static_select',
          selected_option: { value: SEED_IDS.iosRemote },
        },
      },
      [QUANTITY_BLOCK]: { [QUANTITY_ACTION]: { type: 'plain_text_input', value: quantity } },
      [REASON_BLOCK]: { [REASON_ACTION]: { type: 'plain_text_input', value: 'testing' } },
    },
  });
const without = (payload: Record<string, unknown>, key: string) => {
  const copy = { ...payload };
  delete copy[key];
  return copy;
};
const interaction = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

/** Sends a signed body and checks that nothing anywhere happened because of it. */
async function sendUnreadable(body: string, contentType = FORM): Promise<SlackHttpResponse> {
  const before = {
    requests: (await h.bot.store.listRequests({ limit: 200 })).length,
    aws: h.sim.calls.length,
    slack: h.slack.calls.length,
    answers: h.slack.responses.length,
  };
  const res = await signedPost(h.eventsUrl, body, contentType);
  expect(res.status).toBe(200);
  expect(res.elapsedMs).toBeLessThan(1_000);
  await h.bot.outbox.deliverDue();
  expect((await h.bot.store.listRequests({ limit: 200 })).length).toBe(before.requests);
  expect(h.sim.calls.length).toBe(before.aws);
  expect(h.slack.calls.length).toBe(before.slack);
  expect(h.slack.responses.length).toBe(before.answers);
  return res;
}

describe('a signed interaction Bolt cannot read', () => {
  it.each<[string, () => string]>([
    ['payload=null', () => 'payload=null'],
    ['a number', () => 'payload=5'],
    ['a list', () => 'payload=%5B%5D'],
    ['an empty object', () => interaction({})],
    ['an unknown type', () => interaction({ type: 'something_new', user: { id: 'U0BOB' } })],
    ['block_actions without actions', () => interaction(without(click(), 'actions'))],
    ['block_actions with no action in actions', () => interaction({ ...click(), actions: [] })],
    [
      'block_actions with actions that are not objects',
      () => interaction({ ...click(), actions: ['x'] }),
    ],
    ['block_actions without user', () => interaction(without(click(), 'user'))],
    ['block_actions with user null', () => interaction({ ...click(), user: null })],
    [
      'block_actions with a numeric action_id',
      () => interaction({ ...click(), actions: [{ action_id: 7 }] }),
    ],
    ['a JSON event body of null', () => 'null'],
  ])('%s is acked at once with a clear error', async (_what, make) => {
    // Payload factories run at test time: a button's response_url comes from the running fake.
    const body = make();
    const contentType = body === 'null' ? 'application/json' : FORM;
    const res = await sendUnreadable(body, contentType);
    expect(res.body).toContain('could not read this request');
  });

  it('a view_submission without view is answered with a modal that says so', async () => {
    const res = await sendUnreadable(interaction(without(submission('1'), 'view')));
    expect(res.json).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(JSON.stringify(res.json)).toContain(UNREADABLE_TEXT);
  });

  it('a view_submission without user is answered with a modal that says so', async () => {
    const res = await sendUnreadable(interaction(without(submission('1'), 'user')));
    expect(res.json).toMatchObject({ response_action: 'update' });
  });

  it('a view_submission with state.values null is answered with a modal that says so', async () => {
    const payload = submission('1');
    const view = { ...(payload.view as Record<string, unknown>), state: { values: null } };
    const res = await sendUnreadable(interaction({ ...payload, view }));
    expect(res.json).toMatchObject({ response_action: 'update' });
  });

  it.each([
    ['a number', 2],
    ['an object', { amount: 2 }],
    ['a list', ['2']],
    ['true', true],
  ])('a view_submission with %s for a text value names the field', async (_what, quantity) => {
    const res = await sendUnreadable(interaction(submission(quantity)));
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { [QUANTITY_BLOCK]: UNREADABLE_FIELD_TEXT },
    });
  });

  it('a selected option whose value is not a string names the field', async () => {
    const payload = submission('1');
    const view = payload.view as { state: { values: Record<string, Record<string, unknown>> } };
    view.state.values[OFFERING_BLOCK.devicefarm]![OFFERING_ACTION] = {
      type: 'static_select',
      selected_option: { value: 42 },
    };
    const res = await sendUnreadable(interaction(payload));
    expect(res.json).toMatchObject({
      errors: { [OFFERING_BLOCK.devicefarm]: UNREADABLE_FIELD_TEXT },
    });
  });

  it.each([
    ['without user_id', 'user_id'],
    ['without command', 'command'],
  ])('a slash command %s is answered with an ephemeral error', async (_what, field) => {
    const fields: Record<string, string> = slashCommandPayload({
      text: 'status',
      responseUrl: h.slack.responseUrl(),
    });
    delete fields[field];
    const res = await sendUnreadable(new URLSearchParams(fields).toString());
    expect(JSON.stringify(res.json ?? res.body)).toContain('could not read this request');
  });

  it('an unsigned body of null is still refused as unsigned', async () => {
    const res = await signedPost(h.eventsUrl, 'payload=null', FORM, { signature: 'v0=forged' });
    expect(res.status).toBe(401);
  });

  it('a well-formed submission still creates its request', async () => {
    const before = (await h.bot.store.listRequests({ limit: 200 })).length;
    const res = await signedPost(h.eventsUrl, interaction(submission('1')), FORM);
    expect(res.status).toBe(200);
    await h.slack.waitFor('the request card', () => h.slack.callsTo('chat.postMessage')[0]);
    expect((await h.bot.store.listRequests({ limit: 200 })).length).toBe(before + 1);
  });
});

describe('a listener that acks nothing', () => {
  it('a click on a button no listener knows is acked when processing ends, not after 3 s', async () => {
    const payload = {
      ...click(),
      actions: [{ type: 'button', action_id: 'nobody_listens', value: 'x' }],
    };
    const res = await signedPost(h.eventsUrl, interaction(payload), FORM);
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(1_000);
  });

  it('a slash command no listener knows gets an ephemeral answer', async () => {
    const fields = slashCommandPayload({
      text: '',
      responseUrl: h.slack.responseUrl(),
      command: '/other',
    });
    const res = await signedPost(h.eventsUrl, new URLSearchParams(fields).toString(), FORM);
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(1_000);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
  });
});
