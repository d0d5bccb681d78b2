/**
 * `/slots purchase` and `/slots renew` without arguments: a modal opened within the trigger's
 * 3 seconds (a loading view first, then the form once offerings are read), validated inline on
 * submit, then checked against AWS before a request exists. A store that is away for a moment
 * shows as "could not record that" on the form, before the ack when it is known by then.
 */
import type { App, BlockAction, RadioButtonsAction, webApi } from '@slack/bolt';
import type { ServiceName } from '../aws/types.js';
import type { Reports } from '../capacity/reports.js';
import type { PurchaseRequest } from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Logger } from '../logger.js';
import type { RequestService } from '../requests/service.js';
import { isRetriableStoreError } from '../store/errors.js';
import { COULD_NOT_RECORD } from './store-trouble.js';
import {
  blockForField,
  loadingModal,
  REASON_BLOCK,
  REQUEST_MODAL_CALLBACK,
  type RequestKind,
  type RequestModalInput,
  readRequestForm,
  readRequestModalMetadata,
  requestModal,
  requestSentModal,
  SERVICE_ACTION,
  type ViewStateValues,
} from './views/request-modal.js';

export interface RequestModalDeps {
  readonly requests: RequestService;
  readonly reports: Reports;
  readonly clock: Clock;
  readonly maxQuantity: number;
  readonly logger: Logger;
}

/** How long a submission may wait for AWS before the ack; the rest of 3 s is Slack's margin. */
const CHECK_BEFORE_ACK_MS = 2_000;

async function formFor(
  deps: RequestModalDeps,
  kind: RequestKind,
  service: ServiceName | undefined,
  error?: string,
  prefill?: RequestModalInput['prefill'],
  responseUrl?: string,
) {
  const report = await deps.reports.offerings(kind === 'renew' ? 'devicefarm' : service);
  const failures = [report.devicefarm, report.mediaconnect].flatMap((part) =>
    part && !part.ok ? [part.error.userMessage] : [],
  );
  const devicefarm = report.devicefarm?.ok ? report.devicefarm.value : undefined;
  const mediaconnect = report.mediaconnect?.ok ? report.mediaconnect.value : undefined;
  const problem = [error, ...failures].filter(Boolean).join(' ');
  return requestModal({
    kind,
    ...(service && { service }),
    offerings: {
      ...(devicefarm && { devicefarm: devicefarm.offerings }),
      ...(mediaconnect && { mediaconnect }),
    },
    ...(devicefarm && { promotions: devicefarm.promotions }),
    maxQuantity: deps.maxQuantity,
    now: deps.clock(),
    ...(problem && { error: problem }),
    ...(prefill && { prefill }),
    ...(responseUrl && { responseUrl }),
  });
}

/**
 * Opens the loading view at once (the trigger expires in 3 s), then fills in the form, pre-filled
 * when it comes from a notice's button.
 */
export async function openRequestModal(
  client: webApi.WebClient,
  triggerId: string,
  kind: RequestKind,
  service: ServiceName | undefined,
  deps: RequestModalDeps,
  prefill?: RequestModalInput['prefill'],
  responseUrl?: string,
): Promise<void> {
  const opened = await client.views.open({ trigger_id: triggerId, view: loadingModal() });
  const viewId = opened.view?.id;
  if (!viewId) return;
  await client.views.update({
    view_id: viewId,
    view: await formFor(deps, kind, service, undefined, prefill, responseUrl),
  });
}

export function registerRequestModal(app: App, deps: RequestModalDeps): void {
  const log = deps.logger.child({ module: 'request-modal' });

  // Switching service in a purchase form redraws it for the other service.
  app.action<BlockAction<RadioButtonsAction>>(
    SERVICE_ACTION,
    async ({ ack, body, action, client }) => {
      await ack();
      const metadata = body.view && readRequestModalMetadata(body.view.private_metadata);
      const chosen = action.selected_option?.value;
      if (!body.view || !metadata || (chosen !== 'devicefarm' && chosen !== 'mediaconnect')) return;
      try {
        await client.views.update({
          view_id: body.view.id,
          hash: body.view.hash,
          view: await formFor(
            deps,
            metadata.kind,
            chosen,
            undefined,
            undefined,
            metadata.responseUrl,
          ),
        });
      } catch (err) {
        log.warn({ err }, 'could not switch the request form');
      }
    },
  );

  app.view(REQUEST_MODAL_CALLBACK, async ({ ack, body, view, client }) => {
    const metadata = readRequestModalMetadata(view.private_metadata);
    if (!metadata) return ack();
    const form = readRequestForm(view.state.values as ViewStateValues, metadata, {
      maxQuantity: deps.maxQuantity,
      now: deps.clock(),
    });
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });

    const actor = body.user.id;
    // AWS usually answers well within the ack budget: then a problem shows under its field. A
    // check that fails is settled here, so its rejection is never left unhandled after the race.
    const check = deps.requests.check(actor, form.action, form.reason).catch((err: unknown) => {
      if (!isRetriableStoreError(err)) log.error({ err }, 'could not check the request');
      return { failed: err };
    });
    const early = await Promise.race([
      check,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), CHECK_BEFORE_ACK_MS).unref()),
    ]);
    if (early && 'failed' in early && isRetriableStoreError(early.failed)) {
      // The form stays as filled in, so a second submit is one click.
      if (REASON_BLOCK in view.state.values) {
        return ack({ response_action: 'errors', errors: { [REASON_BLOCK]: COULD_NOT_RECORD } });
      }
    } else if (early && 'ok' in early && !early.ok) {
      const block = blockForField(early.problem.field, metadata.service);
      if (block)
        return ack({ response_action: 'errors', errors: { [block]: early.problem.message } });
    }
    await ack({ response_action: 'update', view: loadingModal() });

    const problem = await createOrProblem(actor, form.action, form.reason, {
      // Slack sends a trigger_id with every submission; Bolt's type leaves it out.
      triggerId: stringOr((body as { trigger_id?: unknown }).trigger_id),
      responseUrl: metadata.responseUrl,
    });
    const next =
      typeof problem !== 'string'
        ? requestSentModal(problem)
        : await formFor(
            deps,
            metadata.kind,
            metadata.service,
            problem,
            undefined,
            metadata.responseUrl,
          );
    await client.views
      .update({ view_id: view.id, view: next })
      .catch((err: unknown) => log.warn({ err }, 'could not update the request form'));
  });

  /** The request made, or the sentence the form shows on top instead. */
  async function createOrProblem(
    ...args: Parameters<RequestService['create']>
  ): Promise<PurchaseRequest | string> {
    try {
      const created = await deps.requests.create(...args);
      return created.ok ? created.request : created.problem.message;
    } catch (err) {
      if (isRetriableStoreError(err)) return COULD_NOT_RECORD;
      log.error({ err }, 'could not create the request from the form');
      return 'Something went wrong on our side; nothing was requested. Submit again in a minute.';
    }
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
