/**
 * The CSV form of the export: one row per event, so a request's whole history fits a flat table,
 * with the request's columns repeated on each of its rows. RFC 4180 (comma separated, CRLF line
 * ends, a field holding a comma, quote, CR or LF quoted with its quotes doubled), a fixed header
 * row, and every cell guarded against formula injection: text from Slack (a reason, a rejection
 * note) must never run as a formula when the file is opened in a spreadsheet.
 */
import type { AuditEvent, AuditRecord } from './record.js';

type Cell = string | number | null;

/** Header and cell of each column, in output order. Append only: the order is a contract. */
const COLUMNS: readonly (readonly [
  string,
  (r: AuditRecord, e: AuditEvent | null, n: number) => Cell,
])[] = [
  ['request_id', (r) => r.id],
  ['state', (r) => r.state],
  ['service', (r) => r.service],
  ['kind', (r) => r.kind],
  ['offering', (r) => r.offering],
  ['offering_description', (r) => r.offeringDescription],
  ['quantity', (r) => r.quantity],
  ['promotion_id', (r) => r.promotionId],
  ['reservation_name', (r) => r.reservationName],
  ['start', (r) => r.start],
  ['renewal_seen', (r) => json(r.renewalSeen)],
  ['requester', (r) => r.requester],
  ['reason', (r) => r.reason],
  ['created_at', (r) => r.createdAt],
  ['expires_at', (r) => r.expiresAt],
  ['approvals_needed', (r) => r.approvalsNeeded],
  ['approvals', (r) => json(r.approvals)],
  ['reminders_sent', (r) => r.remindersSent],
  ['decided_by', (r) => r.decidedBy],
  ['decided_at', (r) => r.decidedAt],
  ['decision_note', (r) => r.decisionNote],
  ['execution_started_at', (r) => r.executionStartedAt],
  ['call_started_at', (r) => r.callStartedAt],
  ['finished_at', (r) => r.finishedAt],
  ['currency', (r) => r.amount.currency],
  ['committed', (r) => r.amount.committed],
  ['committed_period', (r) => r.amount.period],
  ['unit_price', (r) => r.amount.unitPrice],
  ['price_unit', (r) => r.amount.priceUnit],
  ['duration_months', (r) => r.amount.durationMonths],
  ['bandwidth_mbps', (r) => r.amount.bandwidthMbps],
  ['transaction_id', (r) => r.outcome?.transactionId ?? null],
  ['reservation_arn', (r) => r.outcome?.reservationArn ?? null],
  ['error_code', (r) => r.outcome?.errorCode ?? null],
  ['outcome_message', (r) => r.outcome?.message ?? null],
  ['outcome_source', (r) => r.outcome?.source ?? null],
  ['outcome_matched_by', (r) => r.outcome?.matchedBy ?? null],
  ['outcome_candidates', (r) => json(r.outcome?.candidates ?? null)],
  ['outcome_checking_until', (r) => r.outcome?.checkingUntil ?? null],
  ['dry_run', (r) => json(r.outcome?.dryRun ?? null)],
  ['event_number', (_r, e, n) => (e ? n : null)],
  ['event_at', (_r, e) => e?.at ?? null],
  ['event_actor', (_r, e) => e?.actor ?? null],
  ['event_type', (_r, e) => e?.type ?? null],
  ['event_detail', (_r, e) => (e ? json(e.detail) : null)],
];

export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** The header line, with its CRLF. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS);
}

/**
 * The lines of one request, each with its CRLF: one per event, oldest first (`event_number`
 * counts from 1). A request without events (never written by the bot) still gets one line, with
 * the event columns empty, so no request is missing from the table.
 */
export function csvLines(record: AuditRecord): string {
  const events: readonly (AuditEvent | null)[] = record.events.length > 0 ? record.events : [null];
  return events
    .map((event, i) => csvLine(COLUMNS.map(([, cell]) => cell(record, event, i + 1))))
    .join('');
}

function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** A value a spreadsheet would run as a formula starts with one of these (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field: empty for `null`; a leading `'` on text a spreadsheet would read as a formula;
 * quoted (quotes doubled) when it holds a comma, quote, CR or LF.
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
