/**
 * The workspace the local Slack plays: messages (channel, threads, ephemerals, DMs), modal
 * stacks and Home tabs per person, the ids and response URLs it handed out (`handouts.ts`)
 * and the Web API methods the bot calls (`web-api.ts`), each answering what Slack answers. No HTTP
 * here: the server parses requests and calls `call`/`respond`; every change is announced through
 * `onChange`/`onEvent`.
 */
import type { BlockKit, SandboxMessage, SandboxModal } from '../protocol.js';
import { SLACKBOT_USER_ID } from '../workspace-setup.js';
import { viewProblems } from './block-limits.js';
import {
  type ReplyBody,
  type ResponseUrlRecord,
  ResponseUrls,
  TriggerIds,
  ViewStamps,
} from './handouts.js';
import type { ViewRecord } from './payloads.js';
import {
  type ApiAnswer,
  type Json,
  MODAL_STACK_MAX,
  messageJson,
  type WorkspaceInternals,
  webApi,
} from './web-api.js';

export {
  RESPONSE_URL_TTL_MS,
  RESPONSE_URL_USES,
  type ReplyBody,
  type ResponseUrlRecord,
  TRIGGER_TTL_MS,
} from './handouts.js';
export { type ApiAnswer, MODAL_STACK_MAX } from './web-api.js';

export interface Message {
  ts: string;
  channel: string;
  threadTs?: string;
  userId: string;
  text: string;
  blocks?: BlockKit[];
  editedAt?: string;
  ephemeralTo?: string;
  replyCount: number;
}

export interface ModalEntry extends ViewRecord {
  errors: Record<string, string>;
}

export interface SavedWorkspaceState {
  readonly messages: readonly Message[];
  readonly modals: Readonly<Record<string, readonly ModalEntry[]>>;
  readonly home: Readonly<Record<string, ViewRecord>>;
  readonly responseUrls: readonly ResponseUrlRecord[];
  readonly lastTs: string;
  readonly seq: number;
}

export type WorkspaceEvent =
  /** The bot posted a message everyone in the channel (or a DM) sees. */
  | { readonly kind: 'bot-posted'; readonly message: Message }
  | { readonly kind: 'bot-updated'; readonly message: Message }
  /** The bot posted to a response URL and it was accepted. */
  | { readonly kind: 'responded'; readonly record: ResponseUrlRecord }
  | { readonly kind: 'refused-blocks'; readonly method: string; readonly problems: number };

export interface WorkspaceDeps {
  /** The sandbox clock: message ts and edit times. */
  readonly now: () => Date;
  /** Real time in ms: trigger and response URL lifetimes. */
  readonly realNow?: () => number;
  readonly onChange?: () => void;
  readonly onEvent?: (event: WorkspaceEvent) => void;
}

export class Workspace {
  private messages: Message[] = [];
  private readonly modals = new Map<string, ModalEntry[]>();
  private readonly home = new Map<string, ViewRecord>();
  private lastTs = '0.000000';
  private seq = 0;
  private readonly realNow: () => number;
  private readonly internals: WorkspaceInternals = {
    modals: this.modals,
    home: this.home,
    message: (channel, ts) => this.message(channel, ts),
    add: (m) => this.add(m),
    edit: (message, content) => this.edit(message, content),
    remove: (message) => this.remove(message),
    viewEntry: (...args) => this.views.entry(...args),
    takeTrigger: (triggerId) => this.triggers.take(triggerId),
    refused: (method, problems) => this.refused(method, problems),
    changed: () => this.changed(),
    emit: (event) => this.deps.onEvent?.(event),
  };
  private readonly triggers = new TriggerIds(
    () => this.realNow(),
    () => this.nextSeq(),
  );
  private readonly views = new ViewStamps(
    () => this.realNow(),
    () => this.nextSeq(),
  );
  private readonly responseUrls = new ResponseUrls(this.internals, () => this.realNow());
  private readonly callWebApi = webApi(this.internals);

  constructor(
    private readonly deps: WorkspaceDeps,
    saved?: SavedWorkspaceState,
  ) {
    this.realNow = deps.realNow ?? Date.now;
    if (saved) this.restore(saved);
  }

  // -------------------------------------------------------------------------------------------
  // What the page shows

  view(): {
    messages: SandboxMessage[];
    modals: Record<string, SandboxModal[]>;
    home: Record<string, BlockKit>;
  } {
    return {
      messages: this.messages.map((m) => ({ ...m })),
      modals: Object.fromEntries(
        [...this.modals].map(([user, stack]) => [
          user,
          stack.map((e) => ({ id: e.id, view: e.view, hash: e.hash, errors: { ...e.errors } })),
        ]),
      ),
      home: Object.fromEntries(
        [...this.home].map(([user, v]) => [user, { ...v.view, id: v.id, hash: v.hash }]),
      ),
    };
  }

  message(channel: string, ts: string): Message | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** A message `user` can see, by ts (the page names messages by ts only). */
  visibleMessage(user: string, ts: string): Message | undefined {
    return this.messages.find(
      (m) => m.ts === ts && (m.ephemeralTo === undefined || m.ephemeralTo === user),
    );
  }

  modalStack(user: string): readonly ModalEntry[] {
    return this.modals.get(user) ?? [];
  }

  homeOf(user: string): ViewRecord | undefined {
    return this.home.get(user);
  }

  // -------------------------------------------------------------------------------------------
  // What the client side hands out

  issueTrigger(user: string): string {
    return this.triggers.issue(user);
  }

  issueResponseUrl(r: Omit<ResponseUrlRecord, 'id' | 'createdAtMs' | 'uses'>): ResponseUrlRecord {
    return this.responseUrls.issue(r);
  }

  // -------------------------------------------------------------------------------------------
  // What a person (or Slack itself) does

  postAsPerson(user: string, channel: string, text: string, threadTs?: string): Message {
    return this.add({ channel, userId: user, text, ...(threadTs && { threadTs }) });
  }

  /** A note from Slack itself, shown to one person ("/x is not a valid command"). */
  slackbotNote(user: string, channel: string, text: string, threadTs?: string): Message {
    return this.add({
      channel,
      userId: SLACKBOT_USER_ID,
      text,
      ephemeralTo: user,
      ...(threadTs && { threadTs }),
    });
  }

  /** The body of a command's ack, shown like a response URL message (it uses none of it). */
  showAck(record: ResponseUrlRecord, body: ReplyBody): void {
    this.responseUrls.deliver(record, body);
  }

  setModalErrors(user: string, viewId: string, errors: Record<string, string>): void {
    const entry = this.modalStack(user).find((e) => e.id === viewId);
    if (!entry) return;
    entry.errors = { ...errors };
    this.changed();
  }

  /** Replaces the top view after a submission's `update`, unless the bot changed it since. */
  replaceModal(user: string, viewId: string, expectedHash: string, view: BlockKit): string[] {
    const stack = this.modals.get(user);
    const entry = stack?.find((e) => e.id === viewId);
    if (!stack || !entry || entry.hash !== expectedHash) return [];
    const problems = viewProblems(view, 'modal');
    if (problems.length > 0) return this.refused('response_action:update', problems);
    const next = this.views.entry(view, entry.id, entry.rootViewId, entry.previousViewId);
    stack[stack.indexOf(entry)] = next;
    this.changed();
    return [];
  }

  pushModal(user: string, view: BlockKit): string[] {
    const stack = this.modals.get(user) ?? [];
    const problems = viewProblems(view, 'modal');
    if (problems.length > 0) return this.refused('response_action:push', problems);
    if (stack.length >= MODAL_STACK_MAX) return ['push_limit_reached'];
    const top = stack.at(-1);
    stack.push(this.views.entry(view, undefined, top?.rootViewId, top?.id));
    this.modals.set(user, stack);
    this.changed();
    return [];
  }

  /** Closes the view `viewId` and any above it; `all` closes the whole stack. */
  closeModal(user: string, viewId: string, all = false): void {
    const stack = this.modals.get(user);
    if (!stack) return;
    const at = stack.findIndex((e) => e.id === viewId);
    if (at < 0) return;
    const left = all ? [] : stack.slice(0, at);
    if (left.length === 0) this.modals.delete(user);
    else this.modals.set(user, left);
    this.changed();
  }

  clearModals(user: string): void {
    if (this.modals.delete(user)) this.changed();
  }

  // -------------------------------------------------------------------------------------------
  // The Web API and response URLs

  /** One Web API call; `token` from the Authorization header or the `token` field. */
  call(method: string, args: Json, token: string | undefined): ApiAnswer {
    return this.callWebApi(method, args, token);
  }

  /** `POST /response/<id>`: what Slack answers, as HTTP status and JSON body. */
  respond(id: string, body: unknown): { status: number; body: Json } {
    return this.responseUrls.respond(id, body);
  }

  // -------------------------------------------------------------------------------------------
  // Saving

  save(): SavedWorkspaceState {
    const responseUrls = this.responseUrls.live();
    return structuredClone({
      messages: this.messages,
      modals: Object.fromEntries(this.modals),
      home: Object.fromEntries(this.home),
      responseUrls,
      lastTs: this.lastTs,
      seq: this.seq,
    });
  }

  private restore(saved: SavedWorkspaceState): void {
    const s = structuredClone(saved);
    this.messages = Array.isArray(s.messages) ? [...s.messages] : [];
    // Only the constructor restores, so the maps (shared with `internals`) are still empty.
    for (const [user, stack] of Object.entries(s.modals ?? {})) this.modals.set(user, [...stack]);
    for (const [user, view] of Object.entries(s.home ?? {})) this.home.set(user, view);
    this.responseUrls.restore(s.responseUrls ?? []);
    this.lastTs = typeof s.lastTs === 'string' ? s.lastTs : '0.000000';
    this.seq = typeof s.seq === 'number' ? s.seq : 0;
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private add(m: Omit<Message, 'ts' | 'replyCount'>): Message {
    const message: Message = { ...m, ts: this.nextTs(), replyCount: 0 };
    this.messages.push(message);
    if (message.threadTs !== undefined && message.ephemeralTo === undefined) {
      const parent = this.message(message.channel, message.threadTs);
      if (parent) parent.replyCount += 1;
    }
    this.changed();
    return message;
  }

  private edit(message: Message, content: { text: string; blocks?: BlockKit[] }): void {
    message.text = content.text;
    if (content.blocks) message.blocks = content.blocks;
    else delete message.blocks;
    message.editedAt = this.deps.now().toISOString();
    this.changed();
  }

  private remove(message: Message): void {
    if (message.replyCount > 0) {
      // Slack keeps a parent with replies as a tombstone so the thread stays reachable.
      message.text = 'This message was deleted.';
      delete message.blocks;
    } else {
      this.messages = this.messages.filter((m) => m !== message);
      if (message.threadTs !== undefined && message.ephemeralTo === undefined) {
        const parent = this.message(message.channel, message.threadTs);
        if (parent) parent.replyCount = Math.max(0, parent.replyCount - 1);
      }
    }
    this.changed();
  }

  /** Sandbox-clock seconds and a 6-digit counter; each ts is greater than the one before. */
  private nextTs(): string {
    const [lastSec = 0, lastMicro = 0] = this.lastTs.split('.').map(Number);
    let sec = Math.max(Math.floor(this.deps.now().getTime() / 1000), lastSec);
    let micro = sec === lastSec ? lastMicro + 1 : 1;
    if (micro > 999_999) {
      sec += 1;
      micro = 1;
    }
    this.lastTs = `${sec}.${String(micro).padStart(6, '0')}`;
    return this.lastTs;
  }

  private nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** A message as the Web API and interaction payloads describe it. */
  messageJson(m: Message): Json {
    return messageJson(m);
  }

  private refused(method: string, problems: string[]): string[] {
    this.deps.onEvent?.({ kind: 'refused-blocks', method, problems: problems.length });
    return problems;
  }

  private changed(): void {
    this.deps.onChange?.();
  }
}
