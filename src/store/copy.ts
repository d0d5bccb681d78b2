/**
 * Moves a slots-bot database from SQLite to PostgreSQL (`npm run db:copy`), so a deployment can
 * grow from one process to several replicas and keep its history: every request with its audit
 * trail, every outbox message (delivered, dead or waiting), every notice key, AWS claim and
 * remembered trigger, and the watcher's state, with their ids.
 *
 * Both databases are first brought to the latest schema exactly as starting the bot on them
 * would, so the copy is column for column. The source is read in one SQLite read transaction (one
 * consistent snapshot, even if a bot still writes to it); the target is written in one PostgreSQL
 * transaction that also checks it is empty, moves the id sequences past the copied ids and counts
 * the rows before it commits. Either everything is copied or nothing is.
 *
 * Leases are not copied: they say which running process does what right now, and no process runs
 * on the new database yet.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

/** The tables holding data, parents first: the foreign keys of the later ones point back. */
export const COPIED_TABLES = [
  'requests',
  'request_events',
  'outbox',
  'notices',
  'watch_state',
  'aws_claims',
  'seen_triggers',
] as const;

export type CopiedTable = (typeof COPIED_TABLES)[number];

/** Tables whose `id` the database hands out: the next one must follow the copied ones. */
const SEQUENCED_TABLES = ['request_events', 'outbox'] as const satisfies readonly CopiedTable[];

const DEFAULT_BATCH_ROWS = 2_000;
/** How long the copy waits for a process that is using the target's tables. */
const LOCK_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

export const COPY_ERROR_CODES = [
  /** The source file does not exist (or is not a file). */
  'copy_source_missing',
  /** The source file is not a slots-bot SQLite database this version can open. */
  'copy_source_unreadable',
  /** The target database could not be reached, opened or migrated. */
  'copy_target_unavailable',
  /** The target already holds data; `detail` counts it per table. */
  'copy_target_not_empty',
  /** Another process holds the target's tables (a bot running on it). */
  'copy_target_busy',
  /** The two databases are not at the same schema version, or their columns differ. */
  'copy_schema_mismatch',
  /** The rows in the target did not add up to the source's before commit: rolled back. */
  'copy_count_mismatch',
  /** The target refused a row or the connection broke mid-copy: rolled back. */
  'copy_failed',
] as const;

export type CopyErrorCode = (typeof COPY_ERROR_CODES)[number];

/** Every refusal or failure of a copy; none of them leaves data in the target. */
export class CopyError extends Error {
  override readonly name = 'CopyError';
  constructor(
    readonly code: CopyErrorCode,
    message: string,
    options?: { cause?: unknown; detail?: Readonly<Record<string, number>> },
  ) {
    super(message, options);
    this.detail = options?.detail ?? {};
  }
  readonly detail: Readonly<Record<string, number>>;
}

export interface CopyOptions {
  /** The SQLite file to copy. */
  readonly from: string;
  /** The PostgreSQL database to copy into (`postgres://…`); it must hold no data. */
  readonly to: string;
  /** Rows per INSERT statement. */
  readonly batchRows?: number;
  /** Now, to tell whether a lease in the source is still held (a bot still running on it). */
  readonly now?: Date;
}

export interface CopyReport {
  readonly schemaVersion: number;
  /** Rows copied per table (the source's count, which the target matched before commit). */
  readonly counts: Readonly<Record<CopiedTable, number>>;
  /** The id the target hands out next, per table with a sequence. */
  readonly nextIds: Readonly<Record<(typeof SEQUENCED_TABLES)[number], number>>;
  /** Things the operator should know that did not stop the copy. */
  readonly warnings: readonly string[];
}

export async function copySqliteToPostgres(options: CopyOptions): Promise<CopyReport> {
  await migrateSource(options.from);
  await migrateTarget(options.to);
  const source = openSnapshot(options.from);
  try {
    const client = new pg.Client({
      connectionString: options.to,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // A connection that breaks mid-copy fails the query under way; unheard, it would crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      throw new CopyError('copy_target_unavailable', `cannot reach the target: ${reason(err)}`, {
        cause: err,
      });
    }
    try {
      const copied = await copyInOneTransaction(client, source, options.batchRows);
      return { ...copied, warnings: liveLeaseWarnings(source, options.now ?? new Date()) };
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    source.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Both ends brought to the latest schema, the way the bot opens them

async function migrateSource(path: string): Promise<void> {
  const isFile = (() => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  })();
  if (!isFile) {
    throw new CopyError(
      'copy_source_missing',
      `the source ${path} does not exist or is not a file`,
    );
  }
  try {
    const store = await openSqliteStore({ path });
    await store.close();
  } catch (err) {
    throw new CopyError(
      'copy_source_unreadable',
      `the source ${path} cannot be opened as a slots-bot database: ${reason(err)}`,
      { cause: err },
    );
  }
}

async function migrateTarget(url: string): Promise<void> {
  try {
    const store = await openPostgresStore({ url, poolSize: 1 });
    await store.close();
  } catch (err) {
    throw new CopyError(
      'copy_target_unavailable',
      `the target cannot be opened as a slots-bot database: ${reason(err)}`,
      { cause: err },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The source: one read transaction over the SQLite file

type SqlValue = string | number | null;

interface Lease {
  readonly name: string;
  readonly holder: string;
  readonly until: number;
}

interface SourceSnapshot {
  readonly schemaVersion: number;
  columns(table: CopiedTable): string[];
  count(table: CopiedTable): number;
  /** The table's rows in batches, each row's values in `columns(table)` order. */
  batches(table: CopiedTable, rows: number): Generator<SqlValue[][]>;
  /** The highest id the table ever handed out (AUTOINCREMENT never reuses one). */
  lastId(table: (typeof SEQUENCED_TABLES)[number]): number;
  leases(): Lease[];
  close(): void;
}

function openSnapshot(path: string): SourceSnapshot {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // A deferred transaction: the first read fixes the snapshot every later read sees, whatever a
    // bot still running on the file commits meanwhile. Batches are read between PostgreSQL
    // writes, so the transaction is opened by hand rather than with `db.transaction`.
    db.exec('BEGIN');
    const version = db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get();
    return createSnapshot(db, Number(version ?? 0));
  } catch (err) {
    db.close();
    throw new CopyError('copy_source_unreadable', `cannot read the source: ${reason(err)}`, {
      cause: err,
    });
  }
}

function createSnapshot(db: Database.Database, schemaVersion: number): SourceSnapshot {
  const columns = (table: CopiedTable): string[] =>
    (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
  return {
    schemaVersion,
    columns,
    count: (table) => Number(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()),
    *batches(table, rows) {
      const list = columns(table).map(quoteIdent).join(', ');
      // Keyset paging on the rowid: each batch is one short query, so no statement stays open
      // across the awaits between batches. Integers come as BigInt so none is rounded.
      const page = db
        .prepare(`SELECT rowid, ${list} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
        .raw(true)
        .safeIntegers(true);
      let after: unknown = -1n;
      for (;;) {
        const batch = page.all(after, rows) as unknown[][];
        if (batch.length === 0) return;
        after = batch.at(-1)![0];
        yield batch.map((row) => row.slice(1).map(toSqlValue));
      }
    },
    lastId(table) {
      const seq = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(table);
      const max = db.prepare(`SELECT MAX(id) FROM ${table}`).pluck().get();
      return Math.max(Number(seq ?? 0), Number(max ?? 0));
    },
    leases: () => db.prepare('SELECT name, holder, until FROM leases').all() as Lease[],
    close() {
      if (!db.open) return;
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}

/** A value as the `pg` driver should send it: 64-bit integers as decimal text, never rounded. */
function toSqlValue(value: unknown): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value.toString();
  throw new Error(`unexpected ${typeof value} value in the source`);
}

/** Names leases a running process still holds: what it writes after the snapshot is not copied. */
function liveLeaseWarnings(source: SourceSnapshot, now: Date): string[] {
  return source
    .leases()
    .filter((lease) => Number(lease.until) > now.getTime())
    .map(
      (lease) =>
        `a bot may still be running on the source (${lease.holder} holds the lease "${lease.name}" until ${new Date(Number(lease.until)).toISOString()}); whatever it writes after the copy is not in the target`,
    );
}

// ---------------------------------------------------------------------------------------------
// The target: one PostgreSQL transaction

interface TargetColumn {
  readonly name: string;
  /** The column's type as SQL names it (`bigint`, `text` …), to cast the parameter arrays. */
  readonly type: string;
  /** A generated column: PostgreSQL computes it, nothing is inserted into it. */
  readonly generated: boolean;
}

async function copyInOneTransaction(
  client: pg.Client,
  source: SourceSnapshot,
  batchRows = DEFAULT_BATCH_ROWS,
): Promise<Omit<CopyReport, 'warnings'>> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    await lockTables(client);
    const schemaVersion = await checkSchemaVersions(client, source);
    await checkEmpty(client);
    const counts = {} as Record<CopiedTable, number>;
    for (const table of COPIED_TABLES) {
      await copyTable(client, source, table, Math.max(1, Math.floor(batchRows)));
      counts[table] = source.count(table);
    }
    const nextIds = {} as Record<(typeof SEQUENCED_TABLES)[number], number>;
    for (const table of SEQUENCED_TABLES) {
      nextIds[table] = await moveSequencePast(client, table, source.lastId(table));
    }
    await checkCounts(client, counts);
    await client.query('COMMIT');
    return { schemaVersion, counts, nextIds };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof CopyError) throw err;
    throw new CopyError('copy_failed', `the copy failed and was rolled back: ${reason(err)}`, {
      cause: err,
    });
  }
}

/**
 * Keeps any other writer out until commit (readers may go on), so the emptiness checked here still
 * holds when the copy commits.
 */
async function lockTables(client: pg.Client): Promise<void> {
  try {
    await client.query(`LOCK TABLE ${COPIED_TABLES.join(', ')} IN EXCLUSIVE MODE`);
  } catch (err) {
    if (pgCode(err) === '55P03') {
      throw new CopyError(
        'copy_target_busy',
        `the target's tables are in use by another process (a bot running on it?); stop it and try again`,
        { cause: err },
      );
    }
    throw err;
  }
}

async function checkSchemaVersions(client: pg.Client, source: SourceSnapshot): Promise<number> {
  const result = await client.query<{ version: string | null }>(
    'SELECT MAX(version)::text AS version FROM schema_migrations',
  );
  const target = Number(result.rows[0]?.version ?? 0);
  if (target !== source.schemaVersion) {
    throw new CopyError(
      'copy_schema_mismatch',
      `the source is at schema version ${source.schemaVersion} and the target at ${target}; run db:copy from the slots-bot version that migrated both`,
    );
  }
  return target;
}

async function checkEmpty(client: pg.Client): Promise<void> {
  const counts = await countRows(client);
  const held = COPIED_TABLES.filter((t) => counts[t] > 0);
  if (held.length === 0) return;
  const what = held.map((t) => `${t}: ${counts[t]}`).join(', ');
  throw new CopyError(
    'copy_target_not_empty',
    `the target already holds data (${what}); db:copy only copies into an empty database`,
    { detail: Object.fromEntries(held.map((t) => [t, counts[t]])) },
  );
}

async function countRows(client: pg.Client): Promise<Record<CopiedTable, number>> {
  const select = COPIED_TABLES.map((t) => `(SELECT COUNT(*) FROM ${t})::text AS ${t}`).join(', ');
  const row = (await client.query<Record<CopiedTable, string>>(`SELECT ${select}`)).rows[0]!;
  return Object.fromEntries(COPIED_TABLES.map((t) => [t, Number(row[t])])) as Record<
    CopiedTable,
    number
  >;
}

async function targetColumns(client: pg.Client, table: CopiedTable): Promise<TargetColumn[]> {
  const result = await client.query<{ name: string; type: string; generated: boolean }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attgenerated <> '' AS generated
     FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [table],
  );
  return result.rows;
}

/** The target columns to insert the source's columns into, or why the two tables differ. */
export function matchColumns(
  table: string,
  sourceColumns: readonly string[],
  target: readonly TargetColumn[],
): TargetColumn[] {
  const byName = new Map(target.map((c) => [c.name, c]));
  const missing = sourceColumns.filter((c) => !byName.has(c));
  const extra = target.filter((c) => !c.generated && !sourceColumns.includes(c.name));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`only in the source: ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`only in the target: ${extra.map((c) => c.name).join(', ')}`] : []),
    ];
    throw new CopyError(
      'copy_schema_mismatch',
      `the columns of ${table} differ (${parts.join('; ')})`,
    );
  }
  return sourceColumns.map((c) => byName.get(c)!);
}

/**
 * One INSERT per batch, its values passed as one array per column and turned back into rows by
 * `unnest`: a handful of parameters however many rows, so thousands of rows go in one statement.
 */
export function batchInsertSql(table: string, columns: readonly TargetColumn[]): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  // Ids are copied as they are, even into an identity column that would generate its own.
  return `INSERT INTO ${quoteIdent(table)} (${names}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest(${arrays})`;
}

async function copyTable(
  client: pg.Client,
  source: SourceSnapshot,
  table: CopiedTable,
  batchRows: number,
): Promise<void> {
  const sourceColumns = source.columns(table);
  const columns = matchColumns(table, sourceColumns, await targetColumns(client, table));
  const inserted = columns.filter((c) => !c.generated);
  const keep = columns.map((c) => !c.generated);
  const sql = batchInsertSql(table, inserted);
  for (const batch of source.batches(table, batchRows)) {
    const arrays = inserted.map(() => [] as SqlValue[]);
    for (const row of batch) {
      let j = 0;
      row.forEach((value, i) => {
        if (keep[i]) arrays[j++]!.push(value);
      });
    }
    await client.query(sql, arrays);
  }
}

/** Sets the table's id sequence so the next id follows `lastId`; returns that next id. */
async function moveSequencePast(client: pg.Client, table: string, lastId: number): Promise<number> {
  const seq = (
    await client.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [
      table,
      'id',
    ])
  ).rows[0]?.seq;
  if (!seq) {
    throw new CopyError('copy_schema_mismatch', `${table}.id in the target has no sequence`);
  }
  // setval(seq, n, true): the next id is n + 1. With nothing copied, leave it at its start.
  if (lastId > 0) {
    await client.query('SELECT setval($1::regclass, $2::bigint, true)', [seq, String(lastId)]);
    return lastId + 1;
  }
  await client.query('SELECT setval($1::regclass, 1, false)', [seq]);
  return 1;
}

async function checkCounts(
  client: pg.Client,
  expected: Readonly<Record<CopiedTable, number>>,
): Promise<void> {
  const actual = await countRows(client);
  const off = COPIED_TABLES.filter((t) => actual[t] !== expected[t]);
  if (off.length === 0) return;
  throw new CopyError(
    'copy_count_mismatch',
    `the target did not receive every row (${off.map((t) => `${t}: ${actual[t]} of ${expected[t]}`).join(', ')}); nothing was committed`,
  );
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function pgCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
