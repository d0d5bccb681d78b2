/**
 * What Slack sends the bot, shaped field for field as Slack shapes it (slash command forms,
 * `block_actions`, `view_submission`, `view_closed`, `event_callback`), and the v0 signature on
 * it. Pure: ids, times and URLs come in as arguments.
 */
import { createHmac } from 'node:crypto';
import type { BlockKit, StateValues } from '../protocol.js';
import { PEOPLE, SANDBOX_APP_ID, SANDBOX_BOT, SANDBOX_TEAM } from '../workspace-setup.js';

/** Slack still sends the legacy verification token; Bolt ignores it. */
export const VERIFICATION_TOKEN = 'sandboxverificationtoken';

export interface SignedBody {
  readonly body: string;
  readonly contentType: 'application/x-www-form-urlencoded' | 'application/json';
}

export function signature(secret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
}

/** The headers Slack puts on every request to the app. */
export function signedHeaders(
  secret: string,
  timestampSeconds: number,
  signed: SignedBody,
): Record<string, string> {
  return {
    'content-type': signed.contentType,
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': signature(secret, timestampSeconds, signed.body),
  };
}

const userName = (id: string) => (PEOPLE.find((p) => p.id === id)?.name ?? id).toLowerCase();

const team = { id: SANDBOX_TEAM.id, domain: SANDBOX_TEAM.domain };

function user(id: string) {
  return { id, username: userName(id), name: userName(id), team_id: SANDBOX_TEAM.id };
}

export interface SlashCommandInput {
  readonly command: string;
  readonly text: string;
  readonly userId: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly responseUrl: string;
  readonly triggerId: string;
}

export function slashCommandFields(c: SlashCommandInput): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: SANDBOX_TEAM.id,
    team_domain: SANDBOX_TEAM.domain,
    channel_id: c.channelId,
    channel_name: c.channelName,
    user_id: c.userId,
    user_name: userName(c.userId),
    command: c.command,
    text: c.text,
    api_app_id: SANDBOX_APP_ID,
    is_enterprise_install: 'false',
    response_url: c.responseUrl,
    trigger_id: c.triggerId,
  };
}

export function slashCommandBody(c: SlashCommandInput): SignedBody {
  return {
    body: new URLSearchParams(slashCommandFields(c)).toString(),
    contentType: 'application/x-www-form-urlencoded',
  };
}

/** Interactivity (block_actions, view_submission, view_closed) is one form field of JSON. */
export function interactionBody(payload: Record<string, unknown>): SignedBody {
  return {
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: 'application/x-www-form-urlencoded',
  };
}

export function eventBody(envelope: Record<string, unknown>): SignedBody {
  return { body: JSON.stringify(envelope), contentType: 'application/json' };
}

/** A view as Slack describes it in payloads and API answers. */
export interface ViewRecord {
  readonly id: string;
  /** The view as the bot sent it. */
  readonly view: BlockKit;
  readonly hash: string;
  readonly rootViewId: string;
  readonly previousViewId?: string | undefined;
  readonly externalId?: string | undefined;
}

export function viewPayload(v: ViewRecord, values: StateValues = {}): Record<string, unknown> {
  const sent = v.view;
  return {
    id: v.id,
    team_id: SANDBOX_TEAM.id,
    type: sent.type,
    blocks: sent.blocks ?? [],
    private_metadata: sent.private_metadata ?? '',
    callback_id: sent.callback_id ?? '',
    state: { values },
    hash: v.hash,
    title: sent.title ?? { type: 'plain_text', text: '' },
    clear_on_close: sent.clear_on_close === true,
    notify_on_close: sent.notify_on_close === true,
    close: sent.close ?? null,
    submit: sent.submit ?? null,
    previous_view_id: v.previousViewId ?? null,
    root_view_id: v.rootViewId,
    app_id: SANDBOX_APP_ID,
    external_id: v.externalId ?? '',
    app_installed_team_id: SANDBOX_TEAM.id,
    bot_id: SANDBOX_BOT.botId,
  };
}

export interface ClickedAction {
  readonly actionId: string;
  readonly blockId: string;
  readonly type: string;
  readonly value?: string | undefined;
  readonly text?: BlockKit | undefined;
  readonly selectedOption?: BlockKit | undefined;
  readonly actionTs: string;
}

function actionPayload(a: ClickedAction): Record<string, unknown> {
  return {
    action_id: a.actionId,
    block_id: a.blockId,
    type: a.type,
    ...(a.text !== undefined && { text: a.text }),
    ...(a.value !== undefined && { value: a.value }),
    ...(a.selectedOption !== undefined && { selected_option: a.selectedOption }),
    action_ts: a.actionTs,
  };
}

/** A message as Slack shows it to the app in a `block_actions` payload. */
export interface MessageRef {
  readonly channel: { readonly id: string; readonly name: string };
  readonly ts: string;
  readonly isEphemeral: boolean;
  /** The message itself, for a message that is not ephemeral. */
  readonly message?: Record<string, unknown> | undefined;
  readonly responseUrl: string;
}

export type ActionContainer =
  | { readonly kind: 'message'; readonly ref: MessageRef }
  | { readonly kind: 'view'; readonly view: ViewRecord };

export interface BlockActionsInput {
  readonly userId: string;
  readonly triggerId: string;
  readonly container: ActionContainer;
  readonly state: StateValues;
  readonly action: ClickedAction;
}

export function blockActionsPayload(i: BlockActionsInput): Record<string, unknown> {
  const c = i.container;
  const where =
    c.kind === 'message'
      ? {
          container: {
            type: 'message',
            message_ts: c.ref.ts,
            channel_id: c.ref.channel.id,
            is_ephemeral: c.ref.isEphemeral,
          },
          channel: c.ref.channel,
          ...(c.ref.message !== undefined && { message: c.ref.message }),
          response_url: c.ref.responseUrl,
        }
      : {
          container: { type: 'view', view_id: c.view.id },
          view: viewPayload(c.view, i.state),
        };
  return {
    type: 'block_actions',
    user: user(i.userId),
    api_app_id: SANDBOX_APP_ID,
    token: VERIFICATION_TOKEN,
    ...where,
    trigger_id: i.triggerId,
    team,
    enterprise: null,
    is_enterprise_install: false,
    state: { values: i.state },
    actions: [actionPayload(i.action)],
  };
}

export function viewSubmissionPayload(
  userId: string,
  view: ViewRecord,
  values: StateValues,
  triggerId: string,
): Record<string, unknown> {
  return {
    type: 'view_submission',
    team,
    user: user(userId),
    api_app_id: SANDBOX_APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: triggerId,
    view: viewPayload(view, values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewClosedPayload(
  userId: string,
  view: ViewRecord,
  isCleared: boolean,
): Record<string, unknown> {
  return {
    type: 'view_closed',
    team,
    user: user(userId),
    api_app_id: SANDBOX_APP_ID,
    token: VERIFICATION_TOKEN,
    view: viewPayload(view),
    is_cleared: isCleared,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface EventEnvelopeInput {
  readonly eventId: string;
  /** Unix seconds. */
  readonly eventTime: number;
  readonly event: Record<string, unknown>;
}

export function eventCallback(e: EventEnvelopeInput): Record<string, unknown> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: SANDBOX_TEAM.id,
    api_app_id: SANDBOX_APP_ID,
    event: e.event,
    type: 'event_callback',
    event_id: e.eventId,
    event_time: e.eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: SANDBOX_TEAM.id,
        user_id: SANDBOX_BOT.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    context_team_id: SANDBOX_TEAM.id,
    context_enterprise_id: null,
  };
}

export function appHomeOpened(
  userId: string,
  eventTs: string,
  view: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return {
    type: 'app_home_opened',
    user: userId,
    channel: `D${userId}`,
    tab: 'home',
    event_ts: eventTs,
    ...(view !== undefined && { view }),
  };
}
