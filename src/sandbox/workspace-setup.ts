/**
 * The imaginary workspace the sandbox runs in: its ids, its people, its one channel, the bot's
 * credentials. Shared by the local Slack (which plays the workspace) and the sandbox's start-up
 * (which gives the bot the same values as its settings), so the two always agree.
 */
import type { Person, UserGroup } from './protocol.js';

export const SANDBOX_TEAM = { id: 'T0SANDBOX', domain: 'sandbox', name: 'Sandbox' } as const;
export const SANDBOX_APP_ID = 'A0SLOTSBOT';
export const SANDBOX_BOT = { userId: 'U0SLOTSBOT', botId: 'B0SLOTSBOT', name: 'slots' } as const;
export const SANDBOX_CHANNEL = { id: 'C0SLOTS', name: 'slots' } as const;
/** Slack's own author id, for the notes Slack itself shows (a command that timed out). */
export const SLACKBOT_USER_ID = 'USLACKBOT';

/**
 * Made-up credentials: they only ever travel between the sandbox's own loopback servers. The
 * token has the shape the bot's settings check (`xoxb-` and long enough).
 */
export const SANDBOX_BOT_TOKEN = 'xoxb-0000000000-0000000000000-SANDBOXLOCALONLY';
export const SANDBOX_SIGNING_SECRET = 'sandbox-signing-secret-local-only';

export const APPROVER_GROUP: UserGroup = {
  id: 'S0APPROVERS',
  handle: 'slots-approvers',
  members: ['U0CAROL'],
};

export const PEOPLE: readonly Person[] = [
  {
    id: 'U0ALICE',
    name: 'Alice',
    role: 'requester',
    detail: 'asks for slots; cannot approve her own requests',
  },
  {
    id: 'U0BOB',
    name: 'Bob',
    role: 'approver',
    detail: 'named in SLOTS_APPROVERS',
  },
  {
    id: 'U0CAROL',
    name: 'Carol',
    role: 'approver (group)',
    detail: 'approves through the @slots-approvers user group',
  },
  {
    id: 'U0DAVE',
    name: 'Dave',
    role: 'cannot approve',
    detail: 'not an approver; may still request',
  },
];

/** `SLOTS_APPROVERS` as the bot is given it: Bob by id, Carol through her group. */
export const SANDBOX_APPROVERS = `U0BOB,${APPROVER_GROUP.id}`;
