/**
 * `/slots` and `/slots help`, and the answer to a command the grammar rejected.
 */
import { SERVICE_ALIASES, USAGE } from '../command-grammar.js';
import { context, fallback, type SlackMessage, section, warning } from './message.js';
import { escapeMrkdwn } from './mrkdwn.js';

function usageLines(): string {
  return USAGE.map((u) => `\`${escapeMrkdwn(u.syntax)}\` — ${escapeMrkdwn(u.summary)}`).join('\n');
}

function servicesNote(): string {
  const byService = new Map<string, string[]>();
  for (const [alias, service] of Object.entries(SERVICE_ALIASES)) {
    if (alias !== service) byService.set(service, [...(byService.get(service) ?? []), alias]);
  }
  const names = [...byService.entries()].map(
    ([service, aliases]) => `\`${service}\` (also ${aliases.map((a) => `\`${a}\``).join(', ')})`,
  );
  return `Services: ${names.join(', ')}. Without one, both are shown.`;
}

export function helpMessage(): SlackMessage {
  return {
    text: 'How to use /slots',
    blocks: [
      section(`*\`/slots\`: reserved AWS capacity, from Slack*\n${usageLines()}`),
      context(servicesNote()),
    ],
  };
}

/** `error` is the grammar's sentence, already escaped. */
export function usageErrorMessage(error: string): SlackMessage {
  return {
    text: fallback(error),
    blocks: [warning(error), section(`*Usage*\n${usageLines()}`), context(servicesNote())],
  };
}
