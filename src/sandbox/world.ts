/**
 * What the sandbox keeps between runs besides the bot's SQLite file: the sandbox clock's offset,
 * the simulated AWS account and the local Slack workspace (messages, modals, Home tabs). Written
 * with `node:v8` serialization, which keeps the simulator's `Date`s as dates, and always through
 * a temporary file and a rename, so a crash mid-write leaves the previous world whole.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { SimState } from '../sim/types.js';

/** Bumped whenever the saved shape changes; a world of another version is set aside. */
export const WORLD_VERSION = 1;

export interface SandboxWorld<Slack> {
  readonly version: typeof WORLD_VERSION;
  readonly clockOffsetMs: number;
  readonly sim: SimState;
  /** What the local Slack's `save()` returned. */
  readonly slack: Slack;
}

/** The files of one sandbox data directory. */
export function sandboxFiles(dataDir: string) {
  const database = join(dataDir, 'slots.db');
  return {
    world: join(dataDir, 'world.bin'),
    database,
    /** Everything `--reset` removes: the world and the database with its journal files. */
    all: [join(dataDir, 'world.bin'), database, `${database}-wal`, `${database}-shm`],
  } as const;
}

/** Removes the sandbox's files from the data directory (`--reset`); other files stay. */
export function resetSandboxData(dataDir: string): void {
  for (const file of sandboxFiles(dataDir).all) rmSync(file, { force: true });
}

/**
 * The world saved last time, or `undefined` for a fresh start: when there is none, or when it
 * cannot be read (then it is moved aside, never deleted, and `say` gets one line about it).
 */
export function loadWorld(
  dataDir: string,
  say: (line: string) => void,
  now: () => Date = () => new Date(),
): SandboxWorld<unknown> | undefined {
  const file = sandboxFiles(dataDir).world;
  if (!existsSync(file)) return undefined;
  let problem: string;
  try {
    const value: unknown = deserialize(readFileSync(file));
    problem = worldProblem(value);
    if (problem === '') return value as SandboxWorld<unknown>;
  } catch {
    problem = 'it cannot be read';
  }
  const aside = `${file}.bad-${now().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  say(`The saved sandbox (${file}) was set aside as ${aside}: ${problem}. Starting fresh.`);
  return undefined;
}

/** Why `value` is not a world this version can use; '' when it is. */
function worldProblem(value: unknown): string {
  if (!isRecord(value)) return 'it is not a saved sandbox';
  if (value.version !== WORLD_VERSION) {
    return `it is version ${String(value.version)}, this sandbox reads version ${WORLD_VERSION}`;
  }
  const offset = value.clockOffsetMs;
  if (typeof offset !== 'number' || !Number.isFinite(offset) || offset < 0) {
    return 'its clock offset is not valid';
  }
  const sim = value.sim;
  if (!isRecord(sim) || !isRecord(sim.deviceFarm) || !isRecord(sim.mediaConnect)) {
    return 'its AWS account is missing';
  }
  if (!isRecord(value.slack)) return 'its Slack workspace is missing';
  return '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes the world atomically: a temporary file, flushed to disk, renamed over the old one. */
export function saveWorld<Slack>(dataDir: string, world: SandboxWorld<Slack>): void {
  mkdirSync(dataDir, { recursive: true });
  const file = sandboxFiles(dataDir).world;
  const temp = `${file}.tmp-${process.pid}`;
  const bytes = serialize(world);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export interface WorldSaver {
  /** Something changed: it is written within `intervalMs`, together with later changes. */
  schedule(): void;
  /** Writes now if anything changed since the last write. */
  flush(): void;
  /** Final flush; later `schedule` calls do nothing. */
  stop(): void;
}

/**
 * Writes at most once per `intervalMs` however often the world changes: the local Slack and the
 * AWS panel report every small change, and a busy page makes dozens a second.
 */
export function createWorldSaver(opts: {
  readonly write: () => void;
  readonly onError: (err: unknown) => void;
  readonly intervalMs?: number;
}): WorldSaver {
  const intervalMs = opts.intervalMs ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  let stopped = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    try {
      opts.write();
    } catch (err) {
      opts.onError(err);
    }
  };
  return {
    schedule() {
      if (stopped) return;
      dirty = true;
      timer ??= setTimeout(flush, intervalMs);
    },
    flush,
    stop() {
      flush();
      stopped = true;
    },
  };
}
