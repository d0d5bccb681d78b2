/**
 * docs/iam-policy.json allows exactly the AWS operations the code calls, found by scanning the
 * SDK commands and paginators src/ imports; docs/iam-policy-read-only.json allows the same minus
 * the three that spend money. A new SDK call without its action, or an action nothing calls,
 * fails here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as deviceFarm from '@aws-sdk/client-device-farm';
import * as mediaConnect from '@aws-sdk/client-mediaconnect';
import { describe, expect, it } from 'vitest';
import { botSources } from './helpers/bot-sources.js';

const ROOT = resolve(import.meta.dirname, '..');

/** IAM service prefix per SDK client package; both services name IAM actions after operations. */
const SERVICES: Readonly<Record<string, { prefix: string; sdk: Record<string, unknown> }>> = {
  'device-farm': { prefix: 'devicefarm', sdk: deviceFarm },
  mediaconnect: { prefix: 'mediaconnect', sdk: mediaConnect },
};

const SPENDING = [
  'devicefarm:PurchaseOffering',
  'devicefarm:RenewOffering',
  'mediaconnect:PurchaseOffering',
];

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

interface Policy {
  Version: string;
  Statement: Statement[];
}

const policy = (file: string) =>
  JSON.parse(readFileSync(join(ROOT, 'docs', file), 'utf8')) as Policy;

/**
 * `XCommand` and `paginateX` imported as values from an `@aws-sdk/client-*` package, as
 * `prefix:X`. Type-only imports (`type XCommandOutput`, `import type {…}`) call nothing.
 */
function actionsCalled(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [file, text] of botSources()) {
    const imports = text.matchAll(
      /import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]@aws-sdk\/client-([a-z-]+)['"]/g,
    );
    for (const [, typeOnly, names, pkg] of imports) {
      if (typeOnly) continue;
      const service = SERVICES[pkg!];
      if (!service) throw new Error(`${file} imports @aws-sdk/client-${pkg}: add it to SERVICES`);
      for (const raw of names!.split(',')) {
        const name = raw.trim().split(/\s+as\s+/)[0]!;
        if (name === '' || name.startsWith('type ')) continue;
        const operation = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (!operation) continue;
        // The operation must be real: a typo would otherwise be "allowed" and never called.
        expect(typeof service.sdk[`${operation}Command`], `${name} in ${file}`).toBe('function');
        const action = `${service.prefix}:${operation}`;
        found.set(action, [...new Set([...(found.get(action) ?? []), file])]);
      }
    }
  }
  return found;
}

function allowedActions(p: Policy): string[] {
  return p.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

const called = [...actionsCalled().keys()].sort();

describe('the AWS calls in src/', () => {
  it('are found by the scan, reads and purchases of both services', () => {
    expect(called).toEqual(
      expect.arrayContaining([
        'devicefarm:GetOfferingStatus',
        'devicefarm:ListOfferings',
        'mediaconnect:ListReservations',
        ...SPENDING,
      ]),
    );
  });
});

describe.each([
  ['iam-policy.json', called],
  ['iam-policy-read-only.json', called.filter((a) => !SPENDING.includes(a))],
])('docs/%s', (file, expected) => {
  const p = policy(file);

  it('allows exactly the actions it should, each once', () => {
    const allowed = allowedActions(p);
    expect(allowed).toEqual(expected);
    expect(new Set(allowed).size).toBe(allowed.length);
  });

  it('is a plain allow-list: current version, no wildcards, no conditions', () => {
    expect(p.Version).toBe('2012-10-17');
    for (const s of p.Statement) {
      expect(s.Effect).toBe('Allow');
      // Device Farm offerings and MediaConnect offerings/reservations take no resource ARNs in IAM.
      expect(s.Resource).toBe('*');
      expect(s.Condition).toBeUndefined();
      for (const action of Array.isArray(s.Action) ? s.Action : [s.Action]) {
        expect(action).toMatch(/^(devicefarm|mediaconnect):[A-Z][A-Za-z]+$/);
      }
    }
  });
});

describe('docs/iam-policy-read-only.json', () => {
  it('cannot spend money', () => {
    const allowed = allowedActions(policy('iam-policy-read-only.json'));
    for (const action of SPENDING) expect(allowed).not.toContain(action);
  });
});
