/**
 * The Web API methods the bot calls on the local Slack, each answering what Slack answers. They
 * read and change the workspace only through the `WorkspaceInternals` it hands them.
 */
import type { BlockKit } from '../protocol.js';
import {
  APPROVER_GROUP,
  PEOPLE,
  SANDBOX_APP_ID,
  SANDBOX_BOT,
  SANDBOX_BOT_TOKEN,
  SANDBOX_CHANNEL,
  SANDBOX_TEAM,
} from '../workspace-setup.js';
import { blockProblems, viewProblems } from './block-limits.js';
import { type ViewRecord, viewPayload } from './payloads.js';
import type { Message, ModalEntry, WorkspaceEvent } from './workspace.js';

/** A modal stack holds at most three views. */
export const MODAL_STACK_MAX = 3;

export type Json = Record<string, unknown>;
export type ApiAnswer = ({ ok: true } & Json) | ({ ok: false; error: string } & Json);

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;
const isPerson = (id: string) => PEOPLE.some((p) => p.id === id);

const fail = (error: string, extra: Json = {}): ApiAnswer => ({ ok: false, error, ...extra });
const invalid = (error: string, problems: string[]): ApiAnswer =>
  fail(error, { response_metadata: { messages: problems } });

/** What the Web API methods and response URLs reach inside the workspace. */
export interface WorkspaceInternals {
  readonly modals: Map<string, ModalEntry[]>;
  readonly home: Map<string, ViewRecord>;
  message(channel: string, ts: string): Message | undefined;
  add(m: Omit<Message, 'ts' | 'replyCount'>): Message;
  edit(message: Message, content: { text: string; blocks?: BlockKit[] }): void;
  remove(message: Message): void;
  viewEntry(view: BlockKit, id?: string, rootViewId?: string, previousViewId?: string): ModalEntry;
  /** Uses up a trigger id: the person it was handed to, or the error Slack answers. */
  takeTrigger(triggerId: unknown): { user: string } | { error: string };
  /** Announces blocks Slack refuses and hands the problems back. */
  refused(method: string, problems: string[]): string[];
  changed(): void;
  emit(event: WorkspaceEvent): void;
}

/** A message as the Web API and interaction payloads describe it. */
export function messageJson(m: Message): Json {
  const byBot = m.userId === SANDBOX_BOT.userId;
  return {
    type: 'message',
    user: m.userId,
    ...(byBot && { bot_id: SANDBOX_BOT.botId, app_id: SANDBOX_APP_ID }),
    text: m.text,
    ...(m.blocks && { blocks: m.blocks }),
    ts: m.ts,
    team: SANDBOX_TEAM.id,
    ...(m.threadTs !== undefined && { thread_ts: m.threadTs }),
    ...(m.threadTs === undefined && m.replyCount > 0 && { reply_count: m.replyCount }),
    ...(m.editedAt !== undefined && { edited: { user: m.userId, ts: m.ts } }),
  };
}

/** One Web API call; `token` from the Authorization header or the `token` field. */
export type WebApi = (method: string, args: Json, token: string | undefined) => ApiAnswer;

export function webApi(ws: WorkspaceInternals): WebApi {
  /** `C0SLOTS` (or its name), a person's id or their `D…` DM: where a message goes. */
  function resolveChannel(channel: unknown): string | undefined {
    const c = str(channel);
    if (c === undefined) return undefined;
    if (
      c === SANDBOX_CHANNEL.id ||
      c === SANDBOX_CHANNEL.name ||
      c === `#${SANDBOX_CHANNEL.name}`
    ) {
      return SANDBOX_CHANNEL.id;
    }
    if (isPerson(c)) return `D${c}`;
    if (c.startsWith('D') && isPerson(c.slice(1))) return c;
    return undefined;
  }

  function messageContent(
    method: string,
    args: Json,
  ): { text: string; blocks?: BlockKit[] } | ApiAnswer {
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = args.blocks;
    if (blocks !== undefined && blocks !== '') {
      const problems = blockProblems(blocks, 'message');
      if (problems.length > 0) return invalid('invalid_blocks', ws.refused(method, problems));
    }
    const list = Array.isArray(blocks) ? (blocks as BlockKit[]) : undefined;
    if (text === '' && (list === undefined || list.length === 0)) return fail('no_text');
    return { text, ...(list && list.length > 0 && { blocks: list }) };
  }

  function postMessage(args: Json): ApiAnswer {
    const channel = resolveChannel(args.channel);
    if (!channel) return fail('channel_not_found');
    const content = messageContent('chat.postMessage', args);
    if ('ok' in content) return content;
    let threadTs = str(args.thread_ts);
    if (threadTs !== undefined) {
      const parent = ws.message(channel, threadTs);
      if (!parent || parent.ephemeralTo !== undefined) return fail('thread_not_found');
      threadTs = parent.threadTs ?? parent.ts;
    }
    const message = ws.add({
      channel,
      userId: SANDBOX_BOT.userId,
      ...content,
      ...(threadTs && { threadTs }),
    });
    ws.emit({ kind: 'bot-posted', message });
    return { ok: true, channel, ts: message.ts, message: messageJson(message) };
  }

  function update(args: Json): ApiAnswer {
    const channel = resolveChannel(args.channel);
    if (!channel) return fail('channel_not_found');
    const ts = str(args.ts);
    const message = ts === undefined ? undefined : ws.message(channel, ts);
    if (!message || message.ephemeralTo !== undefined) return fail('message_not_found');
    if (message.userId !== SANDBOX_BOT.userId) return fail('cant_update_message');
    const content = messageContent('chat.update', {
      text: args.text ?? message.text,
      blocks: args.blocks ?? message.blocks,
    });
    if ('ok' in content) return content;
    ws.edit(message, content);
    ws.emit({ kind: 'bot-updated', message });
    return {
      ok: true,
      channel,
      ts: message.ts,
      text: message.text,
      message: messageJson(message),
    };
  }

  function postEphemeral(args: Json): ApiAnswer {
    const channel = resolveChannel(args.channel);
    if (!channel) return fail('channel_not_found');
    const user = str(args.user);
    if (user === undefined || !isPerson(user)) return fail('user_not_in_channel');
    const content = messageContent('chat.postEphemeral', args);
    if ('ok' in content) return content;
    const threadTs = str(args.thread_ts);
    const message = ws.add({
      channel,
      userId: SANDBOX_BOT.userId,
      ephemeralTo: user,
      ...content,
      ...(threadTs && { threadTs }),
    });
    return { ok: true, message_ts: message.ts };
  }

  function deleteMessage(args: Json): ApiAnswer {
    const channel = resolveChannel(args.channel);
    if (!channel) return fail('channel_not_found');
    const ts = str(args.ts);
    const message = ts === undefined ? undefined : ws.message(channel, ts);
    if (!message || message.ephemeralTo !== undefined) return fail('message_not_found');
    if (message.userId !== SANDBOX_BOT.userId) return fail('cant_delete_message');
    ws.remove(message);
    return { ok: true, channel, ts: message.ts };
  }

  function checkView(method: string, view: unknown, type: 'modal' | 'home'): ApiAnswer | undefined {
    const problems = viewProblems(view, type);
    return problems.length > 0
      ? invalid('invalid_arguments', ws.refused(method, problems))
      : undefined;
  }

  function openView(args: Json): ApiAnswer {
    const bad = checkView('views.open', args.view, 'modal');
    if (bad) return bad;
    const trigger = ws.takeTrigger(args.trigger_id);
    if ('error' in trigger) return fail(trigger.error);
    const entry = ws.viewEntry(args.view as BlockKit);
    // A new modal from outside one replaces whatever the person had open.
    ws.modals.set(trigger.user, [entry]);
    ws.changed();
    return { ok: true, view: viewPayload(entry) };
  }

  function pushView(args: Json): ApiAnswer {
    const bad = checkView('views.push', args.view, 'modal');
    if (bad) return bad;
    const trigger = ws.takeTrigger(args.trigger_id);
    if ('error' in trigger) return fail(trigger.error);
    const stack = ws.modals.get(trigger.user);
    const top = stack?.at(-1);
    if (!stack || !top) return fail('not_found');
    if (stack.length >= MODAL_STACK_MAX) return fail('push_limit_reached');
    const entry = ws.viewEntry(args.view as BlockKit, undefined, top.rootViewId, top.id);
    stack.push(entry);
    ws.changed();
    return { ok: true, view: viewPayload(entry) };
  }

  function findView(
    args: Json,
  ): { entry: ViewRecord; home?: string; stack?: ModalEntry[] } | undefined {
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    const matches = (v: ViewRecord) =>
      viewId !== undefined
        ? v.id === viewId
        : externalId !== undefined && v.externalId === externalId;
    for (const stack of ws.modals.values()) {
      const entry = stack.find(matches);
      if (entry) return { entry, stack };
    }
    for (const [user, entry] of ws.home) if (matches(entry)) return { entry, home: user };
    return undefined;
  }

  function updateView(args: Json): ApiAnswer {
    if (str(args.view_id) === undefined && str(args.external_id) === undefined) {
      return invalid('invalid_arguments', ['[ERROR] view_id or external_id is required']);
    }
    const found = findView(args);
    if (!found) return fail('not_found');
    const hash = str(args.hash);
    if (hash !== undefined && hash !== found.entry.hash) return fail('hash_conflict');
    const type = found.home !== undefined ? 'home' : 'modal';
    const bad = checkView('views.update', args.view, type);
    if (bad) return bad;
    const { entry } = found;
    const next = ws.viewEntry(
      args.view as BlockKit,
      entry.id,
      entry.rootViewId,
      entry.previousViewId,
    );
    if (found.home !== undefined) ws.home.set(found.home, next);
    else if (found.stack) found.stack[found.stack.indexOf(entry as ModalEntry)] = next;
    ws.changed();
    return { ok: true, view: viewPayload(next) };
  }

  function publishView(args: Json): ApiAnswer {
    const user = str(args.user_id);
    if (user === undefined || !isPerson(user)) return fail('user_not_found');
    const bad = checkView('views.publish', args.view, 'home');
    if (bad) return bad;
    const current = ws.home.get(user);
    const hash = str(args.hash);
    if (hash !== undefined && current && hash !== current.hash) return fail('hash_conflict');
    const next = ws.viewEntry(args.view as BlockKit, current?.id);
    ws.home.set(user, next);
    ws.changed();
    return { ok: true, view: viewPayload(next) };
  }

  const methods: Record<string, (args: Json) => ApiAnswer> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${SANDBOX_TEAM.domain}.slack.com/`,
      team: SANDBOX_TEAM.name,
      user: SANDBOX_BOT.name,
      team_id: SANDBOX_TEAM.id,
      user_id: SANDBOX_BOT.userId,
      bot_id: SANDBOX_BOT.botId,
      is_enterprise_install: false,
    }),
    'bots.info': (args) =>
      args.bot === SANDBOX_BOT.botId
        ? {
            ok: true,
            bot: {
              id: SANDBOX_BOT.botId,
              deleted: false,
              name: SANDBOX_BOT.name,
              updated: 0,
              app_id: SANDBOX_APP_ID,
              user_id: SANDBOX_BOT.userId,
              icons: {},
            },
          }
        : fail('bot_not_found'),
    'chat.postMessage': postMessage,
    'chat.update': update,
    'chat.postEphemeral': postEphemeral,
    'chat.delete': deleteMessage,
    'views.open': openView,
    'views.push': pushView,
    'views.update': updateView,
    'views.publish': publishView,
    'usergroups.users.list': (args) =>
      args.usergroup === APPROVER_GROUP.id
        ? { ok: true, users: [...APPROVER_GROUP.members] }
        : fail('no_such_subteam'),
  };

  return (method, args, token) => {
    const handler = methods[method];
    if (!handler) return fail('unknown_method');
    if (token === undefined || token === '') return fail('not_authed');
    if (token !== SANDBOX_BOT_TOKEN) return fail('invalid_auth');
    return handler(args);
  };
}
