/**
 * The bot as a real child process for the benchmark: `node dist/main.js` spawned with a clean
 * environment in a scratch directory, timed until `GET /healthz` answers 200, read for RSS through
 * `/proc`, and always stopped (SIGTERM, then SIGKILL) — also when the benchmark itself dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BotOptions {
  /** Absolute path of the compiled entry point (`dist/main.js`). */
  readonly mainJs: string;
  /** Working directory of the child: a scratch directory, so no stray `.env` is read. */
  readonly cwd: string;
  /** Variables of the bot's own; the rest of the environment is not inherited. */
  readonly env: Record<string, string>;
  /** Give up waiting for `/healthz` after this long. */
  readonly readyTimeoutMs?: number;
  /** Arguments after the script (the floor's mode). */
  readonly args?: readonly string[];
  /** Node's own flags, before the script (the bot: those of `npm start`, see `startFlags`). */
  readonly nodeArgs?: readonly string[];
  /** What counts as the first success; default `GET /healthz` answering 200. */
  readonly ready?: (baseUrl: string) => Promise<boolean>;
}

export interface BotProcess {
  readonly pid: number;
  readonly baseUrl: string;
  readonly eventsUrl: string;
  /** From `spawn` until the first success (by default `GET /healthz` answering 200). */
  readonly startupMs: number;
  /** The last lines the child wrote (stdout and stderr), for failure reports. */
  output(): string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with how it exited. Safe to call twice. */
  stop(graceMs?: number): Promise<string>;
}

const live = new Set<ChildProcess>();

/** Kills every child still running, synchronously; for `exit` handlers and watchdogs. */
export function killAllBots(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
process.once('exit', killAllBots);

/**
 * The node flags `npm start` runs the bot with (its heap settings among them), read from
 * package.json, so the benchmark measures the process people run and the flags live in one place.
 */
export function startFlags(packageJson: string): string[] {
  const start = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: { start: string } })
    .scripts.start;
  const match = /^node\s+(.*?)\s*dist\/main\.js$/.exec(start.trim());
  if (!match)
    throw new Error(`package.json's start script is not "node [flags] dist/main.js": ${start}`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function spawnBot(opts: BotOptions): Promise<BotProcess> {
  const port = Number(opts.env.PORT);
  const baseUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };

  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), opts.mainJs, ...(opts.args ?? [])],
    {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  live.add(child);
  // Always drained, so a chatty child can never block on a full pipe.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal ? `signal ${signal}` : `exit ${code}`);
    });
    child.once('error', (err) => {
      live.delete(child);
      resolve(`spawn error: ${err.message}`);
    });
  });
  let exitedHow: string | undefined;
  void exited.then((how) => {
    exitedHow = how;
  });

  let stopping: Promise<string> | undefined;
  const stop = (graceMs = 5_000) => {
    stopping ??= (async () => {
      if (exitedHow !== undefined) return exitedHow;
      child.kill('SIGTERM');
      const how = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
      if (how !== undefined) return how;
      child.kill('SIGKILL');
      return `killed after ${graceMs} ms (${await exited})`;
    })();
    return stopping;
  };
  const output = () => lines.join('\n');

  const deadline = started + (opts.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (exitedHow !== undefined) {
      throw new Error(`the bot stopped before it was ready (${exitedHow}):\n${output()}`);
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(
        `the bot was not ready within ${opts.readyTimeoutMs ?? 15_000} ms:\n${output()}`,
      );
    }
    try {
      if (await (opts.ready ?? healthy)(baseUrl)) break;
    } catch {
      // Not listening yet.
    }
    await sleep(5);
  }
  const startupMs = performance.now() - started;

  return {
    pid: child.pid!,
    baseUrl,
    eventsUrl: `${baseUrl}/slack/events`,
    startupMs,
    output,
    stop,
  };
}

async function healthy(baseUrl: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

export interface Memory {
  /** Resident set size now, MB. */
  readonly rssMb: number;
  /** Peak resident set size so far (VmHWM), MB. */
  readonly peakRssMb: number;
}

/** RSS of a process from `/proc/<pid>/status` (Linux); undefined elsewhere. */
export function memoryOf(pid: number): Memory | undefined {
  let text: string;
  try {
    text = readFileSync(join('/proc', String(pid), 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(text)?.[1]);
  const rss = kb('VmRSS');
  const peak = kb('VmHWM');
  if (!Number.isFinite(rss)) return undefined;
  return { rssMb: rss / 1024, peakRssMb: Number.isFinite(peak) ? peak / 1024 : rss / 1024 };
}

/**
 * CPU time (user + system) a process has used so far, ms, from `/proc/<pid>/stat` (Linux; clock
 * ticks of 10 ms, Linux's USER_HZ); undefined elsewhere.
 */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(join('/proc', String(pid), 'stat'), 'utf8');
    // The command name (field 2) may hold spaces; fields after it are plain numbers.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
