/**
 * Who is an approver or an allowed requester: configured user ids, plus members of configured
 * user groups, resolved with `usergroups.users.list` at click time. A membership is trusted for
 * at most a minute (the method is rate-limited at Tier 2, so a burst of clicks shares one
 * lookup); after that it must be read again, and if Slack cannot be read the answer is
 * `DirectoryUnavailableError`, never an older membership: authorisation fails closed.
 */
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import { type Directory, DirectoryUnavailableError } from '../requests/directory.js';

export interface UserGroupsApi {
  usergroups: {
    users: {
      list(args: { usergroup: string }): Promise<{ users?: string[] }>;
    };
  };
}

export interface DirectoryDeps {
  readonly slack: UserGroupsApi;
  /** User ids (U…/W…) and user-group ids (S…). */
  readonly approvers: readonly string[];
  /** Same form; empty means anyone may request. */
  readonly requesters: readonly string[];
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'child'>;
  /** How long a membership read is reused before asking Slack again; capped at a minute. */
  readonly cacheMs?: number;
  /** How long one `usergroups.users.list` may take before it counts as failed. */
  readonly lookupTimeoutMs?: number;
}

/** No membership older than this decides anything, whatever `cacheMs` says. */
export const MEMBERSHIP_TRUST_MS = 60_000;
const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

/** Slack user ids: `U…` in a workspace, `W…` on Enterprise Grid. */
export const isUserId = (id: string) => /^[UW][A-Z0-9]+$/.test(id);
/** User-group ids. A group id is never a user, even when it arrives as the clicking user. */
export const isGroupId = (id: string) => /^S[A-Z0-9]+$/.test(id);

interface Membership {
  readonly members: ReadonlySet<string>;
  /** When the lookup that produced it started: the membership is at least this old. */
  readonly at: number;
}

export function createDirectory(deps: DirectoryDeps): Directory {
  const log = deps.logger.child({ module: 'directory' });
  const cacheMs = Math.min(deps.cacheMs ?? MEMBERSHIP_TRUST_MS, MEMBERSHIP_TRUST_MS);
  const timeoutMs = deps.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  const read = new Map<string, Membership>();
  const pending = new Map<string, Promise<Membership>>();

  function lookUp(group: string): Promise<Membership> {
    let lookup = pending.get(group);
    if (!lookup) {
      const at = deps.clock().getTime();
      lookup = withTimeout(deps.slack.usergroups.users.list({ usergroup: group }), timeoutMs)
        .then((result) => {
          const membership = { members: new Set(result.users ?? []), at };
          read.set(group, membership);
          return membership;
        })
        .finally(() => pending.delete(group));
      pending.set(group, lookup);
    }
    return lookup;
  }

  async function members(group: string): Promise<ReadonlySet<string>> {
    const age = (m: Membership | undefined) =>
      m === undefined ? Number.POSITIVE_INFINITY : deps.clock().getTime() - m.at;
    const known = read.get(group);
    if (age(known) < cacheMs) return known!.members;
    try {
      return (await lookUp(group)).members;
    } catch (err) {
      // A read from within the last minute still holds (possible when `cacheMs` is shorter);
      // anything older says nothing about who may approve now.
      const last = read.get(group);
      if (age(last) < MEMBERSHIP_TRUST_MS) {
        log.warn(
          { err, group },
          'could not read user group members; using a read from the last minute',
        );
        return last!.members;
      }
      log.warn({ err, group }, 'could not read user group members; refusing to decide');
      throw new DirectoryUnavailableError(`user group ${group} could not be read`);
    }
  }

  async function inList(list: readonly string[], user: string): Promise<boolean> {
    if (!isUserId(user)) return false;
    if (list.some((id) => isUserId(id) && id === user)) return true;
    const groups = list.filter(isGroupId);
    const results = await Promise.allSettled(groups.map((g) => members(g)));
    if (results.some((r) => r.status === 'fulfilled' && r.value.has(user))) return true;
    // Not found in the groups that could be read: if one could not, the answer is unknown.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return false;
  }

  return {
    isApprover: (user) => inList(deps.approvers, user),
    mayRequest: async (user) =>
      deps.requesters.length === 0 ? isUserId(user) : inList(deps.requesters, user),
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
