/**
 * A separate process racing others on one SQLite file (spawned by sqlite.test.ts). It opens the
 * store, prints `ready`, waits for `go` on stdin so every worker starts at once, does its part and
 * prints one JSON line with what it won.
 *
 *   race-worker.ts open    <file>            open (and migrate) after `go`
 *   race-worker.ts approve <file> <id>...    pending → executing on each id
 *   race-worker.ts claim   <file>            claim the outbox in small batches until it is empty
 */
import { createInterface } from 'node:readline';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import type { Store } from '../../../src/store/store.js';

const [mode, path, ...ids] = process.argv.slice(2);
if (!mode || !path) throw new Error('usage: race-worker.ts <open|approve|claim> <file> [ids…]');
const me = `worker-${process.pid}`;

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function startSignal(): Promise<void> {
  process.stdout.write('ready\n');
  const line = await lines.next();
  if (line.value !== 'go') throw new Error(`expected go, got ${String(line.value)}`);
}

let store: Store;
let won: unknown;
if (mode === 'open') {
  await startSignal();
  store = await openSqliteStore({ path });
  won = 'opened';
} else {
  store = await openSqliteStore({ path });
  await startSignal();
  if (mode === 'approve') {
    const applied: string[] = [];
    for (const id of ids) {
      const result = await store.transition(id, {
        from: ['pending'],
        to: 'executing',
        patch: { decidedBy: me, decidedAt: new Date(), executionStartedAt: new Date() },
        event: { actor: me, type: 'approved' },
      });
      if (result.applied) applied.push(id);
    }
    won = applied;
  } else if (mode === 'claim') {
    const claimed: number[] = [];
    for (let empty = 0; empty < 3; ) {
      const batch = await store.claimOutbox(new Date(), 2, 10 * 60_000);
      empty = batch.length === 0 ? empty + 1 : 0;
      claimed.push(...batch.map((m) => m.id));
    }
    won = claimed;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}
await store.close();
process.stdout.write(`${JSON.stringify({ worker: me, won })}\n`);
process.exit(0);
