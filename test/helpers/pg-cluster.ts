/**
 * A private PostgreSQL server for tests that must stop or restart the database: `initdb` into a
 * temporary directory, `pg_ctl` on a free loopback port. The shared server on 5432 is never
 * touched, so other suites running at the same time keep their database.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { freePort } from './bot-process.js';

const run = promisify(execFile);

export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  /** Stops (fast: open connections are cut) and starts again; resolves once it accepts them. */
  restart(): Promise<void>;
  /** Stops fast; `start()` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes its directory. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** Where `initdb` and `pg_ctl` live: `SLOTS_TEST_PG_BIN`, else the newest Debian-style install. */
export function pgBinDir(): string | undefined {
  const given = process.env.SLOTS_TEST_PG_BIN?.trim();
  if (given) return hasTools(given) ? given : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find(hasTools);
}

const hasTools = (dir: string) =>
  existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));

/**
 * `describe` when `initdb` and `pg_ctl` are installed; otherwise skipped with one line, or failed
 * when `SLOTS_REQUIRE_POSTGRES=1` (CI must never skip these silently).
 */
export function describePgCluster(name: string, fn: () => void): void {
  if (pgBinDir()) {
    describe(name, fn);
    return;
  }
  const reason =
    'PostgreSQL restart tests skipped: no initdb/pg_ctl under /usr/lib/postgresql/*/bin; install PostgreSQL or set SLOTS_TEST_PG_BIN';
  if (process.env.SLOTS_REQUIRE_POSTGRES === '1') {
    describe(name, () => {
      throw new Error(`${reason} (SLOTS_REQUIRE_POSTGRES=1 forbids skipping)`);
    });
    return;
  }
  console.warn(reason);
  describe.skip(name, fn);
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user. */
function asServerUser(tool: string, args: readonly string[]): [string, string[]] {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, [...args]];
}

async function tool(bin: string, name: string, args: readonly string[]): Promise<string> {
  const [file, argv] = asServerUser(join(bin, name), args);
  try {
    const { stdout } = await run(file, argv, { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${name} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The `postgres` user's ids, for handing it the directory when the tests run as root. */
async function serverUserIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postgres']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (uid === undefined || gid === undefined) throw new Error(`cannot read ids of postgres`);
  return { uid: Number(uid), gid: Number(gid) };
}

/** Creates, configures and starts a throwaway server; trust auth, loopback only, fsync off. */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error('initdb/pg_ctl not found (see describePgCluster)');
  const dir = mkdtempSync(join(tmpdir(), 'slots-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = await serverUserIds();
    chownSync(dir, uid, gid);
  }
  await tool(bin, 'initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '--encoding=UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  const logFile = join(dir, 'server.log');
  const ctl = (args: readonly string[]) => tool(bin, 'pg_ctl', ['-D', data, ...args]);
  let running = false;
  let removed = false;

  const start = async () => {
    await ctl(['-o', options, '-l', logFile, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async () => {
    await ctl(['-m', 'fast', '-w', '-t', '30', 'stop']);
    running = false;
  };
  await start();

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    restart: async () => {
      await ctl(['-o', options, '-l', logFile, '-m', 'fast', '-w', '-t', '30', 'restart']);
      running = true;
    },
    cleanup: async () => {
      if (removed) return;
      removed = true;
      if (running) await ctl(['-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
