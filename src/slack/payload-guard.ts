/**
 * Signed requests that Bolt cannot read. Bolt trusts the shape of what Slack sends: a body of
 * `null` throws before any listener runs (HTTP: the request hangs), a body of no known type is
 * never acked (404 after 3 s), and a missing `user`, `actions` or `view`, or a number where a
 * string belongs, throws inside a listener before its ack (500, or 404 after 3 s). Each is checked
 * here first and acked at once with a clear error; nothing behind it runs. And whatever happens
 * behind it, a request nothing acked is acked when its processing ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type App,
  defaultBodyLimit,
  HTTPModuleFunctions,
  isRawBodyError,
  isValidSlackRequest,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../logger.js';

/** What kind of request Bolt will take a body for (its `getTypeAndConversation`, in order). */
export type SlackRequestKind =
  | 'event'
  | 'command'
  | 'options'
  | 'action'
  | 'shortcut'
  | 'view_submission'
  | 'view_closed'
  | 'unknown';

export interface Unreadable {
  readonly kind: SlackRequestKind;
  readonly code: 'not_an_object' | 'unknown_type' | 'malformed';
  /** Where the first problem is (`user.id`, `view.state.values.<block>…`); ids only, no values. */
  readonly at?: string;
  /** The input block whose value could not be read, for a view submission. */
  readonly block?: string;
}

export const UNREADABLE_TEXT =
  'slots-bot could not read this request from Slack (a field is missing or has the wrong type), so nothing was done. Try again; if it keeps happening, tell whoever runs slots-bot.';
export const UNREADABLE_FIELD_TEXT = 'slots-bot could not read this field. Enter it again.';
const UNANSWERED_TEXT = 'slots-bot could not answer this command, so nothing was done. Try again.';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function requestKind(body: Record<string, unknown>): SlackRequestKind {
  if (body.event !== undefined) return 'event';
  if (body.command !== undefined) return 'command';
  if (body.name !== undefined || body.type === 'block_suggestion') return 'options';
  if (body.actions !== undefined || body.type === 'dialog_submission') return 'action';
  if (body.type === 'shortcut' || body.type === 'message_action') return 'shortcut';
  if (body.type === 'view_submission') return 'view_submission';
  if (body.type === 'view_closed') return 'view_closed';
  return 'unknown';
}

// Only what Bolt and the listeners read; everything else passes untouched.
const id = z.string().min(1);
const optionalText = z.string().optional();
const nullableText = z.string().nullish();
const option = z.looseObject({ value: z.string() });

/** One element's state in `view.state.values[block][action]`, by the fields Slack defines. */
const elementState = z.looseObject({
  type: optionalText,
  value: nullableText,
  selected_option: option.nullish(),
  selected_options: z.array(option).nullish(),
  selected_date: nullableText,
  selected_time: nullableText,
  selected_date_time: z.number().nullish(),
  selected_user: nullableText,
  selected_users: z.array(z.string()).nullish(),
  selected_channel: nullableText,
  selected_channels: z.array(z.string()).nullish(),
  selected_conversation: nullableText,
  selected_conversations: z.array(z.string()).nullish(),
});
const stateValues = z.record(z.string(), z.record(z.string(), elementState));

const view = z.looseObject({
  id,
  callback_id: z.string(),
  private_metadata: optionalText,
  hash: optionalText,
  state: z.looseObject({ values: stateValues }).optional(),
});

/** Who and where, as every interaction carries them (Bolt reads `user.team_id` without a team). */
const interaction = {
  user: z.looseObject({ id, team_id: optionalText }),
  team: z.looseObject({ id: nullableText }).nullish(),
  enterprise: z.looseObject({ id: nullableText }).nullish(),
  trigger_id: optionalText,
  response_url: optionalText,
};

const action = z.looseObject({
  action_id: id,
  block_id: optionalText,
  value: optionalText,
  selected_option: option.nullish(),
});

const shapes: Record<Exclude<SlackRequestKind, 'unknown'>, z.ZodType> = {
  event: z.looseObject({ event: z.looseObject({ type: z.string() }) }),
  command: z.looseObject({
    command: id,
    user_id: id,
    text: optionalText,
    trigger_id: optionalText,
    response_url: optionalText,
    channel_id: optionalText,
  }),
  options: z.looseObject(interaction),
  action: z.looseObject({
    ...interaction,
    actions: z.array(action).min(1).optional(),
    view: view.optional(),
    channel: z.looseObject({ id }).nullish(),
    message: z.looseObject({ ts: z.string() }).optional(),
  }),
  shortcut: z.looseObject(interaction),
  view_submission: z.looseObject({
    ...interaction,
    view: view.extend({ state: z.looseObject({ values: stateValues }) }),
  }),
  view_closed: z.looseObject({ ...interaction, view }),
};

/** Why Bolt or a listener could not read `body`, or `undefined` when it can. */
export function unreadable(body: unknown): Unreadable | undefined {
  if (!isRecord(body)) return { kind: 'unknown', code: 'not_an_object' };
  const kind = requestKind(body);
  if (kind === 'unknown') return { kind, code: 'unknown_type' };
  const result = shapes[kind].safeParse(body);
  if (result.success) return undefined;
  const path = result.error.issues[0]?.path.map(String) ?? [];
  const inState = path[0] === 'view' && path[1] === 'state' && path[2] === 'values';
  return {
    kind,
    code: 'malformed',
    at: path.join('.'),
    ...(inState && path[3] !== undefined && { block: path[3] }),
  };
}

/** The ack for a request that could not be read: something the user sees, where Slack shows it. */
export function unreadableAnswer(problem: Unreadable): Record<string, unknown> | string {
  switch (problem.kind) {
    case 'command':
      return { response_type: 'ephemeral', text: UNREADABLE_TEXT };
    case 'view_submission':
      return problem.block
        ? { response_action: 'errors', errors: { [problem.block]: UNREADABLE_FIELD_TEXT } }
        : { response_action: 'update', view: unreadableModal() };
    default:
      return UNREADABLE_TEXT;
  }
}

function unreadableModal(): Record<string, unknown> {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'slots-bot' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'plain_text', text: UNREADABLE_TEXT } }],
  };
}

/**
 * Wraps a receiver so every event it hands to the app is checked first, and acked when nothing
 * else acked it. Works the same for HTTP and Socket Mode.
 */
export function screenedReceiver(inner: Receiver, logger: Logger): Receiver {
  const log = logger.child({ module: 'payload-guard' });
  return {
    init(app: App) {
      // The receiver only calls `processEvent`; everything else still comes from the app.
      const screened = Object.create(app) as App;
      screened.processEvent = (event) => processScreened(app, event, log);
      inner.init(screened);
    },
    start: (...args) => inner.start(...args),
    stop: (...args) => inner.stop(...args),
  };
}

async function processScreened(app: App, event: ReceiverEvent, log: Logger): Promise<void> {
  let acked = false;
  const ack: ReceiverEvent['ack'] = (response) => {
    acked = true;
    return event.ack(response);
  };
  const problem = unreadable(event.body);
  if (problem) {
    log.warn(
      { kind: problem.kind, code: problem.code, at: problem.at },
      'unreadable Slack request',
    );
    await ack(unreadableAnswer(problem));
    return;
  }
  try {
    await app.processEvent({ ...event, ack });
  } finally {
    if (!acked) {
      // No listener for it, or one failed before its ack: answer now rather than let Slack wait.
      const kind = requestKind(event.body);
      log.warn({ kind }, 'no listener acknowledged a Slack request');
      await ack(
        kind === 'command' ? { response_type: 'ephemeral', text: UNANSWERED_TEXT } : undefined,
      )
        // Bolt's own 3 s timer may have answered already.
        .catch(() => undefined);
    }
  }
}

/**
 * `POST /slack/events` before Bolt's HTTPReceiver sees it: a signed body that parses to something
 * other than an object (`payload=null`) is answered here, because Bolt would throw on it outside
 * any handler and leave the request hanging. Everything else goes to `pass` with the body already
 * read, which Bolt reuses.
 */
export async function screenHttpEvents(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { readonly signingSecret: string; readonly logger: Logger },
  pass: () => void,
): Promise<void> {
  let raw: string;
  try {
    raw = (
      await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit)
    ).rawBody.toString();
  } catch (err) {
    const tooLarge = isRawBodyError(err) && (err as { statusCode: number }).statusCode === 413;
    res.writeHead(tooLarge ? 413 : 400);
    res.end();
    return;
  }
  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(
      req as Parameters<typeof HTTPModuleFunctions.parseHTTPRequestBody>[0],
    );
  } catch {
    return pass(); // Bolt answers unparseable bodies with 400.
  }
  if (isRecord(body)) return pass();

  const signed = isValidSlackRequest({
    signingSecret: opts.signingSecret,
    body: raw,
    headers: {
      'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
      'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
    },
  });
  if (!signed) {
    res.writeHead(401);
    res.end();
    return;
  }
  opts.logger
    .child({ module: 'payload-guard' })
    .warn({ kind: 'unknown', code: 'not_an_object' }, 'unreadable Slack request');
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(UNREADABLE_TEXT);
}
