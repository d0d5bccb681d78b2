/**
 * Who is an approver or an allowed requester: configured user ids, plus members of configured
 * user groups, resolved with `usergroups.users.list` at click time and cached briefly so a burst
 * of clicks costs one lookup (the method is rate-limited at Tier 2).
 */
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import type { Directory } from '../requests/service.js';

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
  readonly logger: Logger;
  readonly cacheMs?: number;
}

const isGroup = (id: string) => id.startsWith('S');

export function createDirectory(deps: DirectoryDeps): Directory {
  const log = deps.logger.child({ module: 'directory' });
  const cacheMs = deps.cacheMs ?? 60_000;
  const cache = new Map<string, { members: ReadonlySet<string>; at: number }>();

  async function members(group: string): Promise<ReadonlySet<string>> {
    const now = deps.clock().getTime();
    const cached = cache.get(group);
    if (cached && now - cached.at < cacheMs) return cached.members;
    try {
      const result = await deps.slack.usergroups.users.list({ usergroup: group });
      const fresh = new Set(result.users ?? []);
      cache.set(group, { members: fresh, at: now });
      return fresh;
    } catch (err) {
      // Failing closed: an unreadable group grants nothing. A stale answer is better than none.
      log.warn({ err, group }, 'could not read user group members');
      return cached?.members ?? new Set();
    }
  }

  async function inList(list: readonly string[], user: string): Promise<boolean> {
    if (list.includes(user)) return true;
    for (const group of list.filter(isGroup)) {
      if ((await members(group)).has(user)) return true;
    }
    return false;
  }

  return {
    isApprover: (user) => inList(deps.approvers, user),
    mayRequest: async (user) => deps.requesters.length === 0 || inList(deps.requesters, user),
  };
}
