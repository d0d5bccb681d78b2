/**
 * The buttons on a request card and on the Home tab, and the reject-reason modal. Each button
 * carries a request id and nothing else; who clicked comes from Slack's signed payload,
 * everything else from the store. When the store is away for a moment, the clicker is told that
 * nothing was recorded (or read).
 *
 * A click on a card is answered ephemerally on its `response_url`. A click on the Home tab has no
 * `response_url` (its container is the view): it is answered on top of the clicker's Home tab,
 * which is published again at once, so the answer shows where they clicked, whether or not they
 * are in the approvals channel or have the app's Messages tab.
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { PurchaseRequest } from '../domain/requests.js';
import type { Logger } from '../logger.js';
import type { RequestService } from '../requests/service.js';
import { isRetriableStoreError } from '../store/errors.js';
import type { HomeTab } from './home.js';
import { couldNotRead } from './store-trouble.js';
import { count } from './views/format.js';
import {
  APPROVE_ACTION,
  CANCEL_ACTION,
  REJECT_ACTION,
  REJECT_MODAL_CALLBACK,
  REJECT_REASON_ACTION,
  REJECT_REASON_BLOCK,
  rejectModal,
} from './views/request-card.js';

export interface RequestActionsDeps {
  readonly requests: RequestService;
  readonly logger: Logger;
  /**
   * Where request cards are posted: a refusal after the reject modal goes there when the store
   * cannot say where the card is.
   */
  readonly channel?: string;
  /** Where clicks made on the Home tab are answered. */
  readonly home?: Pick<HomeTab, 'notify'>;
}

/** Told to an approver whose approval applied but whose purchase could not start. */
export const NOT_STARTED =
  'The approval was recorded, but the purchase could not start because the database did not answer. Nothing was sent to AWS; slots-bot will close the request as not sent. Request again in a moment.';

/** Request ids are eight characters of Crockford base32; anything else is not ours. */
export const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{8}$/;

/** Told to an approver whose approval is one of several the request needs. */
export function approvalRecorded(request: PurchaseRequest): string {
  const have = request.approvals.length;
  const left = Math.max(1, request.approvalsNeeded - have);
  return (
    `Your approval of ${request.id} is recorded: ${have} of ${request.approvalsNeeded}. ` +
    `It needs ${count(left, 'more approver')}.`
  );
}

/** Marks the reject modal opened from the Home tab, so its answer goes back there. */
const FROM_HOME = ':home';
const REJECT_METADATA = /^([0-9A-HJKMNP-TV-Z]{8})(:home)?$/;

type Click = BlockButtonAction;

/** A click on a published view (the Home tab) rather than on a message. */
export function isHomeClick(body: Pick<Click, 'container'>): boolean {
  return body.container?.type === 'view';
}

export function registerRequestActions(app: App, deps: RequestActionsDeps): void {
  const log = deps.logger.child({ module: 'request-actions' });
  const { requests } = deps;

  const toHome = async (user: string, message: string) => {
    if (!deps.home) {
      log.warn({ user }, 'a Home tab click cannot be answered: no Home tab');
      return;
    }
    await deps.home.notify(user, message);
  };

  /** Answers the clicker where they clicked: the card's response_url, or their Home tab. */
  const answer = async (body: Click, respond: RespondFn | undefined, message: string) => {
    if (isHomeClick(body)) return toHome(body.user.id, message);
    try {
      if (!respond) throw new Error('no response_url');
      await respond({ response_type: 'ephemeral', replace_original: false, text: message });
    } catch (err) {
      log.warn({ err }, 'could not deliver a refusal');
    }
  };

  const requestIdOf = (action: BlockButtonAction['actions'][number]): string | undefined =>
    typeof action.value === 'string' && REQUEST_ID.test(action.value) ? action.value : undefined;

  app.action<Click>(APPROVE_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const id = requestIdOf(action);
    if (!id) return answer(body, respond, 'This button does not name a request slots-bot knows.');
    const decided = await requests.approve(body.user.id, id);
    if (!decided.ok) return answer(body, respond, decided.message);
    const approved = decided.request;
    if (approved.state === 'pending') {
      // More approvers are needed: this approval is recorded, and nothing is bought yet.
      log.info(
        {
          requestId: id,
          approver: body.user.id,
          approvals: approved.approvals.length,
          needed: approved.approvalsNeeded,
        },
        'approval recorded; more needed',
      );
      return answer(body, respond, approvalRecorded(approved));
    }
    if (approved.state !== 'executing') {
      log.error(
        { requestId: id, state: approved.state },
        'approve returned a request not executing',
      );
      return;
    }
    log.info({ requestId: id, approver: body.user.id }, 'approved; executing');
    // Told at once, while the purchase runs; the Home tab is published again when it ends.
    const told = isHomeClick(body)
      ? toHome(
          body.user.id,
          `:white_check_mark: You approved request ${id}; slots-bot is carrying it out now. Its card in the approvals channel shows the outcome.`,
        )
      : undefined;
    try {
      await requests.execute(approved);
    } catch (err) {
      // `execute` fails only before the call stamp; the reconciler settles it as never sent.
      if (!isRetriableStoreError(err)) throw err;
      log.warn({ err, requestId: id }, 'approved, but the purchase could not start');
      await told;
      await answer(body, respond, NOT_STARTED);
    }
    await told;
  });

  app.action<Click>(CANCEL_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const id = requestIdOf(action);
    if (!id) return answer(body, respond, 'This button does not name a request slots-bot knows.');
    const decided = await requests.cancel(body.user.id, id);
    if (!decided.ok) return answer(body, respond, decided.message);
    // The card says so in place; the Home tab needs its own answer.
    if (isHomeClick(body)) {
      await toHome(body.user.id, `Request ${id} is cancelled; nothing will be bought.`);
    }
  });

  app.action<Click>(REJECT_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const id = requestIdOf(action);
    if (!id) return answer(body, respond, 'This button does not name a request slots-bot knows.');
    let allowed: Awaited<ReturnType<RequestService['mayReject']>>;
    try {
      allowed = await requests.mayReject(body.user.id, id);
    } catch (err) {
      if (!isRetriableStoreError(err)) throw err;
      return answer(body, respond, couldNotRead(`request ${id}`));
    }
    if (!allowed.ok) return answer(body, respond, allowed.message);
    const modal = rejectModal(id);
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: isHomeClick(body) ? { ...modal, private_metadata: `${id}${FROM_HOME}` } : modal,
      });
    } catch (err) {
      log.warn({ err, requestId: id }, 'could not open the reject modal');
      await answer(
        body,
        respond,
        'Slack did not open the rejection form in time; click Reject again.',
      );
    }
  });

  app.view(REJECT_MODAL_CALLBACK, async ({ ack, body, view, client }) => {
    await ack();
    const metadata = REJECT_METADATA.exec(view.private_metadata);
    const actor = body.user.id;
    if (!metadata) return;
    const id = metadata[1]!;
    const fromHome = metadata[2] !== undefined;
    const note = view.state.values[REJECT_REASON_BLOCK]?.[REJECT_REASON_ACTION]?.value ?? undefined;
    const decided = await requests.reject(actor, id, note ?? undefined);
    if (fromHome) {
      return toHome(
        actor,
        decided.ok ? `You rejected request ${id}; nothing will be bought.` : decided.message,
      );
    }
    if (!decided.ok) {
      // A modal has no response_url; tell the user directly, next to the card.
      const cardChannel = await requests.get(id).then(
        (r) => r?.card?.channel,
        (err: unknown) => {
          if (!isRetriableStoreError(err)) {
            log.error({ err, requestId: id }, 'could not read where the card is');
          }
          return undefined;
        },
      );
      const channel = cardChannel ?? deps.channel;
      if (channel) {
        await client.chat
          .postEphemeral({ channel, user: actor, text: decided.message })
          .catch((err: unknown) => log.warn({ err }, 'could not deliver a refusal'));
      }
    }
  });
}
