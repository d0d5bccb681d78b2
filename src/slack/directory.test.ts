import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { isDirectoryUnavailable } from '../requests/directory.js';
import { createDirectory, type DirectoryDeps } from './directory.js';

type Answer = string[] | 'fail' | 'hang';

function setup(
  opts: {
    requesters?: string[];
    approvers?: string[];
    cacheMs?: number;
    lookupTimeoutMs?: number;
  } = {},
) {
  let now = 0;
  const lookups: string[] = [];
  const groups = new Map<string, Answer>([
    ['S0APPROVERS', ['U0ERIN']],
    ['S0TEAM', ['U0FRANK']],
  ]);
  const deps: DirectoryDeps = {
    slack: {
      usergroups: {
        users: {
          list: async ({ usergroup }) => {
            lookups.push(usergroup);
            const answer = groups.get(usergroup) ?? [];
            if (answer === 'fail') throw new Error('slack down');
            if (answer === 'hang') return new Promise(() => {});
            return { users: [...answer] };
          },
        },
      },
    },
    approvers: opts.approvers ?? ['U0BOB', 'S0APPROVERS'],
    requesters: opts.requesters ?? [],
    clock: () => new Date(now),
    logger: createLogger({ level: 'silent' }),
    ...(opts.cacheMs !== undefined && { cacheMs: opts.cacheMs }),
    ...(opts.lookupTimeoutMs !== undefined && { lookupTimeoutMs: opts.lookupTimeoutMs }),
  };
  const directory = createDirectory(deps);
  const advance = (ms: number) => {
    now += ms;
  };
  const answer = (group: string, a: Answer) => void groups.set(group, a);
  return { directory, lookups, advance, answer };
}

async function unavailable(check: Promise<boolean>): Promise<boolean> {
  try {
    await check;
    return false;
  } catch (e) {
    return isDirectoryUnavailable(e);
  }
}

describe('createDirectory', () => {
  it('knows approvers by id and through user groups, without asking Slack for listed ids', async () => {
    const { directory, lookups } = setup();
    expect(await directory.isApprover('U0BOB')).toBe(true);
    expect(lookups).toEqual([]);
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    expect(await directory.isApprover('U0DAVE')).toBe(false);
  });

  it('reuses a membership for under a minute, then reads it again', async () => {
    const { directory, lookups, advance } = setup();
    await directory.isApprover('U0ERIN');
    await directory.isApprover('U0DAVE');
    expect(lookups).toHaveLength(1);
    advance(59_999);
    await directory.isApprover('U0ERIN');
    expect(lookups).toHaveLength(1);
    advance(1);
    await directory.isApprover('U0ERIN');
    expect(lookups).toHaveLength(2);
  });

  it('never trusts a membership for more than a minute, whatever cacheMs says', async () => {
    const { directory, lookups, advance } = setup({ cacheMs: 3_600_000 });
    await directory.isApprover('U0ERIN');
    advance(60_000);
    await directory.isApprover('U0ERIN');
    expect(lookups).toHaveLength(2);
  });

  it('shares one lookup between concurrent clicks', async () => {
    const { directory, lookups } = setup();
    const answers = await Promise.all(
      ['U0ERIN', 'U0DAVE', 'U0ERIN', 'U0FRANK'].map((u) => directory.isApprover(u)),
    );
    expect(answers).toEqual([true, false, true, false]);
    expect(lookups).toEqual(['S0APPROVERS']);
  });

  it('sees a member removed from the group once the minute is over', async () => {
    const { directory, advance, answer } = setup();
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    answer('S0APPROVERS', []);
    advance(60_000);
    expect(await directory.isApprover('U0ERIN')).toBe(false);
  });

  it('refuses to decide when Slack fails and no read is under a minute old', async () => {
    const { directory, advance, answer } = setup();
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    answer('S0APPROVERS', 'fail');
    advance(60_000);
    expect(await unavailable(directory.isApprover('U0ERIN'))).toBe(true);
    // Never a fallback to the old membership, however often it is asked.
    expect(await unavailable(directory.isApprover('U0ERIN'))).toBe(true);
    // A listed user id still needs no lookup.
    expect(await directory.isApprover('U0BOB')).toBe(true);
  });

  it('refuses to decide when Slack was never read', async () => {
    const { directory, answer } = setup();
    answer('S0APPROVERS', 'fail');
    expect(await unavailable(directory.isApprover('U0ERIN'))).toBe(true);
    expect(await unavailable(directory.isApprover('U0DAVE'))).toBe(true);
  });

  it('counts a lookup that does not answer in time as failed', async () => {
    const { directory, answer } = setup({ lookupTimeoutMs: 20 });
    answer('S0APPROVERS', 'hang');
    const started = Date.now();
    expect(await unavailable(directory.isApprover('U0ERIN'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('with a short cache, falls back only to a read from the last minute', async () => {
    const { directory, advance, answer, lookups } = setup({ cacheMs: 1_000 });
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    answer('S0APPROVERS', 'fail');
    advance(30_000);
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    expect(lookups).toHaveLength(2);
    advance(30_000);
    expect(await unavailable(directory.isApprover('U0ERIN'))).toBe(true);
  });

  it('finds a member in a readable group even when another group cannot be read', async () => {
    const { directory, answer } = setup({ approvers: ['S0APPROVERS', 'S0BROKEN'] });
    answer('S0BROKEN', 'fail');
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    expect(await unavailable(directory.isApprover('U0DAVE'))).toBe(true);
  });

  it('never takes a group id, or anything but U…/W…, for a user', async () => {
    const { directory, lookups } = setup({
      approvers: ['U0BOB', 'W0GRID', 'S0APPROVERS'],
      requesters: ['S0TEAM', 'U0ALICE'],
    });
    expect(await directory.isApprover('S0APPROVERS')).toBe(false);
    expect(await directory.isApprover('B0BOT')).toBe(false);
    expect(await directory.isApprover('')).toBe(false);
    expect(await directory.mayRequest('S0TEAM')).toBe(false);
    expect(lookups).toEqual([]);
    expect(await directory.isApprover('W0GRID')).toBe(true);
  });

  it('lets anyone request when SLOTS_REQUESTERS is empty, else only those listed or in its groups', async () => {
    expect(await setup().directory.mayRequest('U0ANYONE')).toBe(true);
    expect(await setup().directory.mayRequest('S0APPROVERS')).toBe(false);
    const limited = setup({ requesters: ['U0ALICE', 'S0TEAM'] }).directory;
    expect(await limited.mayRequest('U0ALICE')).toBe(true);
    expect(await limited.mayRequest('U0FRANK')).toBe(true);
    expect(await limited.mayRequest('U0DAVE')).toBe(false);
  });
});
