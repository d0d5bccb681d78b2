/** Interactivity payloads shaped as Slack sends them (block_actions, view_submission). */
import { randomUUID } from 'node:crypto';
import {
  OFFERING_ACTION,
  OFFERING_BLOCK,
  QUANTITY_ACTION,
  QUANTITY_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
} from '../../src/slack/views/request-modal.js';

export interface ButtonClick {
  readonly actionId: string;
  readonly value: string;
  readonly userId: string;
  readonly responseUrl: string;
  readonly channel?: string;
  readonly messageTs?: string;
  readonly triggerId?: string;
}

export function buttonClick(c: ButtonClick): Record<string, unknown> {
  const channel = c.channel ?? 'C0SLOTS';
  const ts = c.messageTs ?? '1700000000.000100';
  return {
    type: 'block_actions',
    user: {
      id: c.userId,
      username: c.userId.toLowerCase(),
      name: c.userId.toLowerCase(),
      team_id: 'T1',
    },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    team: { id: 'T1', domain: 'test' },
    trigger_id: c.triggerId ?? `trigger-${randomUUID()}`,
    response_url: c.responseUrl,
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'slots' },
    message: { type: 'message', ts, text: 'request card' },
    actions: [
      {
        type: 'button',
        action_id: c.actionId,
        block_id: 'request_actions',
        value: c.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

export interface ViewSubmission {
  readonly callbackId: string;
  readonly userId: string;
  readonly values: Record<string, Record<string, Record<string, unknown>>>;
  readonly privateMetadata?: string;
  readonly viewId?: string;
}

export function viewSubmission(v: ViewSubmission): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: 'T1', domain: 'test' },
    user: {
      id: v.userId,
      username: v.userId.toLowerCase(),
      name: v.userId.toLowerCase(),
      team_id: 'T1',
    },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${randomUUID()}`,
    view: {
      id: v.viewId ?? 'V1',
      team_id: 'T1',
      type: 'modal',
      callback_id: v.callbackId,
      private_metadata: v.privateMetadata ?? '',
      state: { values: v.values },
      hash: 'hash-1',
      blocks: [],
    },
    response_urls: [],
  };
}

/** `state.values` of a filled-in Device Farm request form. */
export function deviceFarmFormValues(
  offeringId: string,
  quantity: string,
  reason: string,
): ViewSubmission['values'] {
  return {
    [OFFERING_BLOCK.devicefarm]: {
      [OFFERING_ACTION]: { type: 'static_select', selected_option: { value: offeringId } },
    },
    [QUANTITY_BLOCK]: { [QUANTITY_ACTION]: { type: 'plain_text_input', value: quantity } },
    [REASON_BLOCK]: { [REASON_ACTION]: { type: 'plain_text_input', value: reason } },
  };
}
