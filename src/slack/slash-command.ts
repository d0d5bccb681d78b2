/**
 * `/slots`: parse, acknowledge at once, then do the slow part (AWS, the store) and answer through
 * the command's `response_url`. Usage errors and help are answered in the ack itself; a store
 * that is away for a moment is answered with a sentence saying so, never with silence.
 */
import type { App, RespondFn } from '@slack/bolt';
import type { Reports } from '../capacity/reports.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import type { RequestService } from '../requests/service.js';
import { isRetriableStoreError } from '../store/errors.js';
import { parseCommand, SLASH_COMMAND } from './command-grammar.js';
import { openRequestModal } from './request-modal.js';
import { COULD_NOT_RECORD, couldNotRead } from './store-trouble.js';
import { helpMessage, usageErrorMessage } from './views/help.js';
import { internalErrorMessage, type SlackMessage } from './views/message.js';
import { offeringsMessage } from './views/offerings.js';
import { refusal } from './views/request-card.js';
import { historyMessage, pendingMessage } from './views/request-lists.js';
import { statusMessage } from './views/status.js';

export interface SlashCommandDeps {
  readonly reports: Reports;
  readonly requests: RequestService;
  readonly clock: Clock;
  readonly maxQuantity: number;
  readonly logger: Logger;
}

export function registerSlashCommand(app: App, deps: SlashCommandDeps): void {
  const log = deps.logger.child({ module: 'slash-command' });

  app.command(SLASH_COMMAND, async ({ command, ack, respond, client }) => {
    const parsed = parseCommand(command.text ?? '', {
      now: deps.clock(),
      maxQuantity: deps.maxQuantity,
    });
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
      case 'purchase':
      case 'renew': {
        await ack();
        if (!cmd.action) {
          // The trigger expires 3 s after the command; the modal opens first, data follows.
          await openRequestModal(
            client,
            command.trigger_id,
            cmd.kind,
            cmd.service,
            deps,
            undefined,
            command.response_url,
          ).catch(async (err: unknown) => {
            log.warn({ err }, 'could not open the request modal');
            await answerLater(respond, log, async () =>
              refusal('Slack did not open the request form in time; run the command again.'),
            );
          });
          return;
        }
        const action = cmd.action;
        // A created request is confirmed through the outbox; only a refusal is answered here.
        await answerLater(
          respond,
          log,
          async () => {
            const created = await deps.requests.create(command.user_id, action, '', {
              triggerId: command.trigger_id,
              responseUrl: command.response_url,
            });
            return created.ok ? undefined : refusal(created.problem.message);
          },
          COULD_NOT_RECORD,
        );
        return;
      }
      case 'pending':
        await ack();
        await answerLater(
          respond,
          log,
          async () => pendingMessage(await deps.requests.pending(), deps.clock()),
          couldNotRead('the pending requests'),
        );
        return;
      case 'history':
        await ack();
        await answerLater(
          respond,
          log,
          async () => historyMessage(await deps.requests.history(cmd.limit), deps.clock()),
          couldNotRead('the request history'),
        );
        return;
    }
  });
}

function ephemeral(message: SlackMessage) {
  return { response_type: 'ephemeral' as const, text: message.text, blocks: message.blocks };
}

/**
 * Runs after the ack; whatever happens, the user gets an answer and the handler never throws.
 * `storeAway` is the answer when the store could not be reached for a moment.
 */
async function answerLater(
  respond: RespondFn,
  log: Logger,
  build: () => Promise<SlackMessage | undefined>,
  storeAway?: string,
): Promise<void> {
  let message: SlackMessage | undefined;
  try {
    message = await build();
  } catch (err) {
    if (storeAway !== undefined && isRetriableStoreError(err)) {
      log.warn({ err }, 'could not answer: the store is unavailable');
      message = refusal(storeAway);
    } else {
      log.error({ err }, 'could not build the answer');
      message = internalErrorMessage();
    }
  }
  if (!message) return;
  try {
    await respond(ephemeral(message));
  } catch (err) {
    // An expired or rate-limited response_url: nothing else can reach this user.
    log.warn({ err }, 'could not deliver the answer through response_url');
  }
}
