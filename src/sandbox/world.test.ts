import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultSeed } from '../sim/seed.js';
import {
  createWorldSaver,
  loadWorld,
  resetSandboxData,
  type SandboxWorld,
  sandboxFiles,
  saveWorld,
  WORLD_VERSION,
} from './world.js';

const NOW = new Date('2026-03-14T09:26:53.000Z');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sandbox-world-'));
}

function aWorld(): SandboxWorld<{ messages: string[] }> {
  return {
    version: WORLD_VERSION,
    clockOffsetMs: 86_400_000,
    sim: defaultSeed(NOW),
    slack: { messages: ['hello'] },
  };
}

describe('saveWorld / loadWorld', () => {
  it('round-trips the world, dates still dates', () => {
    const dir = tempDir();
    const world = aWorld();
    saveWorld(dir, world);
    const say = vi.fn();
    const loaded = loadWorld(dir, say);
    expect(say).not.toHaveBeenCalled();
    expect(loaded).toEqual(world);
    const transaction = loaded?.sim.deviceFarm.transactions[0];
    expect(transaction?.createdOn).toBeInstanceOf(Date);
    expect(transaction?.createdOn.getTime()).toBe(
      world.sim.deviceFarm.transactions[0]?.createdOn.getTime(),
    );
  });

  it('starts fresh, silently, when nothing was saved', () => {
    const say = vi.fn();
    expect(loadWorld(tempDir(), say)).toBeUndefined();
    expect(say).not.toHaveBeenCalled();
  });

  it.each([
    ['bytes that are not a saved sandbox', Buffer.from('not v8 at all')],
    ['another version', serialize({ ...aWorld(), version: 99 })],
    ['a world without its AWS account', serialize({ ...aWorld(), sim: undefined })],
    ['a negative clock offset', serialize({ ...aWorld(), clockOffsetMs: -1 })],
  ])('sets aside %s with one line, and starts fresh', (_name, bytes) => {
    const dir = tempDir();
    writeFileSync(sandboxFiles(dir).world, bytes);
    const lines: string[] = [];
    expect(
      loadWorld(
        dir,
        (l) => lines.push(l),
        () => NOW,
      ),
    ).toBeUndefined();
    const aside = 'world.bin.bad-2026-03-14T09-26-53-000Z';
    expect(readdirSync(dir)).toEqual([aside]);
    expect(readFileSync(join(dir, aside))).toEqual(bytes);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(aside);
    expect(lines[0]).toContain('Starting fresh');
  });

  it('writes through a temporary file renamed over the old world', () => {
    const dir = tempDir();
    saveWorld(dir, aWorld());
    const before = readFileSync(sandboxFiles(dir).world);
    saveWorld(dir, { ...aWorld(), clockOffsetMs: 1 });
    expect(readdirSync(dir)).toEqual(['world.bin']);
    expect(readFileSync(sandboxFiles(dir).world)).not.toEqual(before);
    expect(loadWorld(dir, () => {})?.clockOffsetMs).toBe(1);
  });

  it('leaves the old world whole when a write fails', () => {
    const dir = tempDir();
    saveWorld(dir, aWorld());
    const unserializable = { ...aWorld(), slack: { callback: () => {} } };
    expect(() => saveWorld(dir, unserializable)).toThrow();
    expect(loadWorld(dir, () => {})).toEqual(aWorld());
  });

  it('creates the data directory when missing', () => {
    const dir = join(tempDir(), 'nested', 'sandbox');
    saveWorld(dir, aWorld());
    expect(existsSync(sandboxFiles(dir).world)).toBe(true);
  });
});

describe('resetSandboxData', () => {
  it('removes the world and the database with its journals, nothing else', () => {
    const dir = tempDir();
    for (const name of ['world.bin', 'slots.db', 'slots.db-wal', 'slots.db-shm', 'notes.txt']) {
      writeFileSync(join(dir, name), 'x');
    }
    resetSandboxData(dir);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    resetSandboxData(dir);
  });
});

describe('createWorldSaver', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes at most once per interval however many changes come', () => {
    vi.useFakeTimers();
    const write = vi.fn();
    const saver = createWorldSaver({ write, onError: () => {}, intervalMs: 500 });
    for (let i = 0; i < 20; i++) saver.schedule();
    expect(write).not.toHaveBeenCalled();
    vi.advanceTimersByTime(499);
    expect(write).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(write).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) {
      saver.schedule();
      vi.advanceTimersByTime(100);
    }
    expect(write).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(5_000);
    expect(write).toHaveBeenCalledTimes(3);
  });

  it('flushes what is pending on stop, and writes nothing after', () => {
    vi.useFakeTimers();
    const write = vi.fn();
    const saver = createWorldSaver({ write, onError: () => {} });
    saver.stop();
    expect(write).not.toHaveBeenCalled();
    const second = createWorldSaver({ write, onError: () => {} });
    second.schedule();
    second.stop();
    expect(write).toHaveBeenCalledTimes(1);
    second.schedule();
    vi.advanceTimersByTime(5_000);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('reports a failed write and keeps saving later changes', () => {
    vi.useFakeTimers();
    const failure = new Error('disk full');
    const write = vi.fn().mockImplementationOnce(() => {
      throw failure;
    });
    const onError = vi.fn();
    const saver = createWorldSaver({ write, onError });
    saver.schedule();
    vi.advanceTimersByTime(500);
    expect(onError).toHaveBeenCalledWith(failure);
    saver.schedule();
    saver.flush();
    expect(write).toHaveBeenCalledTimes(2);
  });
});
