/**
 * The rest of the request flow end to end: the modal, bad input, a fuzz run, the lists, expiry,
 * and a restart that finds a request left `executing`.
 */
import { DeviceFarmClient, PurchaseOfferingCommand } from '@aws-sdk/client-device-farm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import {
  QUANTITY_BLOCK,
  REASON_BLOCK,
  REQUEST_MODAL_CALLBACK,
  SERVICE_ACTION,
} from '../../src/slack/views/request-modal.js';
import { blockText } from '../helpers/blocks.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { closeOpenRequests, type Harness, startHarness } from '../helpers/harness.js';
import { buttonClick, deviceFarmFormValues, viewSubmission } from '../helpers/payloads.js';

const DF = SEED_IDS.androidAutomated;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const until = waitForAsync;

/** The pending request of `requester` for `quantity` slots of DF (ids are random, times equal). */
async function pendingRequest(requester: string, quantity: number) {
  return until(`the pending request for ${quantity}`, async () =>
    (await h.bot.store.listRequests({ states: ['pending'], limit: 200 })).find(
      (r) =>
        r.requester === requester &&
        r.action.service === 'devicefarm' &&
        r.action.offeringId === DF &&
        r.action.quantity === quantity,
    ),
  );
}

const requestCount = async () => (await h.bot.store.listRequests({ limit: 200 })).length;
/** One request per offering and action may be open: tests that make one start with none. */
const closeOpen = () => closeOpenRequests(h.bot.store);

const buys = () => h.sim.callsTo('PurchaseOffering').length + h.sim.callsTo('RenewOffering').length;

describe('the request modal', () => {
  it('opens a loading view within the trigger, then the form with offerings', async () => {
    const res = await h.command('purchase', { userId: 'U0ALICE', triggerId: 'trigger-modal-1' });
    expect(res.status).toBe(200);
    const open = await h.slack.waitFor('views.open', () =>
      h.slack.callsTo('views.open').find((c) => c.args.trigger_id === 'trigger-modal-1'),
    );
    expect(open.at - Date.now()).toBeLessThan(3_000);
    const update = await h.slack.waitFor('the form', () => h.slack.callsTo('views.update').at(-1));
    expect(JSON.stringify(update.args.view)).toContain(DF);
  });

  it('shows field errors inline and creates nothing', async () => {
    const before = await requestCount();
    const res = await h.interact(
      viewSubmission({
        callbackId: REQUEST_MODAL_CALLBACK,
        userId: 'U0ALICE',
        privateMetadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
        values: deviceFarmFormValues(DF, '9999', ''),
      }),
    );
    expect(res.status).toBe(200);
    const body = res.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors[QUANTITY_BLOCK]).toMatch(/50/);
    expect(body.errors[REASON_BLOCK]).toBeTruthy();
    expect(await requestCount()).toBe(before);
  });

  it('creates a request from a valid submission', async () => {
    const before = await requestCount();
    const res = await h.interact(
      viewSubmission({
        callbackId: REQUEST_MODAL_CALLBACK,
        userId: 'U0ALICE',
        privateMetadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
        values: deviceFarmFormValues(DF, '2', 'release testing'),
      }),
    );
    expect(res.status).toBe(200);
    const created = await until('the request', async () => {
      const list = await h.bot.store.listRequests({ limit: 200 });
      return list.length > before ? list[0] : undefined;
    });
    expect(created).toMatchObject({
      state: 'pending',
      reason: 'release testing',
      requester: 'U0ALICE',
    });
    expect(created.action).toMatchObject({ offeringId: DF, quantity: 2 });
  });
});

describe('bad input changes nothing', () => {
  it.each([
    ['purchase devicefarm short-id 1', /offering id/i],
    [`purchase devicefarm ${DF} 0`, /quantity/i],
    [`purchase devicefarm ${DF} 51`, /50/],
    [`purchase devicefarm ${DF} 2.5`, /whole number/i],
    [`purchase devicefarm ${DF} 1 abc`, /promotion/i],
    [`renew devicefarm ${DF} -1`, /quantity/i],
    ['renew mediaconnect x y', /MediaConnect/],
    [`purchase mediaconnect ${SEED_IDS.offering10} bad/name`, /name/i],
    [`purchase mediaconnect ${SEED_IDS.offering10} ok 2026-10-31T23:59:59Z`, /start/i],
    [`purchase mediaconnect ${SEED_IDS.offering10} ok 2026-11-22T12:00:01Z`, /start/i],
    [`purchase mediaconnect ${SEED_IDS.offering10} ok 2026-11-22 10:00`, /start|argument/i],
    ['history 0', /1/],
    ['history many', /number/i],
  ])('%j → a specific answer, no request, no AWS purchase', async (text, pattern) => {
    const [requests, purchases] = [await requestCount(), buys()];
    const res = await h.command(text, { userId: 'U0ALICE' });
    expect(res.status).toBe(200);
    expect(blockText(res.json as Record<string, unknown>)).toMatch(pattern);
    expect(await requestCount()).toBe(requests);
    expect(buys()).toBe(purchases);
  });

  describe('checked against AWS', () => {
    beforeEach(closeOpen);
    it.each([
      [`purchase devicefarm ${'f'.repeat(36)} 1`, /does not list this offering/],
      [`purchase devicefarm ${DF} 1 promo-unknown`, /not one of this account's unused promotions/],
      [`purchase mediaconnect ${SEED_IDS.offering10} another 2026-11-22T10:00:00Z`, /active/],
    ])('%j → checked against AWS, refused, nothing created', async (text, pattern) => {
      const [requests, purchases] = [await requestCount(), buys()];
      const res = await h.command(text, { userId: 'U0ALICE' });
      expect(res.status).toBe(200);
      expect(blockText(await h.answerTo(res.responseUrl))).toMatch(pattern);
      expect(await requestCount()).toBe(requests);
      expect(buys()).toBe(purchases);
    });
  });

  it('survives a fuzz run of random command texts: every request acked, nothing bought', async () => {
    const words = [
      'purchase',
      'renew',
      'status',
      'pending',
      'history',
      'devicefarm',
      'mediaconnect',
      DF,
      '0',
      '1',
      '-1',
      '51',
      'x'.repeat(40),
      '<@U1>',
      '&amp;',
      '2026-11-22T00:00:00Z',
      '\u00a0',
      '💸',
      '"',
      '\\',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const texts = Array.from({ length: 600 }, () =>
      Array.from({ length: Math.floor(random() * 6) }, () =>
        random() < 0.8
          ? words[Math.floor(random() * words.length)]
          : String.fromCharCode(Math.floor(random() * 0xffff)),
      ).join(' '),
    );
    const purchases = buys();
    for (let i = 0; i < texts.length; i += 20) {
      const batch = await Promise.all(
        texts.slice(i, i + 20).map((t) => h.command(t, { userId: 'U0FUZZ' })),
      );
      for (const res of batch) expect(res.status).toBe(200);
    }
    // Fuzzed one-line requests may create pending requests; none is ever bought without approval.
    expect(buys()).toBe(purchases);
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('lists and expiry', () => {
  it('/slots pending and /slots history show requests with who asked', async () => {
    await closeOpen();
    await h.command(`purchase devicefarm ${DF} 1`, { userId: 'U0ALICE' });
    await pendingRequest('U0ALICE', 1);
    const res = await h.command('pending', { userId: 'U0BOB' });
    expect(blockText(await h.answerTo(res.responseUrl))).toContain('U0ALICE');
    const hist = await h.command('history 5', { userId: 'U0BOB' });
    expect(blockText(await h.answerTo(hist.responseUrl))).toMatch(/U0ALICE/);
  });

  it('expires a pending request after the TTL; a later approval is refused and buys nothing', async () => {
    await closeOpen();
    const res = await h.command(`purchase devicefarm ${DF} 7`, { userId: 'U0EXPIRY' });
    expect(res.status).toBe(200);
    const request = await pendingRequest('U0EXPIRY', 7);
    h.clock.advance(24 * 3_600_000 + 1);
    try {
      // Approval racing expiry: exactly one of them wins.
      const purchases = buys();
      const responseUrl = h.slack.responseUrl();
      await Promise.all([
        h.bot.requests.expireDue(),
        h.interact(
          buttonClick({
            actionId: APPROVE_ACTION,
            value: request.id,
            userId: 'U0BOB',
            responseUrl,
          }),
        ),
      ]);
      const final = await until('expiry', async () => {
        const r = await h.bot.requests.get(request.id);
        return r?.state === 'expired' ? r : undefined;
      });
      expect(final.state).toBe('expired');
      expect(buys()).toBe(purchases);
      expect(String((await h.answerTo(responseUrl)).text)).toMatch(/expired/);
    } finally {
      h.clock.advance(-(24 * 3_600_000 + 1));
    }
  });
});

describe('restart with a request left executing', () => {
  it.each([
    ['AWS bought it before the crash', true, 'succeeded'],
    ['AWS never received it', false, 'failed'],
  ] as const)(
    '%s → reconciled (%s bought) to %s, never bought again',
    async (_name, bought, outcome) => {
      await closeOpen();
      const quantity = bought ? 4 : 5;
      const res = await h.command(`purchase devicefarm ${DF} ${quantity}`, {
        userId: 'U0RESTART',
      });
      expect(res.status).toBe(200);
      const request = await pendingRequest('U0RESTART', quantity);
      // The process that approved it wrote `executing` and stopped: after stamping the call and
      // sending it (AWS bought), or before sending anything (no call stamp).
      const started = new Date(h.clock().getTime() - (bought ? 60_000 : 5 * 60_000));
      const claimed = await h.bot.store.transition(request.id, {
        from: ['pending'],
        to: 'executing',
        patch: {
          decidedBy: 'U0BOB',
          decidedAt: started,
          executionStartedAt: started,
          ...(bought && { callStartedAt: started }),
        },
        event: { actor: 'U0BOB', type: 'approved' },
      });
      expect(claimed.applied).toBe(true);
      if (bought) {
        const client = new DeviceFarmClient({
          region: 'us-west-2',
          endpoint: h.sim.url,
          maxAttempts: 1,
        });
        await client.send(new PurchaseOfferingCommand({ offeringId: DF, quantity }));
        client.destroy();
      }
      const purchases = buys();
      await h.restart();
      const final = await until(`reconciliation to ${outcome}`, async () => {
        const r = await h.bot.requests.get(request.id);
        return r?.state === outcome ? r : undefined;
      });
      expect(buys()).toBe(purchases);
      expect(final.outcome?.source).toBe('reconciliation');
      if (bought) expect(final.outcome?.transactionId).toBeTruthy();
    },
  );
});

describe('switching service in the purchase form', () => {
  it('redraws the form for MediaConnect', async () => {
    const updates = h.slack.callsTo('views.update').length;
    const res = await h.interact({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      team: { id: 'T1', domain: 'test' },
      trigger_id: 'trigger-switch',
      container: { type: 'view', view_id: 'V1' },
      view: {
        id: 'V1',
        hash: 'h1',
        type: 'modal',
        callback_id: REQUEST_MODAL_CALLBACK,
        private_metadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
        state: { values: {} },
        blocks: [],
      },
      actions: [
        {
          type: 'radio_buttons',
          action_id: SERVICE_ACTION,
          block_id: 'request_service',
          selected_option: {
            value: 'mediaconnect',
            text: { type: 'plain_text', text: 'MediaConnect' },
          },
          action_ts: '1',
        },
      ],
    });
    expect(res.status).toBe(200);
    const update = await h.slack.waitFor(
      'the redrawn form',
      () => h.slack.callsTo('views.update').slice(updates)[0],
    );
    expect(update.args.view_id).toBe('V1');
    expect(JSON.stringify(update.args.view)).toContain(SEED_IDS.offering10);
  });
});
