/**
 * What a person does in the local Slack, turned into the signed request Slack would send the
 * bot, and what Slack does with the bot's answer: a command's ack shown as an ephemeral, a
 * timeout shown as Slackbot's note, a submission's `response_action` applied to the modal.
 */
import { randomBytes } from 'node:crypto';
import {
  NOTICE_CHANGE_ACTION,
  NOTICE_KEEP_ACTION,
  NOTICE_LAPSE_ACTION,
} from '../../slack/views/notices.js';
import { APPROVE_ACTION } from '../../slack/views/request-card.js';
import type {
  ActionInput,
  ActionResult,
  BlockKit,
  CloseInput,
  CommandInput,
  HomeInput,
  SubmitInput,
} from '../protocol.js';
import { SANDBOX_CHANNEL, SANDBOX_SIGNING_SECRET } from '../workspace-setup.js';
import type { ChecklistEvent } from './checklist.js';
import {
  appHomeOpened,
  blockActionsPayload,
  eventBody,
  eventCallback,
  interactionBody,
  type SignedBody,
  signedHeaders,
  slashCommandBody,
  viewClosedPayload,
  viewSubmissionPayload,
} from './payloads.js';
import type { RequestLookup, SandboxLogger } from './types.js';
import type { Message, ReplyBody, Workspace } from './workspace.js';

/** How long Slack waits for an ack before telling the person the app did not answer. */
export const ACK_WAIT_MS = 3_000;
const FETCH_TIMEOUT_MS = 10_000;
export const SLASH_COMMAND = '/slots';
export const TROUBLE_CONNECTING = 'We had some trouble connecting. Try again?';
const NOTICE_ACTIONS = new Set([NOTICE_KEEP_ACTION, NOTICE_CHANGE_ACTION, NOTICE_LAPSE_ACTION]);

export interface ClientDeps {
  readonly workspace: Workspace;
  /** The bot's `/slack/events`, once known. */
  readonly eventsUrl: () => string | undefined;
  /** `http://127.0.0.1:PORT`: response URLs are served there. */
  readonly baseUrl: () => string;
  readonly requests: RequestLookup;
  readonly checklist: (event: ChecklistEvent) => void;
  readonly logger: SandboxLogger;
  /** Real time in ms (signing timestamps are real time). */
  readonly realNow?: () => number;
  readonly ackWaitMs?: number;
}

type Delivery =
  | { readonly kind: 'answered'; readonly status: number; readonly body: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unreachable' };

export interface Client {
  command(input: CommandInput): Promise<ActionResult>;
  action(input: ActionInput): Promise<ActionResult>;
  submit(input: SubmitInput): Promise<ActionResult>;
  close(input: CloseInput): Promise<ActionResult>;
  home(input: HomeInput): Promise<ActionResult>;
}

export function createClient(deps: ClientDeps): Client {
  const { workspace: ws, logger } = deps;
  const realNow = deps.realNow ?? Date.now;
  const ackWaitMs = deps.ackWaitMs ?? ACK_WAIT_MS;
  const responseUrl = (id: string) => `${deps.baseUrl()}/response/${id}`;

  /** Posts as Slack does; settles at Slack's ack deadline even if the bot answers later. */
  async function deliver(kind: string, signed: SignedBody): Promise<Delivery> {
    const url = deps.eventsUrl();
    if (!url) return { kind: 'unreachable' };
    const timestamp = Math.floor(realNow() / 1000);
    const sent = fetch(url, {
      method: 'POST',
      headers: signedHeaders(SANDBOX_SIGNING_SECRET, timestamp, signed),
      body: signed.body,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    }).then(
      async (res): Promise<Delivery> => ({
        kind: 'answered',
        status: res.status,
        body: await res.text(),
      }),
      (): Delivery => ({ kind: 'unreachable' }),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Delivery>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), ackWaitMs);
    });
    const outcome = await Promise.race([sent, late]).finally(() => clearTimeout(timer));
    logger.debug(
      {
        kind,
        outcome: outcome.kind,
        ...(outcome.kind === 'answered' && { status: outcome.status }),
      },
      'local slack: delivered to the bot',
    );
    return outcome;
  }

  const problem = (d: Delivery): string | undefined =>
    d.kind === 'timeout'
      ? 'slots-bot did not answer within 3 seconds.'
      : d.kind === 'unreachable'
        ? 'slots-bot could not be reached.'
        : d.status < 200 || d.status > 299
          ? `slots-bot answered HTTP ${d.status}.`
          : undefined;

  async function slashCommand(
    user: string,
    text: string,
    threadTs: string | undefined,
  ): Promise<ActionResult> {
    const channel = SANDBOX_CHANNEL.id;
    const subcommand = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    const record = ws.issueResponseUrl({
      channel,
      user,
      threadTs,
      ...(subcommand === 'status' && { tag: 'status' as const }),
    });
    const delivery = await deliver(
      'command',
      slashCommandBody({
        command: SLASH_COMMAND,
        text,
        userId: user,
        channelId: channel,
        channelName: SANDBOX_CHANNEL.name,
        responseUrl: responseUrl(record.id),
        triggerId: ws.issueTrigger(user),
      }),
    );
    const note = (error: string) => {
      ws.slackbotNote(user, channel, `${SLASH_COMMAND} failed with the error "${error}"`, threadTs);
      return { ok: false, message: `${SLASH_COMMAND} failed with the error "${error}"` };
    };
    if (delivery.kind === 'timeout') return note('operation_timeout');
    if (delivery.kind === 'unreachable') return note('dispatch_failed');
    if (delivery.status < 200 || delivery.status > 299) return note('dispatch_failed');
    const ack = parseAck(delivery.body);
    if (ack) {
      ws.showAck(record, ack);
      if (subcommand === 'status') deps.checklist({ kind: 'status-answered' });
    }
    return { ok: true };
  }

  async function action(input: ActionInput): Promise<ActionResult> {
    const { user, source } = input;
    const triggerId = ws.issueTrigger(user);
    const state = input.state ?? {};
    const clicked = {
      actionId: input.actionId,
      blockId: input.blockId,
      type: input.type,
      value: input.value,
      selectedOption: input.selectedOption,
      actionTs: `${(realNow() / 1000).toFixed(6)}`,
    };
    let payload: Record<string, unknown>;
    let message: Message | undefined;
    let tag: 'self-approval' | undefined;
    if (source.kind === 'message') {
      message = ws.visibleMessage(user, source.ts);
      if (!message) return { ok: false, message: 'That message is no longer there.' };
      const element = findElement(message.blocks, input.blockId, input.actionId);
      if (!element) return { ok: false, message: 'That button is no longer on the message.' };
      if (input.actionId === APPROVE_ACTION && input.value) {
        const request = await deps.requests(input.value).catch(() => undefined);
        if (request?.requester === user) tag = 'self-approval';
        else if (request) deps.checklist({ kind: 'approve-clicked', requestId: request.id });
      }
      if (NOTICE_ACTIONS.has(input.actionId)) deps.checklist({ kind: 'notice-answered' });
      const record = ws.issueResponseUrl({
        channel: message.channel,
        user,
        messageTs: message.ts,
        threadTs: message.threadTs,
        tag,
      });
      const isEphemeral = message.ephemeralTo !== undefined;
      payload = blockActionsPayload({
        userId: user,
        triggerId,
        state,
        container: {
          kind: 'message',
          ref: {
            channel: {
              id: message.channel,
              name: message.channel.startsWith('D') ? 'directmessage' : SANDBOX_CHANNEL.name,
            },
            ts: message.ts,
            isEphemeral,
            ...(!isEphemeral && { message: ws.messageJson(message) }),
            responseUrl: responseUrl(record.id),
          },
        },
        action: { ...clicked, text: element.text as BlockKit | undefined },
      });
    } else {
      const view =
        source.kind === 'modal'
          ? ws.modalStack(user).find((v) => v.id === source.viewId)
          : ws.homeOf(user);
      if (!view) return { ok: false, message: 'That view is no longer open.' };
      const element = findElement(
        view.view.blocks as BlockKit[] | undefined,
        input.blockId,
        input.actionId,
      );
      payload = blockActionsPayload({
        userId: user,
        triggerId,
        state,
        container: { kind: 'view', view },
        action: { ...clicked, text: element?.text as BlockKit | undefined },
      });
    }
    const delivery = await deliver('block_actions', interactionBody(payload));
    const trouble = problem(delivery);
    return trouble ? { ok: false, message: trouble } : { ok: true };
  }

  async function submit(input: SubmitInput): Promise<ActionResult> {
    const { user } = input;
    const stack = ws.modalStack(user);
    const top = stack.at(-1);
    if (!top || top.id !== input.viewId)
      return { ok: false, message: 'That form is no longer open.' };
    const sentHash = top.hash;
    const payload = viewSubmissionPayload(user, top, input.state, ws.issueTrigger(user));
    const delivery = await deliver('view_submission', interactionBody(payload));
    if (problem(delivery)) return { ok: false, message: TROUBLE_CONNECTING };
    const answer = delivery.kind === 'answered' ? parseJson(delivery.body) : undefined;
    const responseAction = answer?.response_action;
    if (responseAction === 'errors') {
      const errors = isRecord(answer?.errors) ? stringValues(answer.errors) : {};
      ws.setModalErrors(user, top.id, errors);
      return { ok: true };
    }
    if (responseAction === 'update' && isRecord(answer?.view)) {
      const refused = ws.replaceModal(user, top.id, sentHash, answer.view);
      return refused.length > 0 ? { ok: false, message: TROUBLE_CONNECTING } : { ok: true };
    }
    if (responseAction === 'push' && isRecord(answer?.view)) {
      const refused = ws.pushModal(user, answer.view);
      return refused.length > 0 ? { ok: false, message: TROUBLE_CONNECTING } : { ok: true };
    }
    if (responseAction === 'clear') {
      ws.clearModals(user);
      return { ok: true };
    }
    ws.closeModal(user, top.id);
    return { ok: true };
  }

  async function close(input: CloseInput): Promise<ActionResult> {
    const entry = ws.modalStack(input.user).find((v) => v.id === input.viewId);
    if (!entry) return { ok: true };
    const all = entry.view.clear_on_close === true;
    ws.closeModal(input.user, entry.id, all);
    if (entry.view.notify_on_close !== true) return { ok: true };
    const delivery = await deliver(
      'view_closed',
      interactionBody(viewClosedPayload(input.user, entry, all)),
    );
    const trouble = problem(delivery);
    return trouble ? { ok: false, message: trouble } : { ok: true };
  }

  async function home(input: HomeInput): Promise<ActionResult> {
    const current = ws.homeOf(input.user);
    const eventTs = `${(realNow() / 1000).toFixed(6)}`;
    const envelope = eventCallback({
      eventId: `Ev${randomBytes(8).toString('hex').toUpperCase()}`,
      eventTime: Math.floor(realNow() / 1000),
      event: appHomeOpened(
        input.user,
        eventTs,
        current ? { id: current.id, hash: current.hash } : undefined,
      ),
    });
    const delivery = await deliver('app_home_opened', eventBody(envelope));
    const trouble = problem(delivery);
    return trouble ? { ok: false, message: trouble } : { ok: true };
  }

  return {
    async command(input) {
      const line = input.line.trim();
      if (line === '') return { ok: false, message: 'Nothing to send.' };
      if (!line.startsWith('/')) {
        ws.postAsPerson(input.user, SANDBOX_CHANNEL.id, line, input.threadTs);
        return { ok: true };
      }
      const word = line.split(/\s+/)[0] ?? '';
      if (word.toLowerCase() !== SLASH_COMMAND) {
        ws.slackbotNote(
          input.user,
          SANDBOX_CHANNEL.id,
          `${word} is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands. If you are trying to send a message that starts with a "/" character, try adding a space before it.`,
          input.threadTs,
        );
        return { ok: true };
      }
      return slashCommand(input.user, line.slice(word.length).trim(), input.threadTs);
    },
    action,
    submit,
    close,
    home,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A command's ack body: JSON with text/blocks, or plain text; `undefined` for an empty ack. */
export function parseAck(body: string): ReplyBody | undefined {
  if (body.trim() === '') return undefined;
  const json = parseJson(body);
  if (json) {
    if (json.text === undefined && json.blocks === undefined) return undefined;
    return { text: json.text, blocks: json.blocks, response_type: json.response_type };
  }
  return { text: body };
}

function stringValues(v: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The element a click names, looked up in the blocks (section accessories too). */
export function findElement(
  blocks: readonly BlockKit[] | undefined,
  blockId: string,
  actionId: string,
): BlockKit | undefined {
  for (const block of blocks ?? []) {
    if (block.block_id !== undefined && block.block_id !== blockId) continue;
    const candidates = [
      ...(Array.isArray(block.elements) ? block.elements : []),
      block.accessory,
      block.element,
    ];
    const found = candidates.find((e) => isRecord(e) && e.action_id === actionId);
    if (found) return found as BlockKit;
  }
  return undefined;
}
