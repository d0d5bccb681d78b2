/**
 * The declared `engines` range covers every Node API the code uses: each API newer than Node 20.0
 * is listed with the release that brought it, and the range must start at or after it. APIs that
 * Node 20 does not have at all must not appear.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};

/** APIs added during Node 20, with the 20.x release that added them. */
const NEWER_IN_20: readonly [RegExp, string, string][] = [
  [/process\.loadEnvFile\b/, 'process.loadEnvFile', '20.12.0'],
  [/util\.parseEnv\b/, 'util.parseEnv', '20.12.0'],
  [/import\.meta\.(dirname|filename)\b/, 'import.meta.dirname', '20.11.0'],
  [/\bstyleText\b/, 'util.styleText', '20.12.0'],
  [/\.parentPath\b/, 'Dirent.parentPath', '20.12.0'],
];

/** APIs Node 20 lacks altogether. */
const NOT_IN_20: readonly [RegExp, string][] = [
  [/\b(Object|Map)\.groupBy\b/, 'Object.groupBy (Node 21)'],
  [/\bPromise\.withResolvers\b/, 'Promise.withResolvers (Node 22)'],
  [/\bArray\.fromAsync\b/, 'Array.fromAsync (Node 22)'],
  [/\bprocess\.getBuiltinModule\b/, 'process.getBuiltinModule (Node 22)'],
  [/['"]node:sqlite['"]/, 'node:sqlite (Node 22)'],
  // (Set's union and intersection are left out: zod has methods of those names.)
  [/\.(symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/, 'Set methods (Node 22)'],
  [/\bPromise\.try\b/, 'Promise.try (Node 23)'],
  [/\bRegExp\.escape\b/, 'RegExp.escape (Node 24)'],
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const files = ['src', 'test', 'scripts']
  .flatMap(sources)
  .filter((f) => !f.endsWith('engines.test.ts'));
const code = files.map((f) => [f, readFileSync(f, 'utf8')] as const);

const minimum = (range: string) => /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
const asNumber = (v: string) => {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return a * 1e6 + b * 1e3 + c;
};

describe('engines.node', () => {
  it('is a lower bound: ">=X.Y"', () => {
    expect(minimum(pkg.engines.node)).not.toBeNull();
  });

  it.each(NEWER_IN_20)('covers %s wherever it is used', (pattern, name, since) => {
    const users = code.filter(([, text]) => pattern.test(text)).map(([f]) => f);
    if (users.length === 0) return;
    const m = minimum(pkg.engines.node)!;
    const declared = `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
    expect(
      asNumber(declared),
      `${name} (Node ${since}) is used in ${users.join(', ')}`,
    ).toBeGreaterThanOrEqual(asNumber(since));
  });

  it.each(NOT_IN_20)('no code uses %s', (pattern, name) => {
    const users = code.filter(([, text]) => pattern.test(text)).map(([f]) => f);
    expect(users, name).toEqual([]);
  });
});
