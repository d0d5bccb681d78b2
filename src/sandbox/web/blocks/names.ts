/**
 * What mentions in mrkdwn resolve to: the people, the bot, the channel and the user groups of the
 * sandbox's workspace, as the snapshot lists them.
 */
import type { Snapshot } from '../../protocol.js';

export interface Directory {
  readonly users: Readonly<Record<string, string>>;
  readonly channels: Readonly<Record<string, string>>;
  readonly groups: Readonly<Record<string, string>>;
}

export function directoryOf(
  snapshot: Pick<Snapshot, 'people' | 'bot' | 'channel' | 'groups'>,
): Directory {
  const users: Record<string, string> = { USLACKBOT: 'Slackbot' };
  for (const p of snapshot.people) users[p.id] = p.name;
  users[snapshot.bot.userId] = snapshot.bot.name;
  const groups: Record<string, string> = {};
  for (const g of snapshot.groups) groups[g.id] = g.handle;
  return { users, channels: { [snapshot.channel.id]: snapshot.channel.name }, groups };
}
