/**
 * What every backend shares about rows: the table rows as the schema names them, the checks that
 * turn them back into domain values, the checks on what callers ask to write, and the pure rules
 * both backends apply inside their transactions (which AWS record an outcome claims, and when a
 * record is taken). The SQL stays in each backend; the meaning lives here once.
 */
import { z } from 'zod';
import { noticeKeys } from '../domain/notice-keys.js';
import {
  type Approval,
  BOT_ACTOR,
  type PurchaseRequest,
  type RequestEvent,
  type RequestOutcome,
  type RequestState,
} from '../domain/requests.js';
import type {
  ListRequestsQuery,
  NewEvent,
  NewOutboxMessage,
  NoticeRecord,
  OutboxMessage,
  WatchState,
} from './store.js';
import {
  checkInput,
  epochMs,
  epochMsSchema,
  jsonObjectSchema,
  jsonText,
  quoteSchema,
  readStored,
  requestActionSchema,
  requestOutcomeSchema,
  requestStateSchema,
} from './stored-values.js';

/** How long a trigger id is remembered: far longer than Slack ever redelivers a request. */
export const TRIGGER_MEMORY_MS = 24 * 60 * 60_000;
/** Longer error texts are cut: a Slack error page must not bloat the outbox. */
export const MAX_ERROR_LENGTH = 1_000;

// ---------------------------------------------------------------------------------------------
// Rows and their checks

const nullable = <T>(schema: z.ZodType<T>) => schema.nullable().transform((v) => v ?? undefined);

const requestRowSchema = z.object({
  id: z.string(),
  state: requestStateSchema,
  action: jsonText(requestActionSchema),
  quote: jsonText(quoteSchema),
  requester: z.string(),
  reason: z.string(),
  created_at: epochMsSchema,
  expires_at: epochMsSchema,
  decided_by: nullable(z.string()),
  decided_at: nullable(epochMsSchema),
  decision_note: nullable(z.string()),
  execution_started_at: nullable(epochMsSchema),
  call_started_at: nullable(epochMsSchema),
  finished_at: nullable(epochMsSchema),
  outcome: nullable(jsonText(requestOutcomeSchema)),
  card_channel: nullable(z.string()),
  card_ts: nullable(z.string()),
  version: z.number().int().min(1),
  approvals_needed: z.number().int().min(1),
  approvals: jsonText(z.array(z.object({ by: z.string(), at: z.string().datetime() }))),
  reminders_sent: z.number().int().min(0),
});

const eventRowSchema = z.object({
  id: z.number().int(),
  request_id: z.string(),
  at: epochMsSchema,
  actor: z.string(),
  type: z.string(),
  detail: jsonText(jsonObjectSchema),
});

export const OUTBOX_KINDS = [
  'card',
  'thread_reply',
  'ephemeral',
  'response',
  'notice',
  'dm',
] as const;

const outboxRowSchema = z.object({
  id: z.number().int(),
  kind: z.enum(OUTBOX_KINDS),
  channel: z.string(),
  request_id: nullable(z.string()),
  user_id: nullable(z.string()),
  payload: nullable(jsonText(jsonObjectSchema)),
  created_at: epochMsSchema,
  attempts: z.number().int().min(0),
  next_attempt_at: epochMsSchema,
  last_error: nullable(z.string()),
  delivered_at: nullable(epochMsSchema),
  dead_at: nullable(epochMsSchema),
});

const noticeRowSchema = z.object({
  key: z.string(),
  at: epochMsSchema,
  detail: nullable(jsonText(jsonObjectSchema)),
});

const watchStateRowSchema = z.object({
  version: z.number().int().min(1),
  value: jsonText(jsonObjectSchema),
  updated_at: epochMsSchema,
});

/** A row as a driver hands it over; only its id (or key) is trusted, to name it in errors. */
export interface Row {
  readonly id?: unknown;
  readonly key?: unknown;
}

export function toRequest(row: Row): PurchaseRequest {
  const r = readStored(requestRowSchema, row, `request ${String(row.id)}`);
  return {
    id: r.id,
    state: r.state,
    action: r.action,
    quote: r.quote,
    requester: r.requester,
    reason: r.reason,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    ...(r.decided_by !== undefined && { decidedBy: r.decided_by }),
    ...(r.decided_at !== undefined && { decidedAt: r.decided_at }),
    ...(r.decision_note !== undefined && { decisionNote: r.decision_note }),
    ...(r.execution_started_at !== undefined && { executionStartedAt: r.execution_started_at }),
    ...(r.call_started_at !== undefined && { callStartedAt: r.call_started_at }),
    ...(r.finished_at !== undefined && { finishedAt: r.finished_at }),
    ...(r.outcome !== undefined && { outcome: r.outcome }),
    ...(r.card_channel !== undefined &&
      r.card_ts !== undefined && { card: { channel: r.card_channel, ts: r.card_ts } }),
    approvalsNeeded: r.approvals_needed,
    approvals: r.approvals.map((a) => ({ by: a.by, at: new Date(a.at) })),
    remindersSent: r.reminders_sent,
    version: r.version,
  };
}

export function toEvent(row: Row): RequestEvent {
  const r = readStored(eventRowSchema, row, `event ${String(row.id)}`);
  return {
    id: r.id,
    requestId: r.request_id,
    at: r.at,
    actor: r.actor,
    type: r.type,
    detail: r.detail,
  };
}

export function toOutboxMessage(row: Row): OutboxMessage {
  const r = readStored(outboxRowSchema, row, `outbox message ${String(row.id)}`);
  return {
    id: r.id,
    kind: r.kind,
    channel: r.channel,
    ...(r.request_id !== undefined && { requestId: r.request_id }),
    ...(r.user_id !== undefined && { user: r.user_id }),
    ...(r.payload !== undefined && { payload: r.payload }),
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.last_error !== undefined && { lastError: r.last_error }),
    ...(r.delivered_at !== undefined && { deliveredAt: r.delivered_at }),
    ...(r.dead_at !== undefined && { deadAt: r.dead_at }),
  };
}

export function toNotice(row: Row): NoticeRecord {
  const r = readStored(noticeRowSchema, row, `notice ${String(row.key)}`);
  return { key: r.key, at: r.at, detail: r.detail };
}

export function toWatchState(row: Row): WatchState {
  const r = readStored(watchStateRowSchema, row, 'the watch state');
  return { version: r.version, value: r.value, updatedAt: r.updated_at };
}

/** The smallest string greater than every string starting with `prefix` (none for ''). */
export function prefixEnd(prefix: string): string | null {
  if (prefix === '') return null;
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

// ---------------------------------------------------------------------------------------------
// Inputs

export const statesInput = z.array(requestStateSchema);
const newEventInput = z.object({
  actor: z.string().min(1),
  type: z.string().min(1),
  detail: jsonObjectSchema.optional(),
});
const outboxInput = z.object({
  kind: z.enum(OUTBOX_KINDS),
  channel: z.string().min(1),
  requestId: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  payload: jsonObjectSchema.optional(),
});

/** An event as its row's columns (checked). */
export function eventParams(requestId: string, event: NewEvent, at: number) {
  checkInput(newEventInput, event, 'the event');
  return {
    request_id: requestId,
    at,
    actor: event.actor,
    type: event.type,
    detail: JSON.stringify(event.detail ?? {}),
  };
}

/** An outbox message as its row's columns (checked); due at `at`. */
export function outboxParams(message: NewOutboxMessage, at: number) {
  checkInput(outboxInput, message, 'the outbox message');
  return {
    kind: message.kind,
    channel: message.channel,
    request_id: message.requestId ?? null,
    user_id: message.user ?? null,
    payload: message.payload === undefined ? null : JSON.stringify(message.payload),
    at,
  };
}

/** Approvals as their column stores them: a JSON array of `{by, at}` with ISO instants. */
export function approvalsText(approvals: readonly Approval[] | undefined): string | null {
  return approvals === undefined
    ? null
    : JSON.stringify(approvals.map((a) => ({ by: a.by, at: a.at.toISOString() })));
}

/** A request's approver count as its column takes it (checked): default 1. */
export function approvalsNeededInput(n: number | undefined): number {
  return checkInput(z.number().int().min(1).max(100), n ?? 1, 'approvalsNeeded');
}

/** Reminders sent, as a patch sets it (checked); null leaves the column alone. */
export function remindersInput(n: number | undefined): number | null {
  return n === undefined ? null : checkInput(z.number().int().min(0), n, 'remindersSent');
}

/** The filters of a request listing as query parameters (null: not filtered). */
export function listFilters(query: ListRequestsQuery) {
  return {
    requester: query.requester ?? null,
    since: query.createdSince === undefined ? null : epochMs(query.createdSince, 'createdSince'),
    after_at: query.after === undefined ? null : epochMs(query.after.createdAt, 'after'),
    after_id: query.after?.id ?? null,
  };
}

/** `limit` as the contract reads it: default 20, at least 1, at most 200. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return 20;
  return Math.min(200, Math.max(1, Math.floor(limit)));
}

/** A stored error text, cut to size; NUL characters (which PostgreSQL text refuses) dropped. */
export function errorText(error: string): string {
  return String(error).replaceAll('\u0000', '').slice(0, MAX_ERROR_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// AWS records belong to one request

/** The AWS record (transaction id or reservation ARN) a transition to `to` claims, if any. */
export function claimedAwsId(
  to: RequestState,
  outcome: RequestOutcome | undefined,
): string | undefined {
  return to === 'succeeded' ? (outcome?.transactionId ?? outcome?.reservationArn) : undefined;
}

/** The notice keys under which `awsId` may have been announced. */
export function awsNoticeKeys(awsId: string): string[] {
  return [noticeKeys.transaction(awsId), noticeKeys.reservation(awsId)];
}

/**
 * Whether `requestId` must not claim an AWS record: another request claimed it, or a notice was
 * recorded under one of its keys by anything but this request's own outcome (the watcher
 * announcing it as made outside the bot). `notices` are those found under `awsNoticeKeys`.
 */
export function isAwsIdTaken(
  requestId: string,
  claimOwner: string | undefined,
  notices: readonly NoticeRecord[],
): boolean {
  if (claimOwner !== undefined && claimOwner !== requestId) return true;
  return notices.some((n) => n.detail?.by !== BOT_ACTOR || n.detail.requestId !== requestId);
}
