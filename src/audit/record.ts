/**
 * One request and its audit trail as the export writes it: a flat, stable shape that is a
 * contract with whoever reads the file (finance, a security review, a spreadsheet). Every key is
 * always present, in the order below, `null` when it does not apply; instants are ISO 8601 UTC
 * and money is a decimal string, never a float. Adding a key is a change of contract: append it,
 * document it in the README, and never reorder or rename.
 */
import type {
  PurchaseRequest,
  RequestEvent,
  RequestOutcome,
  RequestState,
} from '../domain/requests.js';

export interface AuditApproval {
  readonly by: string;
  readonly at: string;
}

export interface AuditAmount {
  readonly currency: string;
  /** What the request commits: a month of slots (Device Farm) or the whole term (MediaConnect). */
  readonly committed: string;
  readonly period: 'month' | 'term';
  readonly unitPrice: string;
  readonly priceUnit: string;
  readonly durationMonths: number | null;
  readonly bandwidthMbps: number | null;
}

export interface AuditDryRun {
  readonly operation: string;
  readonly region: string;
  readonly parameters: unknown;
}

export interface AuditOutcome {
  readonly transactionId: string | null;
  readonly reservationArn: string | null;
  readonly errorCode: string | null;
  readonly message: string | null;
  readonly source: string | null;
  readonly matchedBy: string | null;
  readonly candidates: readonly string[] | null;
  readonly checkingUntil: string | null;
  readonly dryRun: AuditDryRun | null;
}

export interface AuditEvent {
  readonly at: string;
  readonly actor: string;
  readonly type: string;
  readonly detail: unknown;
}

export interface AuditRenewalSeen {
  readonly current: number;
  readonly nextPeriod: number;
  readonly at: string;
}

export interface AuditRecord {
  readonly id: string;
  readonly state: RequestState;
  readonly service: 'devicefarm' | 'mediaconnect';
  readonly kind: 'purchase' | 'renew';
  /** Device Farm offering id or MediaConnect offering ARN. */
  readonly offering: string;
  readonly offeringDescription: string;
  readonly quantity: number | null;
  readonly promotionId: string | null;
  readonly reservationName: string | null;
  readonly start: string | null;
  readonly renewalSeen: AuditRenewalSeen | null;
  readonly requester: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly approvalsNeeded: number;
  readonly approvals: readonly AuditApproval[];
  readonly remindersSent: number;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  readonly executionStartedAt: string | null;
  readonly callStartedAt: string | null;
  readonly finishedAt: string | null;
  readonly amount: AuditAmount;
  readonly outcome: AuditOutcome | null;
  readonly events: readonly AuditEvent[];
}

/** The keys of a JSON line, in the order they are written; the tests hold the contract to it. */
export const AUDIT_RECORD_KEYS = [
  'id',
  'state',
  'service',
  'kind',
  'offering',
  'offeringDescription',
  'quantity',
  'promotionId',
  'reservationName',
  'start',
  'renewalSeen',
  'requester',
  'reason',
  'createdAt',
  'expiresAt',
  'approvalsNeeded',
  'approvals',
  'remindersSent',
  'decidedBy',
  'decidedAt',
  'decisionNote',
  'executionStartedAt',
  'callStartedAt',
  'finishedAt',
  'amount',
  'outcome',
  'events',
] as const satisfies readonly (keyof AuditRecord)[];

/** Builds the record of `request` with `events` (oldest first, as the store lists them). */
export function auditRecord(
  request: PurchaseRequest,
  events: readonly RequestEvent[],
): AuditRecord {
  const a = request.action;
  const q = request.quote;
  // Literal order below is the output order (JSON.stringify keeps insertion order).
  return {
    id: request.id,
    state: request.state,
    service: a.service,
    kind: a.kind,
    offering: a.service === 'devicefarm' ? a.offeringId : a.offeringArn,
    offeringDescription: q.offeringDescription,
    quantity: a.service === 'devicefarm' ? a.quantity : null,
    promotionId:
      a.service === 'devicefarm' && a.kind === 'purchase' ? (a.promotionId ?? null) : null,
    reservationName: a.service === 'mediaconnect' ? a.reservationName : null,
    start: a.service === 'mediaconnect' ? (a.start ?? null) : null,
    renewalSeen:
      a.service === 'devicefarm' && a.kind === 'renew' && a.seen
        ? { current: a.seen.current, nextPeriod: a.seen.nextPeriod, at: a.seen.at }
        : null,
    requester: request.requester,
    reason: request.reason,
    createdAt: iso(request.createdAt),
    expiresAt: iso(request.expiresAt),
    approvalsNeeded: request.approvalsNeeded,
    approvals: request.approvals.map((x) => ({ by: x.by, at: iso(x.at) })),
    remindersSent: request.remindersSent,
    decidedBy: request.decidedBy ?? null,
    decidedAt: isoOrNull(request.decidedAt),
    decisionNote: request.decisionNote ?? null,
    executionStartedAt: isoOrNull(request.executionStartedAt),
    callStartedAt: isoOrNull(request.callStartedAt),
    finishedAt: isoOrNull(request.finishedAt),
    amount: {
      currency: q.currency,
      committed: decimalFromMicros(q.commitsMicros),
      period: q.commitsPeriod,
      unitPrice: decimalFromMicros(q.unitPriceMicros),
      priceUnit: q.priceUnit,
      durationMonths: q.durationMonths ?? null,
      bandwidthMbps: q.bandwidthMbps ?? null,
    },
    outcome: request.outcome ? auditOutcome(request.outcome) : null,
    events: events.map((e) => ({
      at: iso(e.at),
      actor: e.actor,
      type: e.type,
      detail: sortedKeys(e.detail),
    })),
  };
}

function auditOutcome(o: RequestOutcome): AuditOutcome {
  return {
    transactionId: o.transactionId ?? null,
    reservationArn: o.reservationArn ?? null,
    errorCode: o.errorCode ?? null,
    message: o.message ?? null,
    source: o.source ?? null,
    matchedBy: o.matchedBy ?? null,
    candidates: o.candidates ? [...o.candidates] : null,
    checkingUntil: o.checkingUntil ?? null,
    dryRun: o.dryRun
      ? {
          operation: o.dryRun.operation,
          region: o.dryRun.region,
          parameters: sortedKeys(o.dryRun.parameters),
        }
      : null,
  };
}

/** One JSON line (without its newline). */
export function jsonLine(record: AuditRecord): string {
  return JSON.stringify(record);
}

const iso = (d: Date): string => d.toISOString();
const isoOrNull = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

/**
 * Micro-units (`"500000000"`) as a plain decimal (`"500.00"`): no currency sign, no grouping, at
 * least two decimals and at most six, so a spreadsheet or `jq` reads it exactly.
 */
export function decimalFromMicros(micros: string): string {
  if (!/^-?\d+$/.test(micros)) throw new Error('not a whole number of micro-units');
  const value = BigInt(micros);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = (abs / 1_000_000n).toString();
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/**
 * A JSON value with every object's keys sorted. The two backends hand event details back in
 * different key orders (PostgreSQL's jsonb reorders them), and the export must not depend on
 * which one it read.
 */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    // fromEntries defines each key as data, so a stored `__proto__` key stays a plain key.
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
