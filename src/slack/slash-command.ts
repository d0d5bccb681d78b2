/**
 * `/slots`: parse, acknowledge at once, then do the slow part (AWS) and answer through the
 * command's `response_url`. Usage errors and help are answered in the ack itself.
 */
import type { App, RespondFn } from '@slack/bolt';
import type { Reports } from '../capacity/reports.js';
import type { Logger } from '../logger.js';
import { parseCommand, SLASH_COMMAND } from './command-grammar.js';
import { helpMessage, usageErrorMessage } from './views/help.js';
import { internalErrorMessage, type SlackMessage } from './views/message.js';
import { offeringsMessage } from './views/offerings.js';
import { statusMessage } from './views/status.js';

export interface SlashCommandDeps {
  readonly reports: Reports;
  readonly logger: Logger;
}

export function registerSlashCommand(app: App, deps: SlashCommandDeps): void {
  const log = deps.logger.child({ module: 'slash-command' });

  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    const parsed = parseCommand(command.text ?? '');
    if (!parsed.ok) {
      log.info({ user: command.user_id, outcome: 'usage_error' }, 'slash command');
      await ack(ephemeral(usageErrorMessage(parsed.error)));
      return;
    }
    const cmd = parsed.command;
    log.info({ user: command.user_id, kind: cmd.kind }, 'slash command');
    switch (cmd.kind) {
      case 'help':
        await ack(ephemeral(helpMessage()));
        return;
      case 'status':
        await ack();
        await answerLater(respond, log, async () =>
          statusMessage(await deps.reports.status(cmd.service)),
        );
        return;
      case 'offerings':
        await ack();
        await answerLater(respond, log, async () =>
          offeringsMessage(await deps.reports.offerings(cmd.service)),
        );
        return;
    }
  });
}

function ephemeral(message: SlackMessage) {
  return { response_type: 'ephemeral' as const, text: message.text, blocks: message.blocks };
}

/** Runs after the ack; whatever happens, the user gets an answer and the handler never throws. */
async function answerLater(
  respond: RespondFn,
  log: Logger,
  build: () => Promise<SlackMessage>,
): Promise<void> {
  let message: SlackMessage;
  try {
    message = await build();
  } catch (err) {
    log.error({ err }, 'could not build the answer');
    message = internalErrorMessage();
  }
  try {
    await respond(ephemeral(message));
  } catch (err) {
    // An expired or rate-limited response_url: nothing else can reach this user.
    log.warn({ err }, 'could not deliver the answer through response_url');
  }
}
