import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { auditEvent, auditRequest, parseCsv } from '../../test/helpers/audit.js';
import type { PurchaseRequest, RequestEvent } from '../domain/requests.js';
import type { ListRequestsQuery } from '../store/store.js';
import { CSV_COLUMNS } from './csv.js';
import { type AuditExportOptions, AuditOutputClosed, exportAudit } from './export.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 9, minute));

/** The store's read side as the contract says: oldest first by (createdAt, id), a strict cursor. */
function fakeStore(requests: PurchaseRequest[], events: Map<string, RequestEvent[]> = new Map()) {
  const queries: ListRequestsQuery[] = [];
  const key = (r: { createdAt: Date; id: string }) => [r.createdAt.getTime(), r.id] as const;
  const before = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    return ta < tb || (ta === tb && ia < ib);
  };
  const store: AuditExportOptions['store'] & { queries: ListRequestsQuery[] } = {
    queries,
    async listRequests(query = {}) {
      queries.push(query);
      expect(query.oldestFirst).toBe(true);
      return requests
        .filter((r) => !query.createdSince || r.createdAt >= query.createdSince)
        .filter((r) => !query.after || before(query.after, r))
        .sort((a, b) => (before(a, b) ? -1 : 1))
        .slice(0, query.limit ?? 20);
    },
    async listEvents(id) {
      return events.get(id) ?? [];
    },
    async getRequest(id) {
      return requests.find((r) => r.id === id);
    },
  };
  return store;
}

/** A writable-like sink that keeps what it got. */
function sink() {
  const chunks: string[] = [];
  const out = Object.assign(new EventEmitter(), {
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
  });
  return { out, chunks, text: () => chunks.join('') };
}

const ids = (jsonl: string) =>
  jsonl
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).id);

describe('exportAudit', () => {
  const requests = [
    auditRequest({ id: 'R5', createdAt: at(5) }),
    auditRequest({ id: 'R1', createdAt: at(1) }),
    auditRequest({ id: 'R3B', createdAt: at(3) }),
    auditRequest({ id: 'R3A', createdAt: at(3) }),
    auditRequest({ id: 'R4', createdAt: at(4) }),
    auditRequest({ id: 'R0', createdAt: at(0) }),
  ];

  it('pages oldest first with a cursor, never asking for more than a page', async () => {
    const store = fakeStore(requests);
    const { out, text } = sink();
    const report = await exportAudit({ store, since: at(1), format: 'jsonl', out, pageSize: 2 });
    expect(ids(text())).toEqual(['R1', 'R3A', 'R3B', 'R4', 'R5']);
    expect(report).toEqual({ requests: 5, events: 0 });
    expect(store.queries.map((q) => q.limit)).toEqual([2, 2, 2]);
    expect(store.queries.map((q) => q.createdSince)).toEqual([at(1), at(1), at(1)]);
    expect(store.queries.map((q) => q.after?.id)).toEqual([undefined, 'R3A', 'R4']);
  });

  it('stops at --until without reading further pages', async () => {
    const store = fakeStore(requests);
    const { out, text } = sink();
    await exportAudit({ store, since: at(0), until: at(3), format: 'jsonl', out, pageSize: 2 });
    expect(ids(text())).toEqual(['R0', 'R1']);
    expect(store.queries).toHaveLength(2);
  });

  it('writes nothing but the CSV header when no request is in the window', async () => {
    const { out, text } = sink();
    await exportAudit({ store: fakeStore(requests), since: at(30), format: 'csv', out });
    expect(parseCsv(text())).toEqual([[...CSV_COLUMNS]]);
    const empty = sink();
    await exportAudit({ store: fakeStore([]), since: at(0), format: 'jsonl', out: empty.out });
    expect(empty.text()).toBe('');
  });

  it('writes one CSV row per event, events oldest first', async () => {
    const events = new Map([
      [
        'R1',
        [
          auditEvent({ id: 1, requestId: 'R1', type: 'created', at: at(1) }),
          auditEvent({ id: 4, requestId: 'R1', type: 'cancelled', at: at(9) }),
        ],
      ],
      ['R4', [auditEvent({ id: 2, requestId: 'R4', type: 'created', at: at(4) })]],
    ]);
    const { out, text } = sink();
    const report = await exportAudit({
      store: fakeStore(requests.slice(0, 5), events),
      since: at(1),
      format: 'csv',
      out,
    });
    const rows = parseCsv(text()).slice(1);
    const col = (name: string) => rows.map((r) => r[CSV_COLUMNS.indexOf(name)]);
    expect(col('request_id')).toEqual(['R1', 'R1', 'R3A', 'R3B', 'R4', 'R5']);
    expect(col('event_type')).toEqual(['created', 'cancelled', '', '', 'created', '']);
    expect(report).toEqual({ requests: 5, events: 3 });
  });

  it('waits for the output to drain before writing more', async () => {
    const store = fakeStore(requests);
    const chunks: string[] = [];
    let full = false;
    const out = Object.assign(new EventEmitter(), {
      write(chunk: string) {
        expect(full).toBe(false);
        chunks.push(chunk);
        full = true;
        return false;
      },
    });
    const done = exportAudit({ store, since: at(0), format: 'jsonl', out, pageSize: 2 });
    for (let drained = 0; drained < requests.length; drained++) {
      await new Promise((r) => setTimeout(r, 5));
      expect(chunks).toHaveLength(drained + 1);
      full = false;
      out.emit('drain');
    }
    await done;
    expect(ids(chunks.join(''))).toEqual(['R0', 'R1', 'R3A', 'R3B', 'R4', 'R5']);
    expect(out.listenerCount('drain') + out.listenerCount('error')).toBe(0);
  });

  it('stops when the output is closed or fails', async () => {
    const closed = Object.assign(new EventEmitter(), { write: () => false });
    const a = exportAudit({
      store: fakeStore(requests),
      since: at(0),
      format: 'jsonl',
      out: closed,
    });
    await new Promise((r) => setTimeout(r, 5));
    closed.emit('close');
    await expect(a).rejects.toBeInstanceOf(AuditOutputClosed);

    const gone = Object.assign(new EventEmitter(), { writable: false, write: () => true });
    await expect(
      exportAudit({ store: fakeStore(requests), since: at(0), format: 'jsonl', out: gone }),
    ).rejects.toBeInstanceOf(AuditOutputClosed);

    const broken = Object.assign(new EventEmitter(), { write: () => false });
    const b = exportAudit({
      store: fakeStore(requests),
      since: at(0),
      format: 'jsonl',
      out: broken,
    });
    await new Promise((r) => setTimeout(r, 5));
    broken.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await expect(b).rejects.toMatchObject({ code: 'EPIPE' });
  });

  it('writes a request and its events as of one moment when the bot changes it meanwhile', async () => {
    // The page shows R1 pending; a rejection lands before its events are read.
    const pending = auditRequest({ id: 'R1', createdAt: at(1), version: 1 });
    const rejected = auditRequest({
      id: 'R1',
      createdAt: at(1),
      state: 'rejected',
      decidedBy: 'U0BOB',
      version: 2,
    });
    const created = auditEvent({ id: 1, requestId: 'R1', type: 'created' });
    const rejection = auditEvent({ id: 2, requestId: 'R1', type: 'rejected', actor: 'U0BOB' });
    const store: AuditExportOptions['store'] = {
      listRequests: async (q) => (q?.after ? [] : [pending]),
      listEvents: async () => [created, rejection],
      getRequest: async () => rejected,
    };
    const { out, text } = sink();
    await exportAudit({ store, since: at(0), format: 'jsonl', out });
    const line = JSON.parse(text());
    expect(line).toMatchObject({ state: 'rejected', decidedBy: 'U0BOB' });
    expect(line.events.map((e: { type: string }) => e.type)).toEqual(['created', 'rejected']);
  });
});
