/**
 * `npm run sandbox` as a person starts it, for tests: a real process tree (npm, sh, tsx, node)
 * in a process group of its own, started from the repository root with nothing of the user's
 * environment but `PATH`. It is ready once it has printed its "Open http://127.0.0.1:N" line and
 * that URL answers `GET /healthz` with 200; every failure message ends with the tail of what it
 * printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const OPEN_LINE = /^ {2}Open (http:\/\/127\.0\.0\.1:\d+)$/m;
/** For the printed URL, and again for a healthy answer after it. */
const STARTED_WITHIN_MS = 40_000;
const STOPPED_WITHIN_MS = 15_000;
/** The tail of the output shown in a failure message; start-up prints a few dozen lines. */
const OUTPUT_SHOWN_MAX = 8_000;

export interface SandboxOptions {
  /** `--data-dir`; kept on stop. Without it, a fresh directory that stop() removes. */
  readonly dataDir?: string;
  /** More arguments after `--port 0 --data-dir <dir>`, e.g. `--reset`. */
  readonly args?: readonly string[];
  /** More environment variables on top of `PATH`, a fresh `HOME` and no npm update check. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface StopOptions {
  /**
   * `'group'` (the default): SIGTERM to every process of the tree, as Ctrl-C does, up to 15 s to
   * finish, then SIGKILL for whatever is left. `'npm'`: SIGTERM to npm only, as a service manager
   * would (the script's `exec` passes it on); failing if npm has not exited within 15 s.
   */
  readonly to?: 'npm' | 'group';
}

export interface SandboxProcess {
  /** The local Slack's page, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything the process printed so far. */
  output(): string;
  /** npm's exit code once it has exited (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Stops the tree (see {@link StopOptions}), removes its temp directory; npm's exit code. */
  stop(opts?: StopOptions): Promise<number | null>;
}

/** Process groups of sandboxes not yet stopped; see {@link killLeftoverSandboxes}. */
const running = new Set<number>();

/** SIGKILL to every sandbox's group not stopped yet, whatever state a failed test left it in. */
export function killLeftoverSandboxes(): void {
  for (const pid of running) signalGroup(pid, 'SIGKILL');
  running.clear();
}

// A test process that ends without stop() must not leave a sandbox running on its own.
process.once('exit', killLeftoverSandboxes);

/**
 * `npm run sandbox -- --port 0 --data-dir <dir> [...args]` from the repository root. Resolves once
 * it is healthy; on a failure to start it is stopped and the error shows its output.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxProcess> {
  const work = await mkdtemp(join(tmpdir(), 'slots-sandbox-test-'));
  const home = join(work, 'home');
  const dataDir = opts.dataDir ?? join(work, 'data');
  await mkdir(home);
  const child = spawn(
    'npm',
    ['run', 'sandbox', '--', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        // npm itself would otherwise ask the registry whether a newer npm exists.
        npm_config_update_notifier: 'false',
        ...opts.env,
      },
      // Its own process group: one signal reaches npm, the shell, tsx and node at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const append = (chunk: string) => {
    output += chunk;
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  let gone = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      gone = true;
      resolve(code);
    });
    child.once('error', (err) => {
      append(`\n[spawning npm failed: ${err.message}]\n`);
      if (child.pid === undefined) {
        gone = true;
        resolve(null);
      }
    });
  });
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  const tail = () => output.slice(-OUTPUT_SHOWN_MAX);
  const why = (what: string) => new Error(`${what}\n--- its output ---\n${tail()}`);

  let stopped: Promise<number | null> | undefined;
  const stop = ({ to = 'group' }: StopOptions = {}) => {
    stopped ??= (async () => {
      try {
        if (to === 'npm') {
          child.kill('SIGTERM');
          if ((await within(exited, STOPPED_WITHIN_MS)) === LATE) {
            throw why(`the sandbox did not stop within ${STOPPED_WITHIN_MS / 1000} s of SIGTERM`);
          }
        }
        await stopGroup(child, exited, to === 'group');
        return await exited;
      } finally {
        if (pid !== undefined) {
          signalGroup(pid, 'SIGKILL');
          running.delete(pid);
        }
        await rm(work, { recursive: true, force: true });
      }
    })();
    return stopped;
  };

  try {
    const url = await waitFor(
      () => 'no "Open http://127.0.0.1:…" line',
      () => {
        if (gone) throw exitedEarly(child);
        return OPEN_LINE.exec(output)?.[1];
      },
    );
    let last = 'no answer';
    await waitFor(
      () => `${url}/healthz was not 200 (${last})`,
      async () => {
        if (gone) throw exitedEarly(child);
        last = await healthStatus(url);
        return last === 'status 200' ? true : undefined;
      },
    );
    return { url, output: () => output, exited, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw why(`the sandbox did not start: ${(err as Error).message}`);
  }
}

/** Polls `get` every 100 ms until it returns something, for up to {@link STARTED_WITHIN_MS}. */
async function waitFor<T>(
  what: () => string,
  get: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + STARTED_WITHIN_MS;
  while (Date.now() < deadline) {
    const got = await get();
    if (got !== undefined) return got;
    await sleep(100);
  }
  throw new Error(`${what()} within ${STARTED_WITHIN_MS / 1000} s`);
}

function exitedEarly(child: ChildProcess): Error {
  return new Error(`it exited (code ${child.exitCode}, signal ${child.signalCode})`);
}

async function healthStatus(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return `status ${res.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Optionally SIGTERM to the whole group; then up to 15 s for npm and for the rest of the group
 * (npm may exit before the node process it started has finished shutting down), then SIGKILL.
 */
async function stopGroup(
  child: ChildProcess,
  exited: Promise<unknown>,
  terminate: boolean,
): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (terminate) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + STOPPED_WITHIN_MS;
  await within(exited, STOPPED_WITHIN_MS);
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
}

const LATE = Symbol('late');

async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
