/**
 * `/slots`: parse, acknowledge at once, then do the slow part (AWS, the store) and answer through
 * the command's `response_url`. Usage errors and help are answered in the ack itself; a store
 * that is away for a moment is answered with a sentence saying so, never with silence.
 */
import type { App } from '@slack/bolt';
import type { Reports, StatusReport } from '../capacity/reports.js';
import type { Clock } from '../lifecycle/clock.js';
import { createTurns } from '../lifecycle/turns.js';
import type { Logger } from '../logger.js';
import type { RequestService } from '../requests/service.js';
import { isRetriableStoreError } from '../store/errors.js';
import { parseCommand, SLASH_COMMAND } from './command-grammar.js';
import { openRequestModal } from './request-modal.js';
import { encodeAnswer, type ResponseUrlPoster } from './response-url.js';
import { COULD_NOT_RECORD, couldNotRead } from './store-trouble.js';
import { helpMessage, usageErrorMessage } from './views/help.js';
import { internalErrorMessage, type SlackMessage } from './views/message.js';
import { offeringsMessage } from './views/offerings.js';
import { refusal } from './views/request-card.js';
import { historyMessage, pendingMessage } from './views/request-lists.js';
import { statusMessage, withReadAge } from './views/status.js';

export interface SlashCommandDeps {
  readonly reports: Reports;
  /** Where answers go: the command's `response_url`, each answer encoded once. */
  readonly responseUrls: Pick<ResponseUrlPoster, 'postEncoded'>;
  readonly requests: RequestService;
  readonly clock: Clock;
  readonly maxQuantity: number;
  readonly logger: Logger;
}

export function registerSlashCommand(app: App, deps: SlashCommandDeps): void {
  const log = deps.logger.child({ module: 'slash-command' });
  const turn = createTurns();
  // Everyone answered from one shared read gets the same rendering (see `createReports`), and
  // the same object for the same age in seconds, so its JSON is encoded once too.
  const rendered = new WeakMap<
    StatusReport,
    { base: SlackMessage; bySecond: Map<number, SlackMessage> }
  >();
  const renderStatus = (report: StatusReport): SlackMessage => {
    let views = rendered.get(report);
    if (!views) {
      views = { base: statusMessage(report), bySecond: new Map() };
      rendered.set(report, views);
    }
    const now = deps.clock();
    const second = Math.floor((now.getTime() - report.now.getTime()) / 1_000);
    let message = views.bySecond.get(second);
    if (!message) {
      message = withReadAge(views.base, report, now);
      views.bySecond.set(second, message);
    }
    return message;
  };

  app.command(SLASH_COMMAND, async ({ command, ack, client }) => {
    const respond = (message: SlackMessage) =>
      deps.responseUrls.postEncoded(command.response_url, encodeAnswer(ephemeral(message)));
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
        await answerLater(turn, respond, log, async () =>
          renderStatus(
            await deps.reports.status(cmd.service, cmd.fresh ? { fresh: true } : undefined),
          ),
        );
        return;
      case 'offerings':
        await ack();
        await answerLater(turn, respond, log, async () =>
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
            await answerLater(turn, respond, log, async () =>
              refusal('Slack did not open the request form in time; run the command again.'),
            );
          });
          return;
        }
        const action = cmd.action;
        // A created request is confirmed through the outbox; only a refusal is answered here.
        await answerLater(
          turn,
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
          turn,
          respond,
          log,
          async () => pendingMessage(await deps.requests.pending(), deps.clock()),
          couldNotRead('the pending requests'),
        );
        return;
      case 'history':
        await ack();
        await answerLater(
          turn,
          respond,
          log,
          async () => historyMessage(await deps.requests.history(cmd.limit), deps.clock()),
          couldNotRead('the request history'),
        );
        return;
    }
  });
}

const ephemerals = new WeakMap<SlackMessage, EphemeralAnswer>();

type EphemeralAnswer = {
  readonly response_type: 'ephemeral';
  readonly text: string;
  readonly blocks: SlackMessage['blocks'];
};

/** The answer only its asker sees; one object per message, so `encodeAnswer` encodes it once. */
function ephemeral(message: SlackMessage): EphemeralAnswer {
  let answer = ephemerals.get(message);
  if (!answer) {
    answer = { response_type: 'ephemeral', text: message.text, blocks: message.blocks };
    ephemerals.set(message, answer);
  }
  return answer;
}

/**
 * Runs after the ack; whatever happens, the user gets an answer and the handler never throws.
 * `storeAway` is the answer when the store could not be reached for a moment.
 */
async function answerLater(
  turn: () => Promise<void>,
  respond: (message: SlackMessage) => Promise<void>,
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
    // Answers that became ready together (one shared read) go out one loop turn apart.
    await turn();
    await respond(message);
  } catch (err) {
    // An expired or rate-limited response_url: nothing else can reach this user.
    log.warn({ err }, 'could not deliver the answer through response_url');
  }
}
