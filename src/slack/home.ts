/**
 * The App Home tab, published per person: when they open it, when a request changes while they
 * may be looking at it, and right after they click a button on it (with the answer at the top).
 *
 * Who opened the tab is remembered in memory only (the last 200 people within a day), so a
 * change refreshes the tabs this process published. A change concerns its requester and the
 * approvers (what waits for them); anyone else sees the account afresh the next time they open
 * the tab, since Slack sends `app_home_opened` on every visit. That keeps publishes within
 * `views.publish`'s rate limit on a busy workspace. A burst of changes becomes one publish per
 * person; publishes run a few at a time, one at a time per person (so the last one published is
 * the freshest), and a failure is logged and dropped: a Home tab is never worth failing or
 * delaying the change that made it stale. When Slack rate-limits, publishing pauses for as long
 * as Slack asks.
 */
import type { App, types } from '@slack/bolt';
import type { Reports } from '../capacity/reports.js';
import type { PurchaseRequest } from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import { type Directory, isDirectoryUnavailable } from '../requests/directory.js';
import type { Store } from '../store/store.js';
import { awaitingApprovalBy, homeView, OWN_SHOWN, type Readable } from './views/home.js';

export interface HomePublisher {
  views: { publish(args: { user_id: string; view: types.HomeView }): Promise<unknown> };
}

export interface HomeTabDeps {
  readonly slack: HomePublisher;
  readonly reports: Pick<Reports, 'status'>;
  readonly store: Pick<Store, 'listRequests'>;
  readonly directory: Pick<Directory, 'isApprover'>;
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'child'>;
  /** SLOTS_DRY_RUN: the banner on top. */
  readonly dryRun?: boolean;
  /** Changes within this window are published together. */
  readonly debounceMs?: number;
  /** Publishes under way at once. */
  readonly concurrency?: number;
  /** People remembered, and for how long after they last opened the tab. */
  readonly viewersMax?: number;
  readonly viewerTtlMs?: number;
  /** How long the answer to a click stays on top of the tab. */
  readonly noticeTtlMs?: number;
}

export interface HomeTab {
  /** Someone opened the tab: remembered, and published now. */
  opened(user: string): Promise<void>;
  /** A request changed: every remembered viewer's tab is published again, soon. Never throws. */
  changed(request: PurchaseRequest): void;
  /** Answers a click made on the tab: `mrkdwn` on top of the person's tab, published now. */
  notify(user: string, mrkdwn: string): Promise<void>;
  /** Publishes one person's tab now (it is remembered from then on). */
  refresh(user: string): Promise<void>;
  /** Stops the debounce timer and waits for publishes under way. */
  stop(): Promise<void>;
}

export const HOME_DEBOUNCE_MS = 1_500;
const CONCURRENCY = 4;
const VIEWERS_MAX = 200;
const VIEWER_TTL_MS = 24 * 3_600_000;
const NOTICE_TTL_MS = 5 * 60_000;
/** One more than the Home tab shows, so it can say there are older ones. */
const OWN_READ = OWN_SHOWN + 1;
/** Pending requests read to find those waiting for one approver. */
const PENDING_READ = 200;

export function createHomeTab(deps: HomeTabDeps): HomeTab {
  const log = deps.logger.child({ module: 'home' });
  const debounceMs = deps.debounceMs ?? HOME_DEBOUNCE_MS;
  const concurrency = Math.max(1, deps.concurrency ?? CONCURRENCY);
  const viewersMax = deps.viewersMax ?? VIEWERS_MAX;
  const viewerTtlMs = deps.viewerTtlMs ?? VIEWER_TTL_MS;
  const noticeTtlMs = deps.noticeTtlMs ?? NOTICE_TTL_MS;
  const now = () => deps.clock().getTime();

  /**
   * User → when they last opened the tab, and whether they were an approver when it was last
   * built (unknown until then); insertion order is recency order.
   */
  const viewers = new Map<string, { at: number; approver?: boolean }>();
  const notices = new Map<string, { text: string; at: number }>();
  /** The publish under way or queued per user, so one person's publishes never overlap. */
  const chains = new Map<string, Promise<void>>();
  const due = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let stopped = false;
  let rateLimitedUntil = 0;

  const remember = (user: string) => {
    const approver = viewers.get(user)?.approver;
    viewers.delete(user);
    viewers.set(user, { at: now(), ...(approver !== undefined && { approver }) });
    while (viewers.size > viewersMax) {
      const oldest = viewers.keys().next().value;
      if (oldest === undefined) break;
      viewers.delete(oldest);
      notices.delete(oldest);
    }
  };

  const forgetStale = () => {
    const cutoff = now() - viewerTtlMs;
    for (const [user, { at }] of viewers) {
      if (at >= cutoff) break;
      viewers.delete(user);
      notices.delete(user);
    }
  };

  const noticeFor = (user: string): string | undefined => {
    const notice = notices.get(user);
    if (!notice) return undefined;
    if (now() - notice.at > noticeTtlMs) {
      notices.delete(user);
      return undefined;
    }
    return notice.text;
  };

  async function build(user: string): Promise<types.HomeView> {
    const at = deps.clock();
    const [status, own, toApprove] = await Promise.all([
      readable(() => deps.reports.status(), 'AWS did not answer; open the tab again in a minute.'),
      readable(
        async () =>
          // The filter is applied here too, so a store that ignores it cannot show others' requests.
          (await deps.store.listRequests({ requester: user, limit: OWN_READ })).filter(
            (r) => r.requester === user,
          ),
        'The database did not answer; open the tab again in a minute.',
      ),
      approvalsFor(user, at),
    ]);
    const notice = noticeFor(user);
    return homeView({
      viewer: user,
      now: at,
      dryRun: deps.dryRun === true,
      status,
      own,
      ...(toApprove && { toApprove }),
      ...(notice && { notice }),
    });
  }

  async function approvalsFor(
    user: string,
    at: Date,
  ): Promise<Readable<readonly PurchaseRequest[]> | undefined> {
    let approver: boolean;
    try {
      approver = await deps.directory.isApprover(user);
    } catch (err) {
      if (!isDirectoryUnavailable(err)) log.warn({ err, user }, 'could not check an approver');
      return {
        ok: false,
        reason:
          'slots-bot could not check with Slack whether you may approve; open the tab again in a minute.',
      };
    }
    const seen = viewers.get(user);
    if (seen) seen.approver = approver;
    if (!approver) return undefined;
    return readable(
      async () =>
        awaitingApprovalBy(
          user,
          await deps.store.listRequests({ states: ['pending'], limit: PENDING_READ }),
          at,
        ),
      'The database did not answer; open the tab again in a minute.',
    );
  }

  async function readable<T>(read: () => Promise<T>, reason: string): Promise<Readable<T>> {
    try {
      return { ok: true, value: await read() };
    } catch (err) {
      log.warn({ err }, 'could not read a part of the Home tab');
      return { ok: false, reason };
    }
  }

  /** Publishes `user`'s tab after any publish of theirs already under way. Never rejects. */
  function publish(user: string): Promise<void> {
    const previous = chains.get(user) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (now() < rateLimitedUntil) {
        log.debug({ user }, 'Home tab not published: Slack asked to wait');
        return;
      }
      try {
        const view = await build(user);
        await deps.slack.views.publish({ user_id: user, view });
      } catch (err) {
        const retryAfter = (err as { retryAfter?: unknown }).retryAfter;
        if (typeof retryAfter === 'number') {
          rateLimitedUntil = now() + retryAfter * 1_000;
        }
        log.warn({ user, reason: slackReason(err) }, 'could not publish the Home tab');
      }
    });
    chains.set(user, next);
    void next.then(() => {
      if (chains.get(user) === next) chains.delete(user);
    });
    return next;
  }

  async function flush(): Promise<void> {
    timer = undefined;
    const users = [...due];
    due.clear();
    let i = 0;
    const worker = async () => {
      while (i < users.length && !stopped) {
        const user = users[i++]!;
        await publish(user);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker));
  }

  function schedule(): void {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      const run = (flushing ?? Promise.resolve()).then(flush);
      flushing = run;
      void run.then(() => {
        if (flushing === run) flushing = undefined;
      });
    }, debounceMs);
    timer.unref();
  }

  return {
    async opened(user) {
      // A fresh visit starts without the answer to an earlier click.
      notices.delete(user);
      remember(user);
      await publish(user);
    },
    changed(request) {
      try {
        forgetStale();
        for (const [user, { approver }] of viewers) {
          if (user === request.requester || approver !== false) due.add(user);
        }
        if (due.size > 0) schedule();
      } catch (err) {
        log.warn({ err, requestId: request.id }, 'could not schedule Home tab refreshes');
      }
    },
    async notify(user, mrkdwn) {
      notices.set(user, { text: mrkdwn, at: now() });
      remember(user);
      await publish(user);
    },
    async refresh(user) {
      remember(user);
      await publish(user);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      due.clear();
      await flushing;
      await Promise.all(chains.values());
    },
  };
}

/** Slack's error code (or the error's name): never a message, which may quote the view. */
function slackReason(err: unknown): string {
  const e = err as { data?: { error?: unknown }; code?: unknown; name?: unknown } | undefined;
  if (typeof e?.data?.error === 'string') return e.data.error;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.name === 'string' ? e.name : 'unknown';
}

export function registerHome(app: App, home: HomeTab): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await home.opened(event.user);
  });
}
