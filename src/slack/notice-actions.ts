/**
 * The buttons on channel notices. Keep and Let lapse start a renew request at once; Change
 * quantity and Request purchase open the request form pre-filled. Each button carries the notice
 * key only: the stored notice says which offering it is about, AWS (read at the click) says how
 * many slots, and who clicked comes from Slack's signed payload. When the store is away for a
 * moment, the clicker is told that nothing was recorded (or that the notice could not be read).
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { NoticeDecisions, PrefillResult, RenewalChoice } from '../notices/decisions.js';
import type { DecisionResult } from '../requests/service.js';
import { isRetriableStoreError } from '../store/errors.js';
import { openRequestModal, type RequestModalDeps } from './request-modal.js';
import { COULD_NOT_RECORD, couldNotRead } from './store-trouble.js';
import {
  NOTICE_CHANGE_ACTION,
  NOTICE_KEEP_ACTION,
  NOTICE_LAPSE_ACTION,
  NOTICE_PURCHASE_ACTION,
} from './views/notices.js';

export interface NoticeActionsDeps extends RequestModalDeps {
  readonly notices: NoticeDecisions;
  readonly logger: Logger;
}

export function registerNoticeActions(app: App, deps: NoticeActionsDeps): void {
  const log = deps.logger.child({ module: 'notice-actions' });

  const refuse = async (respond: RespondFn, message: string) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, text: message });
    } catch (err) {
      log.warn({ err }, 'could not deliver a refusal');
    }
  };

  const keyOf = (action: BlockButtonAction['actions'][number]) =>
    typeof action.value === 'string' ? action.value : '';

  const renewals: readonly [string, RenewalChoice][] = [
    [NOTICE_KEEP_ACTION, 'keep'],
    [NOTICE_LAPSE_ACTION, 'lapse'],
  ];
  for (const [actionId, choice] of renewals) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const decided: DecisionResult = await deps.notices
        .renew(body.user.id, keyOf(action), choice, {
          triggerId: body.trigger_id,
          responseUrl: body.response_url,
        })
        .catch((err: unknown) => {
          if (!isRetriableStoreError(err)) throw err;
          return { ok: false, message: COULD_NOT_RECORD };
        });
      if (!decided.ok) return refuse(respond, decided.message);
      log.info({ requestId: decided.request.id, choice }, 'renew request from a notice');
    });
  }

  for (const actionId of [NOTICE_CHANGE_ACTION, NOTICE_PURCHASE_ACTION]) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const form: PrefillResult = await deps.notices
        .prefill(keyOf(action))
        .catch((err: unknown) => {
          if (!isRetriableStoreError(err)) throw err;
          return { ok: false, message: couldNotRead('this notice') };
        });
      if (!form.ok) return refuse(respond, form.message);
      const { kind, service, ...prefill } = form.prefill;
      try {
        await openRequestModal(
          client,
          body.trigger_id,
          kind,
          service,
          deps,
          prefill,
          body.response_url,
        );
      } catch (err) {
        log.warn({ err }, 'could not open the pre-filled request form');
        await refuse(
          respond,
          'Slack did not open the request form in time; click the button again.',
        );
      }
    });
  }
}
