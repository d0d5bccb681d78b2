import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../capacity/reports.js';
import type { PurchaseRequest } from '../domain/requests.js';
import { createLogger } from '../logger.js';
import { DirectoryUnavailableError } from '../requests/directory.js';
import type { ListRequestsQuery } from '../store/store.js';
import { createHomeTab, type HomeTabDeps } from './home.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const REPORT: StatusReport = { now: NOW, devicefarm: { ok: true, value: [] } };

function request(id: string, requester: string): PurchaseRequest {
  return {
    id,
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: 'o-1', quantity: 1 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android slot',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '250000000',
      commitsPeriod: 'month',
    },
    requester,
    reason: 'tests',
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 3_600_000),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
  };
}

interface Published {
  user: string;
  text: string;
}

function setUp(over: Partial<HomeTabDeps> & { failPublish?: boolean; publishMs?: number } = {}) {
  let now = NOW.getTime();
  const published: Published[] = [];
  const logs: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const requests = [request('R0000001', 'U0ALICE')];
  const home = createHomeTab({
    slack: {
      views: {
        async publish({ user_id, view }) {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, over.publishMs ?? 1));
          inFlight -= 1;
          if (over.failPublish) {
            throw Object.assign(new Error('An API error occurred: invalid_blocks'), {
              code: 'slack_webapi_platform_error',
              data: { ok: false, error: 'invalid_blocks' },
            });
          }
          published.push({ user: user_id, text: JSON.stringify(view.blocks) });
        },
      },
    },
    reports: { status: async () => REPORT },
    store: {
      // Ignores `requester`, as a store without the filter would: the Home tab filters again.
      listRequests: async (q?: ListRequestsQuery) =>
        requests.filter((r) => !q?.states || q.states.includes(r.state)),
    },
    directory: { isApprover: async (user) => user === 'U0BOB' },
    clock: () => new Date(now),
    logger: createLogger({ level: 'debug', destination: { write: (l: string) => logs.push(l) } }),
    debounceMs: 20,
    ...over,
  });
  return {
    home,
    published,
    logs,
    requests,
    maxInFlight: () => maxInFlight,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const settle = (ms = 80) => new Promise((r) => setTimeout(r, ms));

describe('createHomeTab', () => {
  it('publishes at once when someone opens the tab, with their own requests only', async () => {
    const t = setUp();
    await t.home.opened('U0ALICE');
    await t.home.opened('U0DAVE');
    expect(t.published.map((p) => p.user)).toEqual(['U0ALICE', 'U0DAVE']);
    expect(t.published[0]!.text).toContain('R0000001');
    expect(t.published[1]!.text).not.toContain('R0000001');
    expect(t.published[1]!.text).not.toContain('Waiting for your approval');
  });

  it('shows an approver what waits for them', async () => {
    const t = setUp();
    await t.home.opened('U0BOB');
    expect(t.published[0]!.text).toContain('Waiting for your approval');
    expect(t.published[0]!.text).toContain('request_approve');
  });

  it('turns a burst of changes into one publish per remembered viewer', async () => {
    const t = setUp();
    await t.home.opened('U0ALICE');
    await t.home.opened('U0BOB');
    t.published.length = 0;
    for (let i = 0; i < 5; i++) t.home.changed(request('R0000001', 'U0ALICE'));
    expect(t.published).toHaveLength(0);
    await settle();
    expect(t.published.map((p) => p.user).sort()).toEqual(['U0ALICE', 'U0BOB']);
  });

  it('refreshes the requester and approvers, not others, whose tab is fresh at their next visit', async () => {
    const t = setUp();
    await t.home.opened('U0ALICE');
    await t.home.opened('U0BOB');
    await t.home.opened('U0DAVE');
    t.published.length = 0;
    t.home.changed(request('R0000001', 'U0ALICE'));
    await settle();
    expect(t.published.map((p) => p.user).sort()).toEqual(['U0ALICE', 'U0BOB']);
  });

  it('pauses publishing for as long as Slack asks when it rate-limits', async () => {
    let limited = true;
    const published: string[] = [];
    const t = setUp({
      slack: {
        views: {
          async publish({ user_id }) {
            if (limited) {
              throw Object.assign(new Error('A rate limit was exceeded'), {
                code: 'slack_webapi_rate_limited_error',
                retryAfter: 30,
              });
            }
            published.push(user_id);
          },
        },
      },
    });
    await t.home.opened('U0ALICE');
    limited = false;
    await t.home.opened('U0ALICE');
    expect(published).toEqual([]);
    t.advance(31_000);
    await t.home.opened('U0ALICE');
    expect(published).toEqual(['U0ALICE']);
    expect(t.logs.filter((l) => l.includes('could not publish the Home tab'))).toHaveLength(1);
  });

  it('forgets viewers after a day, and keeps at most the most recent ones', async () => {
    const t = setUp({ viewersMax: 2, directory: { isApprover: async () => true } });
    await t.home.opened('U0OLD');
    t.advance(25 * 3_600_000);
    await t.home.opened('U0ALICE');
    await t.home.opened('U0BOB');
    await t.home.opened('U0CAROL');
    t.published.length = 0;
    t.home.changed(request('R0000001', 'U0ALICE'));
    await settle();
    expect(t.published.map((p) => p.user).sort()).toEqual(['U0BOB', 'U0CAROL']);
  });

  it('publishes a few at a time', async () => {
    const t = setUp({
      concurrency: 2,
      publishMs: 10,
      directory: { isApprover: async () => true },
    });
    for (let i = 0; i < 8; i++) await t.home.refresh(`U0USER${i}`);
    t.home.changed(request('R0000001', 'U0ALICE'));
    await settle(200);
    expect(t.published).toHaveLength(16);
    expect(t.maxInFlight()).toBeLessThanOrEqual(2);
  });

  it('keeps the answer to a click on top until the tab is opened again', async () => {
    const t = setUp();
    await t.home.notify('U0BOB', 'Your approval of R0000001 is recorded: 1 of 2.');
    expect(t.published.at(-1)!.text).toContain('Your approval of R0000001 is recorded');
    t.home.changed(request('R0000001', 'U0ALICE'));
    await settle();
    expect(t.published.at(-1)!.text).toContain('Your approval of R0000001 is recorded');
    await t.home.opened('U0BOB');
    expect(t.published.at(-1)!.text).not.toContain('Your approval of R0000001 is recorded');
  });

  it('logs a failed publish by Slack error code, without the view, and carries on', async () => {
    const t = setUp({ failPublish: true });
    await expect(t.home.opened('U0ALICE')).resolves.toBeUndefined();
    const line = t.logs.find((l) => l.includes('could not publish the Home tab'))!;
    expect(JSON.parse(line)).toMatchObject({ user: 'U0ALICE', reason: 'invalid_blocks' });
    expect(line).not.toContain('R0000001');
    expect(() => t.home.changed(request('R0000001', 'U0ALICE'))).not.toThrow();
  });

  it('says so when Slack cannot tell whether the viewer approves, and shows no buttons', async () => {
    const t = setUp({
      directory: {
        isApprover: async () => {
          throw new DirectoryUnavailableError('usergroups.users.list failed');
        },
      },
    });
    await t.home.opened('U0BOB');
    expect(t.published[0]!.text).toContain('could not check with Slack whether you may approve');
    expect(t.published[0]!.text).not.toContain('request_approve');
  });

  it('publishes nothing once stopped', async () => {
    const t = setUp();
    await t.home.opened('U0ALICE');
    t.published.length = 0;
    t.home.changed(request('R0000001', 'U0ALICE'));
    await t.home.stop();
    await settle();
    expect(t.published).toHaveLength(0);
  });
});
