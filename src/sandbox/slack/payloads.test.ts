import { isValidSlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { unreadable } from '../../slack/payload-guard.js';
import { checkOrigin, requestOrigin } from '../../slack/workspace-guard.js';
import {
  SANDBOX_APP_ID,
  SANDBOX_BOT,
  SANDBOX_SIGNING_SECRET,
  SANDBOX_TEAM,
} from '../workspace-setup.js';
import {
  appHomeOpened,
  blockActionsPayload,
  eventBody,
  eventCallback,
  interactionBody,
  signedHeaders,
  slashCommandBody,
  slashCommandFields,
  type ViewRecord,
  viewClosedPayload,
  viewSubmissionPayload,
} from './payloads.js';

const installation = {
  appId: SANDBOX_APP_ID,
  teamId: SANDBOX_TEAM.id,
  enterpriseId: undefined,
  isEnterpriseInstall: false,
};

const command = {
  command: '/slots',
  text: 'status',
  userId: 'U0ALICE',
  channelId: 'C0SLOTS',
  channelName: 'slots',
  responseUrl: 'http://127.0.0.1:3000/response/abc',
  triggerId: '1.2.3',
};

const view: ViewRecord = {
  id: 'V000000001',
  hash: '1700000000.00000001',
  rootViewId: 'V000000001',
  view: {
    type: 'modal',
    callback_id: 'request_modal',
    private_metadata: '{"kind":"purchase"}',
    title: { type: 'plain_text', text: 'Request' },
    blocks: [],
    notify_on_close: true,
  },
};

/** What the bot's own screens say about a payload: readable, and from its installation. */
function acceptedByTheBot(body: Record<string, unknown>) {
  expect(unreadable(body)).toBeUndefined();
  expect(checkOrigin(requestOrigin(body), installation)).toEqual({ ok: true });
}

describe('slash command', () => {
  it('has every field Slack sends, named as Slack names them', () => {
    const fields = slashCommandFields(command);
    expect(Object.keys(fields).sort()).toEqual(
      [
        'token',
        'team_id',
        'team_domain',
        'channel_id',
        'channel_name',
        'user_id',
        'user_name',
        'command',
        'text',
        'api_app_id',
        'is_enterprise_install',
        'response_url',
        'trigger_id',
      ].sort(),
    );
    expect(fields).toMatchObject({ user_name: 'alice', is_enterprise_install: 'false' });
    acceptedByTheBot(fields);
  });

  it('is signed so that Bolt verifies it with the signing secret, and nothing else', () => {
    const signed = slashCommandBody(command);
    const ts = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(SANDBOX_SIGNING_SECRET, ts, signed);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    const verify = (secret: string, body = signed.body) =>
      isValidSlackRequest({
        signingSecret: secret,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature']!,
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      });
    expect(verify(SANDBOX_SIGNING_SECRET)).toBe(true);
    expect(verify('another-secret')).toBe(false);
    expect(verify(SANDBOX_SIGNING_SECRET, `${signed.body}x`)).toBe(false);
  });
});

describe('block_actions', () => {
  const action = {
    actionId: 'request_approve',
    blockId: 'request_actions',
    type: 'button',
    value: 'R7K2M9QX',
    text: { type: 'plain_text', text: 'Approve' },
    actionTs: '1700000000.000001',
  };

  it('on a message carries the container, channel, message and response_url', () => {
    const p = blockActionsPayload({
      userId: 'U0BOB',
      triggerId: 't1',
      state: {},
      action,
      container: {
        kind: 'message',
        ref: {
          channel: { id: 'C0SLOTS', name: 'slots' },
          ts: '1700000000.000100',
          isEphemeral: false,
          message: { type: 'message', ts: '1700000000.000100', text: 'card' },
          responseUrl: 'http://x/response/1',
        },
      },
    });
    expect(p).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB', username: 'bob', name: 'bob', team_id: SANDBOX_TEAM.id },
      api_app_id: SANDBOX_APP_ID,
      container: {
        type: 'message',
        message_ts: '1700000000.000100',
        channel_id: 'C0SLOTS',
        is_ephemeral: false,
      },
      trigger_id: 't1',
      team: { id: SANDBOX_TEAM.id, domain: SANDBOX_TEAM.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: 'C0SLOTS', name: 'slots' },
      message: { ts: '1700000000.000100' },
      state: { values: {} },
      response_url: 'http://x/response/1',
      actions: [
        {
          action_id: 'request_approve',
          block_id: 'request_actions',
          value: 'R7K2M9QX',
          type: 'button',
          text: { type: 'plain_text', text: 'Approve' },
          action_ts: '1700000000.000001',
        },
      ],
    });
    expect(p).toHaveProperty('token');
    acceptedByTheBot(p);
  });

  it('in a modal carries the view with its state and no response_url', () => {
    const values = { b: { a: { type: 'plain_text_input', value: 'x' } } };
    const p = blockActionsPayload({
      userId: 'U0BOB',
      triggerId: 't1',
      state: values,
      action: { ...action, selectedOption: { value: 'devicefarm' }, type: 'radio_buttons' },
      container: { kind: 'view', view },
    });
    expect(p.container).toEqual({ type: 'view', view_id: view.id });
    expect(p).not.toHaveProperty('response_url');
    expect(p).not.toHaveProperty('message');
    expect(p.view).toMatchObject({ id: view.id, hash: view.hash, state: { values } });
    expect((p.actions as Record<string, unknown>[])[0]?.selected_option).toEqual({
      value: 'devicefarm',
    });
    acceptedByTheBot(p);
  });
});

describe('view_submission and view_closed', () => {
  it('carry the whole view as Slack describes it', () => {
    const values = { q: { qi: { type: 'plain_text_input', value: '2' } } };
    const p = viewSubmissionPayload('U0ALICE', view, values, 't2');
    expect(p).toMatchObject({
      type: 'view_submission',
      team: { id: SANDBOX_TEAM.id },
      user: { id: 'U0ALICE' },
      api_app_id: SANDBOX_APP_ID,
      trigger_id: 't2',
      response_urls: [],
    });
    expect(Object.keys(p.view as object).sort()).toEqual(
      [
        'id',
        'team_id',
        'type',
        'blocks',
        'private_metadata',
        'callback_id',
        'state',
        'hash',
        'title',
        'clear_on_close',
        'notify_on_close',
        'close',
        'submit',
        'previous_view_id',
        'root_view_id',
        'app_id',
        'external_id',
        'app_installed_team_id',
        'bot_id',
      ].sort(),
    );
    expect(p.view).toMatchObject({
      callback_id: 'request_modal',
      private_metadata: '{"kind":"purchase"}',
      state: { values },
      bot_id: SANDBOX_BOT.botId,
    });
    acceptedByTheBot(p);
    const closed = viewClosedPayload('U0ALICE', view, false);
    expect(closed).toMatchObject({ type: 'view_closed', is_cleared: false, view: { id: view.id } });
    acceptedByTheBot(closed);
  });

  it('travel as one form field of JSON', () => {
    const body = interactionBody({ type: 'view_closed' });
    expect(body.contentType).toBe('application/x-www-form-urlencoded');
    expect(JSON.parse(new URLSearchParams(body.body).get('payload')!)).toEqual({
      type: 'view_closed',
    });
  });
});

describe('app_home_opened', () => {
  it('comes in an event_callback envelope authorised for the bot', () => {
    const envelope = eventCallback({
      eventId: 'Ev1',
      eventTime: 1700000000,
      event: appHomeOpened('U0ALICE', '1700000000.000001', undefined),
    });
    expect(envelope).toMatchObject({
      type: 'event_callback',
      team_id: SANDBOX_TEAM.id,
      api_app_id: SANDBOX_APP_ID,
      event_id: 'Ev1',
      event_time: 1700000000,
      authorizations: [{ team_id: SANDBOX_TEAM.id, user_id: SANDBOX_BOT.userId, is_bot: true }],
      event: { type: 'app_home_opened', user: 'U0ALICE', tab: 'home', channel: 'DU0ALICE' },
    });
    acceptedByTheBot(envelope);
    expect(eventBody(envelope).contentType).toBe('application/json');
  });
});
