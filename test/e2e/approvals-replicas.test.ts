/**
 * Approvals by amount across two real bot processes sharing one database (a SQLite file, and
 * PostgreSQL), one fake Slack and one AWS simulator, with clicks spread over both as a load
 * balancer would. Each approval is one conditional write, so whatever process a click lands on,
 * an approver counts once, the requester never, and AWS is called once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { PurchaseRequest } from '../../src/domain/requests.js';
import { defaultSeed, SEED_IDS, type Simulator, startSimulator } from '../../src/sim/index.js';
import {
  APPROVE_ACTION,
  REJECT_ACTION,
  REJECT_MODAL_CALLBACK,
  REJECT_REASON_ACTION,
  REJECT_REASON_BLOCK,
} from '../../src/slack/views/request-card.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { viewSubmission } from '../helpers/payloads.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../helpers/postgres.js';
import {
  click,
  command,
  eventually,
  logsOf,
  type Replica,
  spread,
  startReplicas,
} from '../helpers/replicas.js';
import { sendInteraction } from '../helpers/slack-requests.js';

const ALICE = 'U0ALICE';
const APPROVERS = ['U0BOB', 'U0CAROL', 'U0ERIN'] as const;
const [BOB, CAROL, ERIN] = APPROVERS;
const DF = SEED_IDS.androidRemote;

function describeTwoProcesses(
  name: string,
  database: () => Promise<{ url: string; store: Config['database']; drop(): Promise<void> }>,
) {
  describe(name, () => {
    let slack: FakeSlack;
    let sim: Simulator;
    let replicas: Replica[] = [];
    let store: Store;
    let dropDatabase: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const db = await database();
      dropDatabase = db.drop;
      [slack, sim] = await Promise.all([
        startFakeSlack(),
        startSimulator({ seed: defaultSeed(new Date()) }),
      ]);
      slack.handle('usergroups.users.list', () => ({ users: [] }));
      replicas = await startReplicas(2, {
        databaseUrl: db.url,
        slack,
        sim,
        env: { SLOTS_APPROVERS: APPROVERS.join(','), SLOTS_APPROVALS: '500:2' },
      });
      store = await openStore(db.store);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await store?.close();
      await Promise.all([slack?.close(), sim?.close()]);
      await dropDatabase();
    });

    const purchases = () => sim.callsTo('PurchaseOffering', 'devicefarm');

    /** The ephemeral answer to a click. */
    async function answer(sent: { responseUrl: string }): Promise<string> {
      const [first] = await eventually(
        'an answer to the click',
        () => {
          const got = slack.responsesTo(sent.responseUrl);
          return got.length > 0 ? got : undefined;
        },
        10_000,
        replicas,
      );
      return String(first?.body.text);
    }

    async function newPendingRequest(): Promise<PurchaseRequest> {
      const known = new Set((await store.listRequests({ limit: 200 })).map((r) => r.id));
      const made = await command(replicas[0]!, slack, `purchase devicefarm ${DF} 2`, ALICE);
      expect(made.res.status).toBe(200);
      return eventually(
        'the new request',
        async () =>
          (await store.listRequests({ states: ['pending'] })).find((r) => !known.has(r.id)),
        10_000,
        replicas,
      );
    }

    async function finalOf(id: string): Promise<PurchaseRequest> {
      return eventually(
        `request ${id} to end`,
        async () => {
          const r = await store.getRequest(id);
          return r && !['pending', 'executing', 'unknown'].includes(r.state) ? r : undefined;
        },
        20_000,
        replicas,
      );
    }

    it('counts one approval per approver on either process, never the requester', async () => {
      const request = await newPendingRequest();
      expect(request.approvalsNeeded).toBe(2);
      const before = purchases().length;
      expect(
        await answer(await click(replicas[1]!, slack, APPROVE_ACTION, request.id, BOB)),
      ).toMatch(/1 of 2/);
      expect(
        await answer(await click(replicas[0]!, slack, APPROVE_ACTION, request.id, BOB)),
      ).toMatch(/already approved/);
      expect(
        await answer(await click(replicas[1]!, slack, APPROVE_ACTION, request.id, ALICE)),
      ).toMatch(/own request/);
      const now = await store.getRequest(request.id);
      expect(now?.state).toBe('pending');
      expect(now?.approvals.map((a) => a.by)).toEqual([BOB]);
      expect(purchases()).toHaveLength(before);

      await click(replicas[0]!, slack, APPROVE_ACTION, request.id, CAROL);
      const done = await finalOf(request.id);
      expect(done.state, logsOf(replicas)).toBe('succeeded');
      expect(done.approvals.map((a) => a.by)).toEqual([BOB, CAROL]);
      expect(purchases()).toHaveLength(before + 1);
    }, 60_000);

    it('makes one AWS call from twenty concurrent clicks by three approvers on two processes', async () => {
      const request = await newPendingRequest();
      const before = purchases().length;
      const clicks = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          click(spread(replicas, i), slack, APPROVE_ACTION, request.id, APPROVERS[i % 3]),
        ),
      );
      for (const c of clicks) expect(c.res.status).toBe(200);
      const done = await finalOf(request.id);
      expect(done.state, logsOf(replicas)).toBe('succeeded');
      expect(purchases()).toHaveLength(before + 1);
      expect(done.approvals).toHaveLength(2);
      expect(new Set(done.approvals.map((a) => a.by)).size).toBe(2);
      const events = await store.listEvents(request.id);
      expect(events.filter((e) => e.type === 'approved')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'approval_recorded')).toHaveLength(1);
      // The call was stamped after the approval that completed the count.
      const types = events.map((e) => e.type);
      expect(types.indexOf('call_started')).toBeGreaterThan(types.indexOf('approved'));
    }, 60_000);

    it('ends the request when an approver rejects after one approval on the other process', async () => {
      const request = await newPendingRequest();
      const before = purchases().length;
      await answer(await click(replicas[0]!, slack, APPROVE_ACTION, request.id, BOB));
      await click(replicas[1]!, slack, REJECT_ACTION, request.id, ERIN);
      await eventually(
        'the reject form',
        () => slack.callsTo('views.open').find((c) => JSON.stringify(c.args).includes(request.id)),
        10_000,
        replicas,
      );
      const res = await sendInteraction(
        replicas[1]!.eventsUrl,
        viewSubmission({
          callbackId: REJECT_MODAL_CALLBACK,
          userId: ERIN,
          privateMetadata: request.id,
          values: {
            [REJECT_REASON_BLOCK]: {
              [REJECT_REASON_ACTION]: { type: 'plain_text_input', value: 'too much' },
            },
          },
        }),
      );
      expect(res.status).toBe(200);
      const done = await finalOf(request.id);
      expect(done).toMatchObject({ state: 'rejected', decidedBy: ERIN });
      expect(
        await answer(await click(replicas[0]!, slack, APPROVE_ACTION, request.id, CAROL)),
      ).toMatch(/rejected/);
      expect((await store.getRequest(request.id))?.state).toBe('rejected');
      expect(purchases()).toHaveLength(before);
    }, 60_000);
  });
}

describeTwoProcesses('two processes on one SQLite file', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'slots-approvals-')), 'slots.db');
  return { url: `sqlite:${path}`, store: { kind: 'sqlite', path }, drop: async () => {} };
});

describePostgres('two processes on one PostgreSQL database', () => {
  let db: TestDatabase;
  describeTwoProcesses('approvals by amount', async () => {
    db = await createTestDatabase('slots_approvals');
    return {
      url: db.url,
      store: { kind: 'postgres', url: db.url, poolSize: 2 },
      drop: () => db.drop(),
    };
  });
});
