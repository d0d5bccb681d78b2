import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createDirectory } from './directory.js';

function setup(opts: { requesters?: string[]; fail?: boolean } = {}) {
  let now = 0;
  const lookups: string[] = [];
  const directory = createDirectory({
    slack: {
      usergroups: {
        users: {
          list: async ({ usergroup }) => {
            lookups.push(usergroup);
            if (opts.fail) throw new Error('slack down');
            return { users: usergroup === 'S0APPROVERS' ? ['U0ERIN'] : ['U0FRANK'] };
          },
        },
      },
    },
    approvers: ['U0BOB', 'S0APPROVERS'],
    requesters: opts.requesters ?? [],
    clock: () => new Date(now),
    logger: createLogger({ level: 'silent' }),
    cacheMs: 60_000,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { directory, lookups, advance };
}

describe('createDirectory', () => {
  it('knows approvers by id and through user groups, without asking Slack for listed ids', async () => {
    const { directory, lookups } = setup();
    expect(await directory.isApprover('U0BOB')).toBe(true);
    expect(lookups).toEqual([]);
    expect(await directory.isApprover('U0ERIN')).toBe(true);
    expect(await directory.isApprover('U0DAVE')).toBe(false);
  });

  it('caches group members briefly, then reads them again', async () => {
    const { directory, lookups, advance } = setup();
    await directory.isApprover('U0ERIN');
    await directory.isApprover('U0DAVE');
    expect(lookups).toHaveLength(1);
    advance(61_000);
    await directory.isApprover('U0ERIN');
    expect(lookups).toHaveLength(2);
  });

  it('grants nothing through a group Slack cannot read', async () => {
    const { directory } = setup({ fail: true });
    expect(await directory.isApprover('U0ERIN')).toBe(false);
    expect(await directory.isApprover('U0BOB')).toBe(true);
  });

  it('lets anyone request when SLOTS_REQUESTERS is empty, else only those listed or in its groups', async () => {
    expect(await setup().directory.mayRequest('U0ANYONE')).toBe(true);
    const limited = setup({ requesters: ['U0ALICE', 'S0TEAM'] }).directory;
    expect(await limited.mayRequest('U0ALICE')).toBe(true);
    expect(await limited.mayRequest('U0FRANK')).toBe(true);
    expect(await limited.mayRequest('U0DAVE')).toBe(false);
  });
});
