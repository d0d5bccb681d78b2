/**
 * The buttons on a request card and the reject-reason modal. Each button carries a request id
 * and nothing else; who clicked comes from Slack's signed payload, everything else from the store.
 * When the store is away for a moment, the clicker is told that nothing was recorded (or read).
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { RequestService } from '../requests/service.js';
import { isRetriableStoreError } from '../store/errors.js';
import { couldNotRead } from './store-trouble.js';
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
}

/** Told to an approver whose approval applied but whose purchase could not start. */
export const NOT_STARTED =
  'The approval was recorded, but the purchase could not start because the database did not answer. Nothing was sent to AWS; slots-bot will close the request as not sent. Request again in a moment.';

/** Request ids are eight characters of Crockford base32; anything else is not ours. */
export const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{8}$/;

export function registerRequestActions(app: App, deps: RequestActionsDeps): void {
  const log = deps.logger.child({ module: 'request-actions' });
  const { requests } = deps;

  const refuse = async (respond: RespondFn, message: string) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, text: message });
    } catch (err) {
      log.warn({ err }, 'could not deliver a refusal');
    }
  };

  const requestIdOf = (action: BlockButtonAction['actions'][number]): string | undefined =>
    typeof action.value === 'string' && REQUEST_ID.test(action.value) ? action.value : undefined;

  app.action<BlockButtonAction>(APPROVE_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const id = requestIdOf(action);
    if (!id) return refuse(respond, 'This button does not name a request slots-bot knows.');
    const decided = await requests.approve(body.user.id, id);
    if (!decided.ok) return refuse(respond, decided.message);
    log.info({ requestId: id, approver: body.user.id }, 'approved; executing');
    try {
      await requests.execute(decided.request);
    } catch (err) {
      // `execute` fails only before the call stamp; the reconciler settles it as never sent.
      if (!isRetriableStoreError(err)) throw err;
      log.warn({ err, requestId: id }, 'approved, but the purchase could not start');
      await refuse(respond, NOT_STARTED);
    }
  });

  app.action<BlockButtonAction>(CANCEL_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const id = requestIdOf(action);
    if (!id) return refuse(respond, 'This button does not name a request slots-bot knows.');
    const decided = await requests.cancel(body.user.id, id);
    if (!decided.ok) return refuse(respond, decided.message);
  });

  app.action<BlockButtonAction>(REJECT_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const id = requestIdOf(action);
    if (!id) return refuse(respond, 'This button does not name a request slots-bot knows.');
    let allowed: Awaited<ReturnType<RequestService['mayReject']>>;
    try {
      allowed = await requests.mayReject(body.user.id, id);
    } catch (err) {
      if (!isRetriableStoreError(err)) throw err;
      return refuse(respond, couldNotRead(`request ${id}`));
    }
    if (!allowed.ok) return refuse(respond, allowed.message);
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: rejectModal(id) });
    } catch (err) {
      log.warn({ err, requestId: id }, 'could not open the reject modal');
      await refuse(respond, 'Slack did not open the rejection form in time; click Reject again.');
    }
  });

  app.view(REJECT_MODAL_CALLBACK, async ({ ack, body, view, client }) => {
    await ack();
    const id = view.private_metadata;
    const actor = body.user.id;
    if (!REQUEST_ID.test(id)) return;
    const note = view.state.values[REJECT_REASON_BLOCK]?.[REJECT_REASON_ACTION]?.value ?? undefined;
    const decided = await requests.reject(actor, id, note ?? undefined);
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
