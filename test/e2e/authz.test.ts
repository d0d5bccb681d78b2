/**
 * Authorisation fails closed, end to end: approver user groups read from the fake Slack at click
 * time and trusted for a minute at most, group ids never taken for users, and requests from
 * another workspace, Enterprise Grid org or app refused before anything reads or writes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import { NOT_INSTALLED_TEXT } from '../../src/slack/workspace-guard.js';
import { buttonValues } from '../helpers/blocks.js';
import { FAKE_APP_ID, FAKE_TEAM_ID, waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { buttonClick } from '../helpers/payloads.js';
import { signedPost, slashCommandPayload } from '../helpers/slack-requests.js';

const ALICE = 'U0ALICE'; // requester
const BOB = 'U0BOB'; // approver by id
const ERIN = 'U0ERIN'; // approver through the user group S0APPROVERS
const GROUP = 'S0APPROVERS';
const MINUTE = 60_000;

let h: Harness;
const groupMembers = new Map<string, string[]>();

beforeAll(async () => {
  h = await startHarness();
  h.slack.handle('usergroups.users.list', (args) => ({
    users: groupMembers.get(String(args.usergroup)) ?? [],
  }));
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => {
  h.sim.clearFaults();
  h.slack.clearFaults();
  groupMembers.set(GROUP, [ERIN]);
  // Whatever an earlier test read is more than a minute old now.
  h.clock.advance(MINUTE);
});

const purchases = () => h.sim.callsTo('PurchaseOffering', 'devicefarm').length;
const lookups = () => h.slack.callsTo('usergroups.users.list').length;

/** A pending request for `offering`, by Alice; returns its id from the card. */
async function request(offering: string): Promise<string> {
  const before = h.slack.callsTo('chat.postMessage').length;
  const res = await h.command(`purchase devicefarm ${offering} 1`, { userId: ALICE });
  expect(res.status).toBe(200);
  return h.slack.waitFor('the request card', () =>
    h.slack
      .callsTo('chat.postMessage')
      .slice(before)
      .map((c) => buttonValues(c.args, APPROVE_ACTION)[0])
      .find(Boolean),
  );
}

async function approve(id: string, user: string, patch: Record<string, unknown> = {}) {
  const responseUrl = h.slack.responseUrl();
  const res = await h.interact({
    ...buttonClick({ actionId: APPROVE_ACTION, value: id, userId: user, responseUrl }),
    ...patch,
  });
  return { res, responseUrl };
}

/** Cancels a request left pending, so its offering can be asked for again. */
async function cancel(id: string) {
  await h.bot.requests.cancel(ALICE, id);
}

/** Waits until the bot has had every chance to act on a click, then says what it did. */
async function settled(id: string) {
  await h.bot.outbox.deliverDue();
  return (await h.bot.requests.get(id))!;
}

describe('user-group membership', () => {
  it('a member removed from the approvers group cannot approve once the membership is a minute old', async () => {
    const first = await request(SEED_IDS.androidRemote);
    const before = purchases();
    await approve(first, ERIN);
    await waitForAsync('the first approval to buy', async () =>
      (await h.bot.requests.get(first))?.state === 'succeeded' ? true : undefined,
    );
    expect(purchases()).toBe(before + 1);

    groupMembers.set(GROUP, []);
    const second = await request(SEED_IDS.iosRemote);
    h.clock.advance(MINUTE);
    const read = lookups();
    const { res, responseUrl } = await approve(second, ERIN);
    expect(res.status).toBe(200);
    const answer = await h.answerTo(responseUrl);
    expect(String(answer.text)).toContain('Only the configured approvers');
    expect(lookups()).toBe(read + 1);
    expect((await settled(second)).state).toBe('pending');
    expect(purchases()).toBe(before + 1);
    await cancel(second);
  });

  it('Slack failing after the cache age: the click is refused and AWS is not called', async () => {
    const id = await request(SEED_IDS.androidAutomated);
    // A fresh read that says Erin is an approver...
    expect(await h.bot.requests.mayReject(ERIN, id)).toMatchObject({ ok: true });
    // ...is not trusted a minute later, when Slack cannot be read.
    h.slack.fail('usergroups.users.list', { error: 'internal_error' });
    h.clock.advance(MINUTE);
    const before = purchases();
    const { res, responseUrl } = await approve(id, ERIN);
    expect(res.status).toBe(200);
    const answer = await h.answerTo(responseUrl);
    expect(String(answer.text)).toMatch(/could not check that you may approve; try again/i);
    expect(h.slack.callsTo('usergroups.users.list').at(-1)?.failed).toBe(true);
    expect((await settled(id)).state).toBe('pending');
    expect(purchases()).toBe(before);

    // Slack back: Erin may approve again, and it is bought once.
    h.slack.clearFaults();
    await approve(id, ERIN);
    await waitForAsync('the approval to buy', async () =>
      (await h.bot.requests.get(id))?.state === 'succeeded' ? true : undefined,
    );
    expect(purchases()).toBe(before + 1);
  });

  it('a group id sent as the clicking user is not an approver, though the group is listed', async () => {
    const id = await request(SEED_IDS.iosAutomated);
    const before = purchases();
    const { res, responseUrl } = await approve(id, GROUP);
    expect(res.status).toBe(200);
    const answer = await h.answerTo(responseUrl);
    expect(String(answer.text)).toContain('Only the configured approvers');
    expect((await settled(id)).state).toBe('pending');
    expect(purchases()).toBe(before);
    await cancel(id);
  });
});

/**
 * Nothing reached AWS or Slack (beyond the ack) and nobody was answered on the response_url; one
 * warning was logged, of this kind. Returns the warning line.
 */
function expectRefusedQuietly(
  before: { aws: number; slack: number; logs: number },
  responseUrl: string,
  kind: 'action' | 'command',
): string {
  expect(h.sim.calls.length).toBe(before.aws);
  expect(h.slack.calls.length).toBe(before.slack);
  expect(h.slack.responsesTo(responseUrl)).toHaveLength(0);
  const warning = h.logs.slice(before.logs).find((l) => l.includes('outside this installation'));
  expect(warning).toBeDefined();
  expect(JSON.parse(warning!)).toMatchObject({ level: 'warn', kind });
  return warning!;
}

describe('requests from outside this installation', () => {
  let id: string;
  beforeAll(async () => {
    id = await request(SEED_IDS.androidPrivate);
  });
  afterAll(async () => {
    await cancel(id);
  });

  const foreignClicks: [string, Record<string, unknown>][] = [
    [
      'another team',
      { team: { id: 'T2OTHER', domain: 'other' }, user: { id: BOB, team_id: 'T2OTHER' } },
    ],
    ['another enterprise', { enterprise: { id: 'E2OTHER' } }],
    ['another app', { api_app_id: 'A2OTHER' }],
    ['no app at all', { api_app_id: undefined }],
  ];

  it.each(foreignClicks)(
    'a click from %s is acked, logged and does nothing',
    async (what, patch) => {
      const before = { aws: h.sim.calls.length, slack: h.slack.calls.length, logs: h.logs.length };
      const { res, responseUrl } = await approve(id, BOB, patch);
      expect(res.status, what).toBe(200);
      expect(res.elapsedMs).toBeLessThan(3_000);
      expect((await settled(id)).state).toBe('pending');
      expectRefusedQuietly(before, responseUrl, 'action');
    },
  );

  const foreignCommands: [string, Record<string, string>][] = [
    ['another team', { team_id: 'T2OTHER' }],
    ['another enterprise', { enterprise_id: 'E2OTHER' }],
    ['another app', { api_app_id: 'A2OTHER' }],
  ];

  it.each(foreignCommands)(
    'a command from %s is refused, and creates nothing',
    async (_what, patch) => {
      const before = {
        requests: (await h.bot.store.listRequests({ limit: 200 })).length,
        aws: h.sim.calls.length,
        slack: h.slack.calls.length,
        logs: h.logs.length,
      };
      const responseUrl = h.slack.responseUrl();
      const fields = {
        ...slashCommandPayload({
          text: `purchase devicefarm ${SEED_IDS.androidRemote} 1`,
          responseUrl,
          userId: ALICE,
        }),
        ...patch,
      };
      const res = await signedPost(
        h.eventsUrl,
        new URLSearchParams(fields).toString(),
        'application/x-www-form-urlencoded',
      );
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ response_type: 'ephemeral', text: NOT_INSTALLED_TEXT });
      await h.bot.outbox.deliverDue();
      expect((await h.bot.store.listRequests({ limit: 200 })).length).toBe(before.requests);
      const warning = expectRefusedQuietly(before, responseUrl, 'command');
      // Ids, never the command's text.
      expect(warning).not.toContain('purchase devicefarm');
    },
  );

  it('an event from another team is not acted on', async () => {
    const publishes = h.slack.callsTo('views.publish').length;
    const event = (team: string) =>
      JSON.stringify({
        token: 'legacy-verification-token',
        team_id: team,
        api_app_id: FAKE_APP_ID,
        type: 'event_callback',
        event_id: `Ev${team}${Date.now()}`,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_home_opened', user: ALICE, tab: 'home', channel: 'D0HOME' },
      });
    const foreign = await signedPost(h.eventsUrl, event('T2OTHER'), 'application/json');
    expect(foreign.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.callsTo('views.publish')).toHaveLength(publishes);
    // The same event from this workspace is.
    await signedPost(h.eventsUrl, event(FAKE_TEAM_ID), 'application/json');
    await h.slack.waitFor('the home tab', () => h.slack.callsTo('views.publish')[publishes]);
  });
});

describe('an org-wide install on Enterprise Grid', () => {
  beforeAll(async () => {
    h.slack.handle('auth.test', () => ({
      user_id: 'UBOT',
      bot_id: 'BBOT',
      team: 'Org',
      enterprise_id: 'E1ORG',
      is_enterprise_install: true,
      app_id: FAKE_APP_ID,
    }));
    await h.restart();
  });

  const help = (patch: Record<string, string>) => {
    const fields = {
      ...slashCommandPayload({ text: 'help', responseUrl: h.slack.responseUrl(), userId: ALICE }),
      ...patch,
    };
    return signedPost(
      h.eventsUrl,
      new URLSearchParams(fields).toString(),
      'application/x-www-form-urlencoded',
    );
  };

  it('takes the app id from auth.test when it is there', () => {
    // bots.info was asked once, for the first start; not again.
    expect(h.slack.callsTo('bots.info')).toHaveLength(1);
  });

  it('serves every workspace of the org and compares the enterprise id only', async () => {
    const ours = await help({ team_id: 'T9ANYWORKSPACE', enterprise_id: 'E1ORG' });
    expect(JSON.stringify(ours.json)).toContain('/slots status');
    const foreign = await help({ team_id: 'T9ANYWORKSPACE', enterprise_id: 'E2OTHER' });
    expect(foreign.json).toMatchObject({ text: NOT_INSTALLED_TEXT });
    const none = await help({ team_id: FAKE_TEAM_ID });
    expect(none.json).toMatchObject({ text: NOT_INSTALLED_TEXT });
  });
});
