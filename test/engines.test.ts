/**
 * The declared `engines` range tells the truth. Every Node API the code uses that is newer than
 * Node 20.0 is listed with the release that brought it, and the range must start at or after it;
 * APIs that Node 20 lacks must not appear. Every installed package's own `engines.node` must
 * accept the lowest version of each line the range allows, and the Node that CI runs the tests
 * on (.ci/run) must be inside the range.
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

type Version = readonly [number, number, number];

const asNumber = ([a, b, c]: Version) => a * 1e6 + b * 1e3 + c;

/** `20`, `20.12`, `20.x`, `v24.1.0` → [major, minor, patch], missing or `x` parts as 0. */
function version(text: string): Version {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(text.trim());
  if (!m) throw new Error(`not a version: ${JSON.stringify(text)}`);
  const part = (p: string | undefined) =>
    p === undefined || p === 'x' || p === '*' ? 0 : Number(p);
  return [Number(m[1]), part(m[2]), part(m[3])];
}

/**
 * Whether `v` satisfies an npm range, for the forms packages put in `engines.node`: `||`
 * alternatives of space-separated comparators (`>=`, `>`, `<=`, `<`, `=`), caret and tilde
 * ranges, x-ranges (`20.x`) and `*`. Anything else throws, so a new form is noticed.
 */
function satisfies(v: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/);
    return comparators.every((c) => {
      if (c === '' || c === '*' || c === 'x') return true;
      const m = /^(>=|<=|>|<|=|\^|~)?(.+)$/.exec(c)!;
      const op = m[1] ?? '';
      const raw = m[2]!;
      const base = version(raw);
      const given = raw
        .replace(/^v/, '')
        .split('.')
        .filter((p) => p !== 'x' && p !== '*').length;
      const n = asNumber(v);
      const b = asNumber(base);
      const upTo = (level: number): Version =>
        level === 0 ? [base[0] + 1, 0, 0] : level === 1 ? [base[0], base[1] + 1, 0] : base;
      switch (op) {
        case '>=':
          return n >= b;
        case '>':
          return n > b;
        case '<=':
          return n <= b;
        case '<':
          return n < b;
        case '^':
          // ^0.x is not used by any engines field here; treat as major-compatible like ^1+.
          return n >= b && n < asNumber(upTo(0));
        case '~':
          return n >= b && n < asNumber(upTo(given >= 2 ? 1 : 0));
        default:
          // A bare or x-range version: everything that starts with the parts given.
          return given >= 3 ? n === b : n >= b && n < asNumber(upTo(given - 1));
      }
    });
  });
}

/** Each alternative of the declared range, as the lowest version it allows. */
const declaredFloors = pkg.engines.node.split('||').map((alternative) => {
  const m = /^\s*(?:\^|>=)\s*(\d+\.\d+\.\d+)\s*$/.exec(alternative);
  if (!m)
    throw new Error(
      `engines.node alternative ${JSON.stringify(alternative)}: use ^X.Y.Z or >=X.Y.Z`,
    );
  return version(m[1]!);
});
const lowest = [...declaredFloors].sort((a, b) => asNumber(a) - asNumber(b))[0]!;
const show = (v: Version) => v.join('.');

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};
const packageEngines = Object.entries(lock.packages).flatMap(([path, entry]) => {
  const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
  return path !== '' && node ? [[path.replace(/^.*node_modules\//, ''), node] as const] : [];
});

const ciNode = /^NODE24_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, '.ci/run'), 'utf8'))?.[1];

describe('engines.node', () => {
  it('is a list of supported release lines: "^X.Y.Z || …"', () => {
    expect(declaredFloors.length).toBeGreaterThan(0);
  });

  it.each(NEWER_IN_20)('covers %s wherever it is used', (pattern, name, since) => {
    const users = code.filter(([, text]) => pattern.test(text)).map(([f]) => f);
    if (users.length === 0) return;
    expect(
      asNumber(lowest),
      `${name} (Node ${since}) is used in ${users.join(', ')}`,
    ).toBeGreaterThanOrEqual(asNumber(version(since)));
  });

  it.each(declaredFloors.map(show))('Node %s is accepted by every installed package', (floor) => {
    const refusing = packageEngines
      .filter(([, range]) => !satisfies(version(floor), range))
      .map(([name, range]) => `${name} (${range})`);
    expect(refusing).toEqual([]);
  });

  it("includes the Node versions the tests run on: this one and CI's Node 24", () => {
    expect(ciNode, '.ci/run names NODE24_VERSION').toBeDefined();
    expect(satisfies(version(ciNode!), pkg.engines.node), `CI's Node ${ciNode}`).toBe(true);
    expect(version(ciNode!)[0]).toBe(24);
    expect(satisfies(version(process.version), pkg.engines.node), process.version).toBe(true);
  });

  it.each([
    ['20.19.0', '^20.19.0 || >=22.12.0', true],
    ['20.18.9', '^20.19.0 || >=22.12.0', false],
    ['21.0.0', '^20.19.0 || >=22.12.0', false],
    ['24.22.3', '20.x || 22.x || 24.x', true],
    ['21.7.0', '20.x || 22.x || 24.x', false],
    ['20.0.0', '>= 20', true],
    ['19.9.9', '>= 20', false],
    ['20.18.1', '>=20.18.1', true],
    ['14.5.0', '>=0.6.x', true],
    ['18.1.0', '^16 || ^18 || >=20', true],
    ['17.0.0', '^16 || ^18 || >=20', false],
    ['24.0.0', '*', true],
    ['13.7.1', '^10 || ^12 || ^13.7 || ^14 || >=15.0.1', true],
    ['13.6.0', '^10 || ^12 || ^13.7 || ^14 || >=15.0.1', false],
  ])('the range check: %s in %s is %s', (v, range, expected) => {
    expect(satisfies(version(v), range)).toBe(expected);
  });

  it.each(NOT_IN_20)('no code uses %s', (pattern, name) => {
    const users = code.filter(([, text]) => pattern.test(text)).map(([f]) => f);
    expect(users, name).toEqual([]);
  });
});
