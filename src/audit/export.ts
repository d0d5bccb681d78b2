/**
 * Streams the audit export: pages through the requests oldest first (a cursor, never all of them
 * at once), reads each one's events, and writes one record at a time, waiting for the output to
 * drain when it is full. Only reads: it runs beside a live bot on the same database.
 */
import type { PurchaseRequest, RequestEvent } from '../domain/requests.js';
import type { Store } from '../store/store.js';
import type { AuditFormat } from './args.js';
import { csvHeader, csvLines } from './csv.js';
import { auditRecord, jsonLine } from './record.js';

/** Requests per page; the store's largest. */
export const AUDIT_PAGE_SIZE = 200;

/** How often a request that keeps changing under the export is read again before it is written. */
const SNAPSHOT_ATTEMPTS = 5;

export interface AuditOutput {
  /** False once the output was closed or broke (a Node `Writable`'s flag); absent: always open. */
  readonly writable?: boolean;
  /** Returns false when the buffer is full; then `drain` is emitted (a Node `Writable`). */
  write(chunk: string): boolean;
  once(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

export interface AuditExportOptions {
  readonly store: Pick<Store, 'listRequests' | 'listEvents' | 'getRequest'>;
  readonly since: Date;
  /** Exclusive: only requests made before this instant. */
  readonly until?: Date | undefined;
  readonly format: AuditFormat;
  readonly out: AuditOutput;
  readonly pageSize?: number;
}

export interface AuditExportReport {
  readonly requests: number;
  readonly events: number;
}

/** Writes the export to `out`; resolves with what it wrote once the last chunk was accepted. */
export async function exportAudit(options: AuditExportOptions): Promise<AuditExportReport> {
  const { store, since, until, format, out } = options;
  const pageSize = options.pageSize ?? AUDIT_PAGE_SIZE;
  let requests = 0;
  let events = 0;
  if (format === 'csv') await write(out, csvHeader());
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await store.listRequests({
      createdSince: since,
      oldestFirst: true,
      limit: pageSize,
      ...(after && { after }),
    });
    for (const listed of page) {
      if (until && listed.createdAt.getTime() >= until.getTime()) return { requests, events };
      const snapshot = await consistentSnapshot(store, listed);
      const record = auditRecord(snapshot.request, snapshot.events);
      await write(out, format === 'csv' ? csvLines(record) : `${jsonLine(record)}\n`);
      requests += 1;
      events += snapshot.events.length;
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) return { requests, events };
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * The request and its events as of one moment. A transition writes the state and its event in
 * one transaction, but the export reads them in two: if the request's version is the same after
 * the events were read as before, no transition slipped in between and the pair agrees.
 */
async function consistentSnapshot(
  store: AuditExportOptions['store'],
  listed: PurchaseRequest,
): Promise<{ request: PurchaseRequest; events: RequestEvent[] }> {
  let request = listed;
  for (let attempt = 1; ; attempt++) {
    const events = await store.listEvents(request.id);
    const now = await store.getRequest(request.id);
    if (!now || now.version === request.version) return { request: now ?? request, events };
    if (attempt >= SNAPSHOT_ATTEMPTS) {
      // Still moving after several reads: the newest row, with a trail read after it, so every
      // step the row shows is in the trail (and perhaps a step or two past it).
      return { request: now, events: await store.listEvents(request.id) };
    }
    request = now;
  }
}

/** Writes `chunk`, and when the output's buffer is full waits until it drains. */
function write(out: AuditOutput, chunk: string): Promise<void> {
  // A pipe whose reader left still accepts writes (and reports EPIPE later): stop at once.
  if (out.writable === false) return Promise.reject(new AuditOutputClosed());
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      fn();
    };
    const onDrain = settle(resolve);
    const onError = (err: unknown) => settle(() => reject(err))();
    const onClose = settle(() => reject(new AuditOutputClosed()));
    out.once('drain', onDrain);
    out.once('error', onError);
    out.once('close', onClose);
  });
}

/** The reader of the output went away (e.g. `npm run audit | head`). */
export class AuditOutputClosed extends Error {
  override readonly name = 'AuditOutputClosed';
  constructor() {
    super('the output was closed before the export finished');
  }
}
