/**
 * The modal behind `/slots purchase` and `/slots renew`: one form per service (a purchase starts
 * on Device Farm and can switch to MediaConnect), and `readRequestForm`, which turns a submission
 * back into a `RequestAction` with the same checks as the one-line commands, or into errors keyed
 * by the input block they concern.
 *
 * Flow for the listener: open `loadingModal()` at once (the trigger lasts 3 s), read offerings,
 * then `views.update` with `requestModal(...)`. When the service choice changes (`SERVICE_ACTION`),
 * `views.update` again with the new service. On submission, `readRequestModalMetadata` and
 * `readRequestForm`; answer errors with `{ response_action: 'errors', errors }`.
 */
import type { types } from '@slack/bolt';
import type {
  DeviceFarmOffering,
  MediaConnectOffering,
  Promotion,
  ServiceName,
} from '../../aws/types.js';
import { formatDateTime } from '../../domain/dates.js';
import { formatMoney } from '../../domain/money.js';
import type { PurchaseRequest, RequestAction } from '../../domain/requests.js';
import {
  defaultStart,
  earliestStart,
  type FieldResult,
  parseOfferingArn,
  parseOfferingId,
  parsePromotionId,
  parseQuantity,
  parseReason,
  parseReservationName,
  parseStart,
  REASON_MAX,
  RESERVATION_NAME_MAX,
} from '../command-grammar.js';
import { bandwidth, count, estimatedMonthlyCost } from './format.js';
import { context, section, warning } from './message.js';
import {
  channelLink,
  escapeKeepingMentions,
  escapeMrkdwn,
  truncate,
  unescapeMrkdwn,
} from './mrkdwn.js';
import { compareDeviceFarmOfferings, compareMediaConnectOfferings } from './offerings.js';
import { actionSentence, commitmentText } from './request-text.js';

export const REQUEST_MODAL_CALLBACK = 'request_modal';

/** The service choice (purchase only): an actions block, so a change arrives as a block action. */
export const SERVICE_BLOCK = 'request_service';
export const SERVICE_ACTION = 'request_service_choice';

/** One offering block per service, so switching services never carries a stale selection over. */
export const OFFERING_BLOCK: Readonly<Record<ServiceName, string>> = {
  devicefarm: 'request_offering_devicefarm',
  mediaconnect: 'request_offering_mediaconnect',
};
export const OFFERING_ACTION = 'request_offering';
export const QUANTITY_BLOCK = 'request_quantity';
export const QUANTITY_ACTION = 'request_quantity_input';
export const PROMOTION_BLOCK = 'request_promotion';
export const PROMOTION_ACTION = 'request_promotion_choice';
export const RESERVATION_NAME_BLOCK = 'request_reservation_name';
export const RESERVATION_NAME_ACTION = 'request_reservation_name_input';
export const START_BLOCK = 'request_start';
export const START_ACTION = 'request_start_input';
export const REASON_BLOCK = 'request_reason';
export const REASON_ACTION = 'request_reason_input';

/** Slack's limits for modals and selects. */
export const MODAL_LIMITS = {
  title: 24,
  button: 24,
  blocks: 100,
  options: 100,
  optionGroups: 100,
  optionText: 75,
  optionValue: 150,
  privateMetadata: 3000,
} as const;

export type RequestKind = 'purchase' | 'renew';

/**
 * What the modal carries in `private_metadata`: which form was submitted, and the opening
 * command's `response_url` (a submission has none), where the requester's confirmation goes.
 */
export interface RequestModalMetadata {
  readonly kind: RequestKind;
  readonly service: ServiceName;
  readonly responseUrl?: string;
}

export interface RequestModalInput {
  readonly kind: RequestKind;
  /** The form to show. Renewals are Device Farm only; a purchase defaults to Device Farm. */
  readonly service?: ServiceName;
  /** Offerings to pick from; a service left out is shown as having none to offer. */
  readonly offerings: {
    readonly devicefarm?: readonly DeviceFarmOffering[];
    readonly mediaconnect?: readonly MediaConnectOffering[];
  };
  /** Unused Device Farm promotions (purchase only). */
  readonly promotions?: readonly Promotion[];
  readonly maxQuantity: number;
  readonly now: Date;
  /**
   * A problem not tied to one field (AWS could not be read, not allowed to request), shown on
   * top. slots-bot's own sentence: mentions in it work, anything else is escaped.
   */
  readonly error?: string;
  /** Values to start the form with, e.g. from a notice's button; the user can change them all. */
  readonly prefill?: RequestModalPrefill;
  /** The opening command's or click's `response_url`, kept in the metadata for the submission. */
  readonly responseUrl?: string;
}

export interface RequestModalPrefill {
  /** Selected when it is among the offerings listed; otherwise the picker starts empty. */
  readonly offeringId?: string;
  /** Used when it is a whole number the form accepts; otherwise the field starts empty. */
  readonly quantity?: number;
  readonly reservationName?: string;
  readonly reason?: string;
  /** Why the form is pre-filled, shown on top as plain (escaped) text. */
  readonly note?: string;
}

/** Longest pre-fill note shown; it is one sentence or two. */
const NOTE_MAX = 500;

type ModalView = types.ModalView;
type AnyBlock = types.AnyBlock;
type PlainTextOption = types.PlainTextOption;
type StaticSelect = types.StaticSelect;

const plain = (text: string, max: number = MODAL_LIMITS.optionText) => ({
  type: 'plain_text' as const,
  text: truncate(text, max),
});

export function requestModal(input: RequestModalInput): ModalView {
  const service = serviceOf(input);
  const metadata: RequestModalMetadata = {
    kind: input.kind,
    service,
    ...(input.responseUrl && { responseUrl: input.responseUrl }),
  };
  const blocks: AnyBlock[] = [];
  if (input.error) blocks.push(warning(escapeKeepingMentions(input.error)));
  const note = input.prefill?.note?.trim();
  if (note) blocks.push(context(`:information_source: ${escapeMrkdwn(truncate(note, NOTE_MAX))}`));
  if (input.kind === 'purchase') blocks.push(serviceChoice(service));

  const form = service === 'devicefarm' ? deviceFarmForm(input) : mediaConnectForm(input);
  blocks.push(...form);

  const hasInputs = blocks.some((b) => b.type === 'input');
  return {
    type: 'modal',
    callback_id: REQUEST_MODAL_CALLBACK,
    private_metadata: JSON.stringify(metadata),
    title: plain(titleOf(input.kind, service), MODAL_LIMITS.title),
    close: plain('Cancel', MODAL_LIMITS.button),
    ...(hasInputs && { submit: plain('Request approval', MODAL_LIMITS.button) }),
    blocks: blocks.slice(0, MODAL_LIMITS.blocks),
  };
}

/** Shown within the trigger's 3 seconds while offerings are read; `views.update` replaces it. */
export function loadingModal(): ModalView {
  return {
    type: 'modal',
    callback_id: `${REQUEST_MODAL_CALLBACK}_loading`,
    title: plain('slots-bot', MODAL_LIMITS.title),
    close: plain('Cancel', MODAL_LIMITS.button),
    blocks: [section(':hourglass_flowing_sand: Reading offerings and prices from AWS…')],
  };
}

/**
 * Replaces the form once the request exists: where it waits and what it commits. `channel`
 * defaults to where the card is, once posted.
 */
export function requestSentModal(request: PurchaseRequest, channel?: string): ModalView {
  const where = channel ?? request.card?.channel;
  return {
    type: 'modal',
    callback_id: `${REQUEST_MODAL_CALLBACK}_sent`,
    title: plain('Request sent', MODAL_LIMITS.title),
    close: plain('Done', MODAL_LIMITS.button),
    blocks: [
      section(
        `:hourglass_flowing_sand: Request *${escapeMrkdwn(request.id)}* is waiting for approval` +
          `${where ? ` in ${channelLink(where)}` : ''}: ${actionSentence(request, 60)}, ` +
          `committing *${commitmentText(request.quote, request.action)}*.`,
      ),
      context(
        `A different approver has to approve it before anything is bought. It expires ${formatDateTime(request.expiresAt)} unless someone decides; you can cancel it from its card.`,
      ),
    ],
  };
}

function serviceOf(input: RequestModalInput): ServiceName {
  if (input.kind === 'renew') return 'devicefarm';
  if (input.service) return input.service;
  if (!input.offerings.devicefarm && input.offerings.mediaconnect) return 'mediaconnect';
  return 'devicefarm';
}

function titleOf(kind: RequestKind, service: ServiceName): string {
  if (service === 'mediaconnect') return 'Reserve MediaConnect';
  return kind === 'renew' ? 'Renew Device Farm slots' : 'Buy Device Farm slots';
}

const SERVICE_OPTION_TEXT: Readonly<Record<ServiceName, string>> = {
  devicefarm: 'Device Farm device slots',
  mediaconnect: 'MediaConnect bandwidth',
};

function serviceChoice(service: ServiceName): AnyBlock {
  const options = (['devicefarm', 'mediaconnect'] as const).map((s) => ({
    text: plain(SERVICE_OPTION_TEXT[s]),
    value: s,
  }));
  const initial = options.find((o) => o.value === service);
  return {
    type: 'actions',
    block_id: SERVICE_BLOCK,
    elements: [
      {
        type: 'radio_buttons',
        action_id: SERVICE_ACTION,
        options,
        ...(initial && { initial_option: initial }),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Device Farm

function deviceFarmForm(input: RequestModalInput): AnyBlock[] {
  const offerings = [...(input.offerings.devicefarm ?? [])].sort(compareDeviceFarmOfferings);
  const renew = input.kind === 'renew';
  const prefill = input.prefill ?? {};
  const minQuantity = renew ? 0 : 1;
  const quantity = prefill.quantity;
  const initialQuantity =
    quantity !== undefined &&
    Number.isInteger(quantity) &&
    quantity >= minQuantity &&
    quantity <= input.maxQuantity
      ? String(quantity)
      : undefined;
  const blocks: AnyBlock[] = [
    section(
      renew
        ? 'Set how many slots of an offering renew at the start of the next period. Nothing is bought now, and nothing changes until a different approver approves.'
        : 'Slots are bought at once and renew every month. Nothing is bought until a different approver approves.',
    ),
  ];
  if (offerings.length === 0) {
    blocks.push(section('No Device Farm offerings can be chosen right now.'));
    return blocks;
  }
  const picker = selectOf(
    offerings.map((o) => ({
      group: platformName(o.platform),
      option: { text: plain(deviceFarmOptionText(o)), value: o.id },
    })),
  );
  blocks.push(
    offeringInput('devicefarm', picker, 'Offering', 'Choose an offering', prefill.offeringId),
    {
      type: 'input',
      block_id: QUANTITY_BLOCK,
      label: plain(renew ? 'Slots to renew next period' : 'Slots to buy', 2000),
      hint: plain(
        renew
          ? `0 to ${input.maxQuantity}; 0 lets the slots lapse at the next period.`
          : `1 to ${input.maxQuantity}.`,
        2000,
      ),
      element: {
        type: 'number_input',
        action_id: QUANTITY_ACTION,
        is_decimal_allowed: false,
        min_value: String(minQuantity),
        max_value: String(input.maxQuantity),
        ...(initialQuantity !== undefined && { initial_value: initialQuantity }),
      },
    },
  );
  const promotions = input.promotions ?? [];
  if (!renew && promotions.length > 0) {
    const options: PlainTextOption[] = promotions
      .filter((p) => p.id.length <= MODAL_LIMITS.optionValue)
      .slice(0, MODAL_LIMITS.options)
      .map((p) => ({
        text: plain(p.description.trim() ? `${p.description.trim()} (${p.id})` : p.id),
        value: p.id,
      }));
    if (options.length > 0) {
      blocks.push({
        type: 'input',
        block_id: PROMOTION_BLOCK,
        optional: true,
        label: plain('Promotion', 2000),
        hint: plain('Optional. Each promotion can be used once.', 2000),
        element: {
          type: 'static_select',
          action_id: PROMOTION_ACTION,
          placeholder: plain('No promotion'),
          options,
        },
      });
    }
  }
  blocks.push(reasonInput(prefill.reason));
  return blocks;
}

function platformName(raw: string): string {
  const known: Record<string, string> = { ANDROID: 'Android', IOS: 'iOS' };
  return known[raw.toUpperCase()] ?? (raw || 'Other');
}

/** `Android · Unmetered device slot — $250.00/slot/mo`, the price never cut. */
export function deviceFarmOptionText(o: DeviceFarmOffering): string {
  const price = ` — ${formatMoney(o.monthlyPrice)}/slot/mo`;
  const label = `${platformName(o.platform)} · ${o.description.trim() || o.id}`;
  return withPrice(label, price);
}

/** `label` shortened so `price` fits after it within an option's 75 characters. */
function withPrice(label: string, price: string): string {
  const room = Math.max(20, MODAL_LIMITS.optionText - price.length);
  return truncate(`${truncate(label, room)}${price}`, MODAL_LIMITS.optionText);
}

// ---------------------------------------------------------------------------------------------
// MediaConnect

function mediaConnectForm(input: RequestModalInput): AnyBlock[] {
  const offerings = [...(input.offerings.mediaconnect ?? [])].sort(compareMediaConnectOfferings);
  const prefill = input.prefill ?? {};
  const name = prefill.reservationName?.trim();
  const blocks: AnyBlock[] = [
    section(
      'A reservation pays for outbound bandwidth every hour of its term, used or not, and cannot be cancelled. ' +
        'MediaConnect allows one active reservation at a time. Nothing is bought until a different approver approves.',
    ),
  ];
  if (offerings.length === 0) {
    blocks.push(section('No MediaConnect offerings can be chosen right now.'));
    return blocks;
  }
  const picker = selectOf(
    offerings.map((o) => ({
      group: `${count(o.durationMonths, 'month')} term`,
      option: { text: plain(mediaConnectOptionText(o)), value: o.id },
    })),
  );
  const earliest = defaultStart(earliestStart(input.now));
  blocks.push(
    offeringInput(
      'mediaconnect',
      picker,
      'Offering',
      'Choose bandwidth and term',
      prefill.offeringId,
    ),
    {
      type: 'input',
      block_id: RESERVATION_NAME_BLOCK,
      label: plain('Reservation name', 2000),
      hint: plain(
        `1 to ${RESERVATION_NAME_MAX} letters, digits, "-", "_" or "." (no spaces).`,
        2000,
      ),
      element: {
        type: 'plain_text_input',
        action_id: RESERVATION_NAME_ACTION,
        max_length: RESERVATION_NAME_MAX,
        placeholder: plain('e.g. live-events-2026'),
        ...(name && { initial_value: truncate(name, RESERVATION_NAME_MAX) }),
      },
    },
    {
      type: 'input',
      block_id: START_BLOCK,
      optional: true,
      label: plain('Start (UTC)', 2000),
      hint: plain(
        'Optional. Empty: the term starts when the request is approved. ' +
          `Otherwise exactly YYYY-MM-DDTHH:mm:SSZ, from ${earliest} up to now; ` +
          'MediaConnect only takes a start in the current month, so it must still be in range when approved.',
        2000,
      ),
      element: {
        type: 'plain_text_input',
        action_id: START_ACTION,
        max_length: 20,
        placeholder: plain('Empty: when approved'),
      },
    },
    reasonInput(prefill.reason),
  );
  return blocks;
}

/** `100 Mbps · 12 months — $0.0125/Mbps/h (~$912.50/mo)`, the price never cut. */
export function mediaConnectOptionText(o: MediaConnectOffering): string {
  const unit = o.priceUnit.toUpperCase() === 'HOURLY' ? 'h' : o.priceUnit.toLowerCase();
  const monthly = estimatedMonthlyCost(o.pricePerUnit, o.priceUnit, o.bandwidthMbps);
  const price =
    ` — ${formatMoney(o.pricePerUnit)}/Mbps/${truncate(unit, 8)}` +
    (monthly ? ` (~${formatMoney(monthly)}/mo)` : '');
  const what =
    o.bandwidthMbps === undefined ? o.description.trim() || o.id : bandwidth(o.bandwidthMbps);
  const label = `${what} · ${count(o.durationMonths, 'month')}`;
  return withPrice(label, price);
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

interface Picker {
  readonly element: Pick<StaticSelect, 'options' | 'option_groups'>;
  /** Offerings that could not be listed (id too long for Slack, or beyond 100 × 100). */
  readonly omitted: number;
}

/**
 * Up to 100 options as a plain list; more are grouped (by `group`, then in runs of 100) into at
 * most 100 groups. Options whose value is too long for Slack are left out and counted.
 */
export function selectOf(items: readonly { group: string; option: PlainTextOption }[]): Picker {
  const usable = items.filter((i) => (i.option.value ?? '').length <= MODAL_LIMITS.optionValue);
  let omitted = items.length - usable.length;
  if (usable.length <= MODAL_LIMITS.options) {
    return { element: { options: usable.map((i) => i.option) }, omitted };
  }
  const byGroup = new Map<string, PlainTextOption[]>();
  for (const { group, option } of usable)
    byGroup.set(group, [...(byGroup.get(group) ?? []), option]);
  const groups: { label: types.PlainTextElement; options: PlainTextOption[] }[] = [];
  for (const [name, options] of byGroup) {
    for (let i = 0; i < options.length; i += MODAL_LIMITS.options) {
      const run = options.slice(i, i + MODAL_LIMITS.options);
      const label =
        options.length > MODAL_LIMITS.options ? `${name} (${i + 1}–${i + run.length})` : name;
      if (groups.length < MODAL_LIMITS.optionGroups)
        groups.push({ label: plain(label), options: run });
      else omitted += run.length;
    }
  }
  return { element: { option_groups: groups }, omitted };
}

function offeringInput(
  service: ServiceName,
  picker: Picker,
  label: string,
  placeholder: string,
  initialValue?: string,
): AnyBlock {
  const initial = initialValue === undefined ? undefined : optionOf(picker, initialValue);
  const command =
    service === 'devicefarm'
      ? '/slots purchase devicefarm <offering-id> <quantity>'
      : '/slots purchase mediaconnect <offering-arn> <name>';
  return {
    type: 'input',
    block_id: OFFERING_BLOCK[service],
    label: plain(label, 2000),
    ...(picker.omitted > 0 && {
      hint: plain(
        `${count(picker.omitted, 'offering')} could not be listed here; name one with ${command}.`,
        2000,
      ),
    }),
    element: {
      type: 'static_select',
      action_id: OFFERING_ACTION,
      placeholder: plain(placeholder),
      ...picker.element,
      ...(initial && { initial_option: initial }),
    },
  };
}

/** The listed option with `value`, the very object Slack must find among the options. */
function optionOf(picker: Picker, value: string): PlainTextOption | undefined {
  const { options, option_groups: groups } = picker.element;
  const all = options ?? (groups ?? []).flatMap((g) => g.options);
  return all.find((o) => o.value === value);
}

function reasonInput(initial?: string): AnyBlock {
  const reason = initial?.trim();
  return {
    type: 'input',
    block_id: REASON_BLOCK,
    label: plain('Reason', 2000),
    hint: plain('Approvers read this before deciding.', 2000),
    element: {
      type: 'plain_text_input',
      action_id: REASON_ACTION,
      multiline: true,
      max_length: REASON_MAX,
      placeholder: plain('Why is this needed, and for how long?'),
      ...(reason && { initial_value: truncate(reason, REASON_MAX) }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a submission

/** The part of `view.state.values` the form uses; Bolt's `ViewOutput['state']['values']` fits. */
export type ViewStateValues = Readonly<
  Record<
    string,
    Readonly<
      Record<
        string,
        {
          readonly value?: string | null;
          readonly selected_option?: { readonly value?: string } | null;
        }
      >
    >
  >
>;

export type RequestFormResult =
  | { readonly ok: true; readonly action: RequestAction; readonly reason: string }
  | {
      readonly ok: false;
      /** Keyed by input block id, plain text: pass as `{ response_action: 'errors', errors }`. */
      readonly errors: Record<string, string>;
    };

/** The form's metadata, or undefined if it is not a request modal's. */
export function readRequestModalMetadata(
  privateMetadata: string,
): RequestModalMetadata | undefined {
  try {
    const parsed: unknown = JSON.parse(privateMetadata);
    if (!parsed || typeof parsed !== 'object') return undefined;
    const { kind, service, responseUrl } = parsed as Record<string, unknown>;
    if (kind !== 'purchase' && kind !== 'renew') return undefined;
    if (service !== 'devicefarm' && service !== 'mediaconnect') return undefined;
    if (kind === 'renew' && service !== 'devicefarm') return undefined;
    const url =
      typeof responseUrl === 'string' && /^https?:\/\/\S{1,1000}$/.test(responseUrl)
        ? responseUrl
        : undefined;
    return { kind, service, ...(url && { responseUrl: url }) };
  } catch {
    return undefined;
  }
}

/**
 * Turns a submission into the action it asks for, checking every field with the grammar's rules.
 * All problems are reported at once, each under its own block.
 */
export function readRequestForm(
  values: ViewStateValues,
  metadata: RequestModalMetadata,
  options: { readonly maxQuantity: number; readonly now: Date },
): RequestFormResult {
  const errors: Record<string, string> = {};
  const text = (block: string, action: string): string => {
    const state = values[block]?.[action];
    const value: unknown = state?.selected_option?.value ?? state?.value;
    // The payload guard refuses non-strings first; a number here would crash every parser.
    return typeof value === 'string' ? value : '';
  };
  const check = <T>(block: string, result: FieldResult<T>): T | undefined => {
    if (result.ok) return result.value;
    errors[block] = unescapeMrkdwn(result.error);
    return undefined;
  };

  const offeringBlock = OFFERING_BLOCK[metadata.service];
  const offering = text(offeringBlock, OFFERING_ACTION);
  const reason = check(REASON_BLOCK, parseReason(text(REASON_BLOCK, REASON_ACTION)));

  if (metadata.service === 'devicefarm') {
    const offeringId = offering
      ? check(offeringBlock, parseOfferingId(offering))
      : check<string>(offeringBlock, { ok: false, error: 'Choose an offering.' });
    const quantity = check(
      QUANTITY_BLOCK,
      parseQuantity(text(QUANTITY_BLOCK, QUANTITY_ACTION), metadata.kind, options.maxQuantity),
    );
    const promotionText =
      metadata.kind === 'purchase' ? text(PROMOTION_BLOCK, PROMOTION_ACTION) : '';
    const promotionId = promotionText
      ? check(PROMOTION_BLOCK, parsePromotionId(promotionText))
      : undefined;
    if (
      Object.keys(errors).length > 0 ||
      offeringId === undefined ||
      quantity === undefined ||
      reason === undefined
    ) {
      return { ok: false, errors };
    }
    const action: RequestAction =
      metadata.kind === 'renew'
        ? { service: 'devicefarm', kind: 'renew', offeringId, quantity }
        : {
            service: 'devicefarm',
            kind: 'purchase',
            offeringId,
            quantity,
            ...(promotionId && { promotionId }),
          };
    return { ok: true, action, reason };
  }

  const offeringArn = offering
    ? check(offeringBlock, parseOfferingArn(offering))
    : check<string>(offeringBlock, { ok: false, error: 'Choose an offering.' });
  const reservationName = check(
    RESERVATION_NAME_BLOCK,
    parseReservationName(text(RESERVATION_NAME_BLOCK, RESERVATION_NAME_ACTION)),
  );
  // `undefined` when valid and empty: the term starts when the request is approved.
  const start = check(START_BLOCK, parseStart(text(START_BLOCK, START_ACTION), options.now));
  if (
    Object.keys(errors).length > 0 ||
    offeringArn === undefined ||
    reservationName === undefined ||
    reason === undefined
  ) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    action: {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn,
      reservationName,
      ...(start !== undefined && { start }),
    },
    reason,
  };
}

/**
 * The input block a request-service problem belongs under (`InputProblem['field']`), or
 * undefined for problems with no field (such as `requester`): show those with
 * `requestModal({ ..., error })` through `response_action: 'update'`.
 */
export function blockForField(field: string, service: ServiceName): string | undefined {
  switch (field) {
    case 'offering':
      return OFFERING_BLOCK[service];
    case 'quantity':
      return service === 'devicefarm' ? QUANTITY_BLOCK : undefined;
    case 'promotion':
      return service === 'devicefarm' ? PROMOTION_BLOCK : undefined;
    case 'reservationName':
      return service === 'mediaconnect' ? RESERVATION_NAME_BLOCK : undefined;
    case 'start':
      return service === 'mediaconnect' ? START_BLOCK : undefined;
    case 'reason':
      return REASON_BLOCK;
    default:
      return undefined;
  }
}
