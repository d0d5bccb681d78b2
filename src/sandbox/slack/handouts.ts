/**
 * What the local Slack hands out: trigger ids (one modal each, briefly), view ids and hashes, and
 * response URLs (a few messages, for half an hour), and where the messages posted to a response
 * URL (or a command's ack) land.
 */
import { randomBytes } from 'node:crypto';
import type { BlockKit } from '../protocol.js';
import { SANDBOX_BOT } from '../workspace-setup.js';
import { blockProblems } from './block-limits.js';
import { type Json, str, type WorkspaceInternals } from './web-api.js';
import type { ModalEntry } from './workspace.js';

/** Slack's limits on trigger ids and response URLs. */
export const TRIGGER_TTL_MS = 3_000;
export const RESPONSE_URL_TTL_MS = 30 * 60_000;
export const RESPONSE_URL_USES = 5;

/** Where a response URL's messages go, and what it was handed out for. */
export interface ResponseUrlRecord {
  readonly id: string;
  readonly channel: string;
  readonly user: string;
  readonly threadTs?: string | undefined;
  /** The message a click came from (`replace_original`/`delete_original` act on it). */
  readonly messageTs?: string | undefined;
  /** Real time (ms) it was handed out. */
  readonly createdAtMs: number;
  uses: number;
  /** What the checklist waits for on this URL. */
  readonly tag?: 'status' | 'self-approval' | undefined;
}

export interface ReplyBody {
  readonly text?: unknown;
  readonly blocks?: unknown;
  readonly response_type?: unknown;
  readonly replace_original?: unknown;
  readonly delete_original?: unknown;
  readonly thread_ts?: unknown;
}

const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class TriggerIds {
  private readonly issued = new Map<string, { user: string; issuedAtMs: number; used: boolean }>();

  constructor(
    private readonly realNow: () => number,
    private readonly nextSeq: () => number,
  ) {}

  issue(user: string): string {
    this.sweep();
    const id = `${Math.floor(this.realNow() / 1000)}.${this.nextSeq()}.${randomBytes(8).toString('hex')}`;
    this.issued.set(id, { user, issuedAtMs: this.realNow(), used: false });
    return id;
  }

  /** Uses up a trigger id: the person it was handed to, or the error Slack answers. */
  take(triggerId: unknown): { user: string } | { error: string } {
    this.sweep();
    const id = str(triggerId);
    const trigger = id === undefined ? undefined : this.issued.get(id);
    if (!trigger || trigger.used) return { error: 'invalid_trigger_id' };
    if (this.realNow() - trigger.issuedAtMs > TRIGGER_TTL_MS) {
      return { error: 'expired_trigger_id' };
    }
    trigger.used = true;
    return { user: trigger.user };
  }

  private sweep(): void {
    const now = this.realNow();
    for (const [id, t] of this.issued) {
      if (now - t.issuedAtMs > TRIGGER_TTL_MS * 10) this.issued.delete(id);
    }
  }
}

/** View ids and hashes: a view keeps its id when it is replaced, and gets a new hash each time. */
export class ViewStamps {
  constructor(
    private readonly realNow: () => number,
    private readonly nextSeq: () => number,
  ) {}

  entry(view: BlockKit, id?: string, rootViewId?: string, previousViewId?: string): ModalEntry {
    const seq = this.nextSeq();
    const viewId = id ?? `V${String(seq).padStart(9, '0')}`;
    const externalId = str(view.external_id);
    return {
      id: viewId,
      view,
      hash: `${Math.floor(this.realNow() / 1000)}.${String(seq).padStart(8, '0')}`,
      rootViewId: rootViewId ?? viewId,
      ...(previousViewId !== undefined && { previousViewId }),
      ...(externalId !== undefined && { externalId }),
      errors: {},
    };
  }
}

export class ResponseUrls {
  private records = new Map<string, ResponseUrlRecord>();

  constructor(
    private readonly ws: WorkspaceInternals,
    private readonly realNow: () => number,
  ) {}

  issue(r: Omit<ResponseUrlRecord, 'id' | 'createdAtMs' | 'uses'>): ResponseUrlRecord {
    this.sweep();
    const record: ResponseUrlRecord = {
      ...r,
      id: randomBytes(16).toString('hex'),
      createdAtMs: this.realNow(),
      uses: 0,
    };
    this.records.set(record.id, record);
    return record;
  }

  /** The records still worth keeping, for saving. */
  live(): ResponseUrlRecord[] {
    this.sweep();
    return [...this.records.values()];
  }

  restore(records: readonly ResponseUrlRecord[]): void {
    this.records = new Map(records.map((r) => [r.id, r]));
  }

  /** `POST /response/<id>`: what Slack answers, as HTTP status and JSON body. */
  respond(id: string, body: unknown): { status: number; body: Json } {
    const record = this.records.get(id);
    if (!record) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (this.realNow() - record.createdAtMs > RESPONSE_URL_TTL_MS) {
      return { status: 404, body: { ok: false, error: 'expired_url' } };
    }
    if (record.uses >= RESPONSE_URL_USES)
      return { status: 404, body: { ok: false, error: 'used_url' } };
    record.uses += 1;
    if (!isRecord(body)) return { status: 400, body: { ok: false, error: 'invalid_payload' } };
    const problems = this.deliver(record, body);
    if (problems) {
      return {
        status: 400,
        body: {
          ok: false,
          error: problems.error,
          response_metadata: { messages: problems.messages },
        },
      };
    }
    this.ws.changed();
    this.ws.emit({ kind: 'responded', record });
    return { status: 200, body: { ok: true } };
  }

  /** A message sent through a response URL (or a command's ack) lands where Slack puts it. */
  deliver(
    record: ResponseUrlRecord,
    body: ReplyBody,
  ): { error: string; messages: string[] } | undefined {
    const { ws } = this;
    const original =
      record.messageTs === undefined ? undefined : ws.message(record.channel, record.messageTs);
    if (body.delete_original === true) {
      if (original) ws.remove(original);
      return undefined;
    }
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? (body.blocks as BlockKit[]) : undefined;
    if (body.blocks !== undefined) {
      const problems = blockProblems(body.blocks, 'message');
      if (problems.length > 0) {
        return { error: 'invalid_blocks', messages: ws.refused('response_url', problems) };
      }
    }
    if (text === '' && (blocks === undefined || blocks.length === 0)) {
      return { error: 'no_text', messages: [] };
    }
    const content = { text, ...(blocks && blocks.length > 0 && { blocks }) };
    if (body.replace_original === true && original) {
      ws.edit(original, content);
      if (original.ephemeralTo === undefined) ws.emit({ kind: 'bot-updated', message: original });
      return undefined;
    }
    const threadTs = str(body.thread_ts) ?? record.threadTs;
    if (body.response_type === 'in_channel') {
      const message = ws.add({
        channel: record.channel,
        userId: SANDBOX_BOT.userId,
        ...content,
        ...(threadTs && { threadTs }),
      });
      ws.emit({ kind: 'bot-posted', message });
    } else {
      ws.add({
        channel: record.channel,
        userId: SANDBOX_BOT.userId,
        ephemeralTo: record.user,
        ...content,
        ...(threadTs && { threadTs }),
      });
    }
    return undefined;
  }

  private sweep(): void {
    const now = this.realNow();
    for (const [id, r] of this.records) {
      if (now - r.createdAtMs > RESPONSE_URL_TTL_MS * 2) this.records.delete(id);
    }
  }
}
