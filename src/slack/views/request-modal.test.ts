import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { blockText } from '../../../test/helpers/blocks.js';
import { deviceFarmQuote, mediaConnectQuote } from '../../../test/helpers/quotes.js';
import type { DeviceFarmOffering, MediaConnectOffering, Promotion } from '../../aws/types.js';
import { money } from '../../domain/money.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import {
  blockForField,
  deviceFarmOptionText,
  loadingModal,
  MODAL_LIMITS,
  mediaConnectOptionText,
  OFFERING_ACTION,
  OFFERING_BLOCK,
  PROMOTION_ACTION,
  PROMOTION_BLOCK,
  QUANTITY_ACTION,
  QUANTITY_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
  REQUEST_MODAL_CALLBACK,
  RESERVATION_NAME_ACTION,
  RESERVATION_NAME_BLOCK,
  type RequestModalInput,
  type RequestModalMetadata,
  readRequestForm,
  readRequestModalMetadata,
  requestModal,
  requestSentModal,
  SERVICE_ACTION,
  SERVICE_BLOCK,
  START_ACTION,
  START_BLOCK,
  type ViewStateValues,
} from './request-modal.js';

// ---------------------------------------------------------------------------------------------
// Factories

const NOW = new Date('2026-11-22T10:00:00.250Z');
const ARN_PREFIX = 'arn:aws:mediaconnect:us-west-2:111122223333:offering:';

function dfOffering(n: number, over: Partial<DeviceFarmOffering> = {}): DeviceFarmOffering {
  return {
    service: 'devicefarm',
    id: `${String(n).padStart(8, '0')}-3b4e-4f50-8a61-7b8c9d0e1f21`,
    description: `Android Remote Access Unmetered Device Slot ${n}`,
    platform: 'ANDROID',
    monthlyPrice: money('250'),
    ...over,
  };
}

function mcOffering(n: number, over: Partial<MediaConnectOffering> = {}): MediaConnectOffering {
  return {
    service: 'mediaconnect',
    id: `${ARN_PREFIX}MC${n}`,
    description: `${n} Mbps outbound bandwidth`,
    pricePerUnit: money('0.0125'),
    priceUnit: 'HOURLY',
    durationMonths: 12,
    bandwidthMbps: n,
    resourceType: 'Mbps_Outbound_Bandwidth',
    ...over,
  };
}

const promotions: Promotion[] = [
  { id: 'promo-android-free-month', description: 'One free Android device slot for a month' },
];

function input(over: Partial<RequestModalInput> = {}): RequestModalInput {
  return {
    kind: 'purchase',
    offerings: {
      devicefarm: [dfOffering(1), dfOffering(2, { platform: 'IOS' })],
      mediaconnect: [mcOffering(10), mcOffering(50)],
    },
    promotions,
    maxQuantity: 50,
    now: NOW,
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// Finding things

type ModalView = types.ModalView;
type InputBlock = types.InputBlock;

function inputBlock(view: ModalView, blockId: string): InputBlock {
  const found = known(view).find((b) => b.type === 'input' && b.block_id === blockId);
  if (found?.type !== 'input') throw new Error(`no input block ${blockId}`);
  return found;
}

/** A view's blocks as the known kinds, so `type` narrows (views are typed with any block). */
const known = (view: ModalView) => view.blocks as types.KnownBlock[];

const blockIds = (view: ModalView) => view.blocks.map((b) => b.block_id).filter(Boolean);

function selectOf(view: ModalView, blockId: string): types.StaticSelect {
  const { element } = inputBlock(view, blockId);
  if (element.type !== 'static_select') throw new Error(`${blockId} is not a static select`);
  return element;
}

function allOptions(select: types.StaticSelect): types.PlainTextOption[] {
  return select.options ?? (select.option_groups ?? []).flatMap((g) => g.options);
}

/** Every plain limit a modal has, checked on the whole view. */
function modalViolations(view: ModalView): string[] {
  const problems: string[] = [];
  if (view.title.text.length > MODAL_LIMITS.title) problems.push('title');
  if ((view.submit?.text.length ?? 0) > MODAL_LIMITS.button) problems.push('submit');
  if ((view.close?.text.length ?? 0) > MODAL_LIMITS.button) problems.push('close');
  if (view.blocks.length > MODAL_LIMITS.blocks) problems.push('blocks');
  if ((view.private_metadata ?? '').length > MODAL_LIMITS.privateMetadata)
    problems.push('metadata');
  if (view.blocks.some((b) => b.type === 'input') && !view.submit) problems.push('no submit');
  for (const block of known(view)) {
    if (block.type === 'section' && (block.text?.text.length ?? 0) > 3000) problems.push('section');
    if (block.type !== 'input') continue;
    if (block.label.text.length > 2000) problems.push('label');
    if ((block.hint?.text.length ?? 0) > 2000) problems.push('hint');
    const { element } = block;
    if ('placeholder' in element && (element.placeholder?.text.length ?? 0) > 150)
      problems.push('placeholder');
    if (element.type === 'static_select') {
      if ((element.options?.length ?? 0) > MODAL_LIMITS.options) problems.push('options');
      if ((element.option_groups?.length ?? 0) > MODAL_LIMITS.optionGroups) problems.push('groups');
      if (element.options && element.option_groups) problems.push('options and groups');
      for (const g of element.option_groups ?? []) {
        if (g.options.length > MODAL_LIMITS.options) problems.push('group options');
        if (g.label.text.length > MODAL_LIMITS.optionText) problems.push('group label');
      }
      for (const o of allOptions(element)) {
        if (o.text.text.length > MODAL_LIMITS.optionText)
          problems.push(`option text ${o.text.text}`);
        if ((o.value ?? '').length > MODAL_LIMITS.optionValue) problems.push('option value');
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('requestModal: Device Farm purchase', () => {
  const view = requestModal(input());

  it('is the request modal, saying which form it is', () => {
    expect(view.callback_id).toBe(REQUEST_MODAL_CALLBACK);
    expect(view.title.text).toBe('Buy Device Farm slots');
    expect(view.submit?.text).toBe('Request approval');
    expect(readRequestModalMetadata(view.private_metadata ?? '')).toEqual({
      kind: 'purchase',
      service: 'devicefarm',
    });
    expect(modalViolations(view)).toEqual([]);
  });

  it('offers the service choice, on Device Farm', () => {
    const choice = view.blocks.find((b) => b.block_id === SERVICE_BLOCK);
    expect(choice?.type).toBe('actions');
    expect(choice).toMatchObject({
      elements: [
        {
          type: 'radio_buttons',
          action_id: SERVICE_ACTION,
          initial_option: { value: 'devicefarm' },
        },
      ],
    });
  });

  it('lists offerings with their price; the value is the offering id', () => {
    const select = selectOf(view, OFFERING_BLOCK.devicefarm);
    expect(select.action_id).toBe(OFFERING_ACTION);
    expect(allOptions(select).map((o) => [o.text.text, o.value])).toEqual([
      [
        'Android · Android Remote Access Unmetered Device Slot 1 — $250.00/slot/mo',
        dfOffering(1).id,
      ],
      ['iOS · Android Remote Access Unmetered Device Slot 2 — $250.00/slot/mo', dfOffering(2).id],
    ]);
  });

  it('asks for a whole quantity from 1 to the ceiling, an optional promotion and a required reason', () => {
    expect(inputBlock(view, QUANTITY_BLOCK).element).toMatchObject({
      type: 'number_input',
      action_id: QUANTITY_ACTION,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: '50',
    });
    const promotion = inputBlock(view, PROMOTION_BLOCK);
    expect(promotion.optional).toBe(true);
    expect(allOptions(selectOf(view, PROMOTION_BLOCK))).toEqual([
      {
        text: {
          type: 'plain_text',
          text: 'One free Android device slot for a month (promo-android-free-month)',
        },
        value: 'promo-android-free-month',
      },
    ]);
    expect(selectOf(view, PROMOTION_BLOCK).action_id).toBe(PROMOTION_ACTION);
    const reason = inputBlock(view, REASON_BLOCK);
    expect(reason.optional).toBeFalsy();
    expect(reason.element).toMatchObject({
      type: 'plain_text_input',
      action_id: REASON_ACTION,
      multiline: true,
      max_length: 1000,
    });
  });

  it('has no MediaConnect fields', () => {
    expect(blockIds(view)).not.toContain(RESERVATION_NAME_BLOCK);
    expect(blockIds(view)).not.toContain(START_BLOCK);
    expect(blockIds(view)).not.toContain(OFFERING_BLOCK.mediaconnect);
  });

  it('leaves the promotion out when there is none', () => {
    expect(blockIds(requestModal(input({ promotions: [] })))).not.toContain(PROMOTION_BLOCK);
    expect(blockIds(requestModal(input({ promotions: undefined })))).not.toContain(PROMOTION_BLOCK);
  });
});

describe('requestModal: Device Farm renewal', () => {
  const view = requestModal(input({ kind: 'renew', service: 'mediaconnect' }));

  it('is always Device Farm, without service choice or promotion, and allows 0', () => {
    expect(view.title.text).toBe('Renew Device Farm slots');
    expect(readRequestModalMetadata(view.private_metadata ?? '')).toEqual({
      kind: 'renew',
      service: 'devicefarm',
    });
    expect(blockIds(view)).not.toContain(SERVICE_BLOCK);
    expect(blockIds(view)).not.toContain(PROMOTION_BLOCK);
    expect(inputBlock(view, QUANTITY_BLOCK).element).toMatchObject({
      min_value: '0',
      max_value: '50',
    });
    expect(inputBlock(view, QUANTITY_BLOCK).hint?.text).toBe(
      '0 to 50; 0 lets the slots lapse at the next period.',
    );
    expect(modalViolations(view)).toEqual([]);
  });
});

describe('requestModal: MediaConnect', () => {
  const view = requestModal(input({ service: 'mediaconnect' }));

  it('asks for offering, reservation name, optional start and reason', () => {
    expect(view.title.text).toBe('Reserve MediaConnect');
    expect(readRequestModalMetadata(view.private_metadata ?? '')).toEqual({
      kind: 'purchase',
      service: 'mediaconnect',
    });
    expect(
      allOptions(selectOf(view, OFFERING_BLOCK.mediaconnect)).map((o) => [o.text.text, o.value]),
    ).toEqual([
      ['10 Mbps · 12 months — $0.0125/Mbps/h (~$91.25/mo)', `${ARN_PREFIX}MC10`],
      ['50 Mbps · 12 months — $0.0125/Mbps/h (~$456.25/mo)', `${ARN_PREFIX}MC50`],
    ]);
    expect(inputBlock(view, RESERVATION_NAME_BLOCK).element).toMatchObject({
      action_id: RESERVATION_NAME_ACTION,
      max_length: 128,
    });
    const start = inputBlock(view, START_BLOCK);
    expect(start.optional).toBe(true);
    expect(start.element).toMatchObject({
      action_id: START_ACTION,
      placeholder: { text: 'Empty: when approved' },
    });
    expect(start.element).not.toHaveProperty('initial_value');
    expect(start.hint?.text).toBe(
      'Optional. Empty: the term starts when the request is approved. Otherwise exactly ' +
        'YYYY-MM-DDTHH:mm:SSZ, from 2026-11-01T00:00:00Z up to now; MediaConnect only takes a ' +
        'start in the current month, so it must still be in range when approved.',
    );
    expect(blockIds(view)).not.toContain(QUANTITY_BLOCK);
    expect(view.blocks.find((b) => b.block_id === SERVICE_BLOCK)).toMatchObject({
      elements: [{ initial_option: { value: 'mediaconnect' } }],
    });
    expect(modalViolations(view)).toEqual([]);
  });

  it('starts on MediaConnect when only its offerings are given', () => {
    const only = requestModal(input({ offerings: { mediaconnect: [mcOffering(10)] } }));
    expect(readRequestModalMetadata(only.private_metadata ?? '')?.service).toBe('mediaconnect');
  });
});

describe('requestModal: what cannot be offered', () => {
  it('has no form and no submit button when there is nothing to pick', () => {
    const view = requestModal(input({ offerings: { devicefarm: [] } }));
    expect(view.blocks.some((b) => b.type === 'input')).toBe(false);
    expect(view.submit).toBeUndefined();
    expect(blockText(view)).toContain('No Device Farm offerings can be chosen right now.');
    expect(modalViolations(view)).toEqual([]);
  });

  it('shows a general error on top, escaped, keeping mentions', () => {
    const view = requestModal(
      input({ error: '<@U0ME>, Device Farm could not be read: <!here> & more' }),
    );
    expect(view.blocks[0]).toMatchObject({
      type: 'section',
      text: { text: ':warning: <@U0ME>, Device Farm could not be read: &lt;!here&gt; &amp; more' },
    });
  });

  it('groups more than 100 offerings, at most 100 per group', () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      dfOffering(i, { platform: i % 5 === 0 ? 'IOS' : 'ANDROID' }),
    );
    const view = requestModal(input({ offerings: { devicefarm: many } }));
    const select = selectOf(view, OFFERING_BLOCK.devicefarm);
    expect(select.options).toBeUndefined();
    expect(select.option_groups?.map((g) => [g.label.text, g.options.length])).toEqual([
      ['Android (1–100)', 100],
      ['Android (101–200)', 100],
      ['iOS', 50],
    ]);
    expect(new Set(allOptions(select).map((o) => o.value)).size).toBe(250);
    expect(inputBlock(view, OFFERING_BLOCK.devicefarm).hint).toBeUndefined();
    expect(modalViolations(view)).toEqual([]);
  });

  it('says how many offerings could not be listed', () => {
    const tooLong = mcOffering(1, { id: `${ARN_PREFIX}${'x'.repeat(120)}` });
    const view = requestModal(
      input({ service: 'mediaconnect', offerings: { mediaconnect: [tooLong, mcOffering(10)] } }),
    );
    expect(allOptions(selectOf(view, OFFERING_BLOCK.mediaconnect))).toHaveLength(1);
    expect(inputBlock(view, OFFERING_BLOCK.mediaconnect).hint?.text).toBe(
      '1 offering could not be listed here; name one with /slots purchase mediaconnect <offering-arn> <name>.',
    );

    const huge = Array.from({ length: 10_050 }, (_, i) => dfOffering(i));
    const big = requestModal(input({ offerings: { devicefarm: huge } }));
    expect(allOptions(selectOf(big, OFFERING_BLOCK.devicefarm))).toHaveLength(10_000);
    expect(inputBlock(big, OFFERING_BLOCK.devicefarm).hint?.text).toMatch(
      /^50 offerings could not be listed here/,
    );
    expect(modalViolations(big)).toEqual([]);
  });

  it('keeps option text within 75 characters without losing the price', () => {
    const long = 'Remote Access Unmetered Device Slot '.repeat(10);
    const df = deviceFarmOptionText(
      dfOffering(1, { description: long, monthlyPrice: money('1234567.891') }),
    );
    expect(df.length).toBeLessThanOrEqual(75);
    expect(df.endsWith(' — $1,234,567.891/slot/mo')).toBe(true);
    const mc = mediaConnectOptionText(
      mcOffering(1, { bandwidthMbps: undefined, description: long }),
    );
    expect(mc.length).toBeLessThanOrEqual(75);
    expect(mc).toContain('$0.0125/Mbps/h');
    const view = requestModal(
      input({
        promotions: [
          { id: 'p'.repeat(200), description: 'too long' },
          { id: 'promo-2', description: long },
        ],
      }),
    );
    expect(allOptions(selectOf(view, PROMOTION_BLOCK)).map((o) => o.value)).toEqual(['promo-2']);
    expect(modalViolations(view)).toEqual([]);
  });
});

describe('requestModal: pre-filled', () => {
  const element = (view: ModalView, blockId: string) => inputBlock(view, blockId).element;

  it('selects the offering with the very option object it lists', () => {
    const view = requestModal(input({ prefill: { offeringId: dfOffering(2).id } }));
    const select = selectOf(view, OFFERING_BLOCK.devicefarm);
    const listed = allOptions(select).find((o) => o.value === dfOffering(2).id);
    expect(listed).toBeDefined();
    expect(select.initial_option).toEqual(listed);
    expect(modalViolations(view)).toEqual([]);
  });

  it('selects the offering among option groups when there are more than 100', () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      dfOffering(i, { platform: i % 5 === 0 ? 'IOS' : 'ANDROID' }),
    );
    const view = requestModal(
      input({ offerings: { devicefarm: many }, prefill: { offeringId: dfOffering(201).id } }),
    );
    const select = selectOf(view, OFFERING_BLOCK.devicefarm);
    expect(select.options).toBeUndefined();
    const listed = allOptions(select).find((o) => o.value === dfOffering(201).id);
    expect(listed?.text.text).toContain('Device Slot 201');
    expect(select.initial_option).toEqual(listed);
    expect(modalViolations(view)).toEqual([]);
  });

  it('selects a MediaConnect offering by ARN', () => {
    const view = requestModal(
      input({ service: 'mediaconnect', prefill: { offeringId: `${ARN_PREFIX}MC50` } }),
    );
    expect(selectOf(view, OFFERING_BLOCK.mediaconnect).initial_option).toMatchObject({
      value: `${ARN_PREFIX}MC50`,
      text: { text: '50 Mbps · 12 months — $0.0125/Mbps/h (~$456.25/mo)' },
    });
  });

  it('leaves the picker empty when the offering is not listed', () => {
    const view = requestModal(input({ prefill: { offeringId: dfOffering(99).id } }));
    expect(selectOf(view, OFFERING_BLOCK.devicefarm).initial_option).toBeUndefined();
    expect('initial_option' in selectOf(view, OFFERING_BLOCK.devicefarm)).toBe(false);
  });

  it('fills in the quantity as text, when the form accepts it', () => {
    const renew = (quantity: number) =>
      element(requestModal(input({ kind: 'renew', prefill: { quantity } })), QUANTITY_BLOCK);
    expect(renew(5)).toMatchObject({ type: 'number_input', initial_value: '5' });
    expect(renew(0)).toMatchObject({ initial_value: '0' });
    expect(renew(50)).toMatchObject({ initial_value: '50' });
    for (const unusable of [51, -1, 2.5, Number.NaN]) {
      expect(renew(unusable)).not.toHaveProperty('initial_value');
    }
    const purchase = element(requestModal(input({ prefill: { quantity: 0 } })), QUANTITY_BLOCK);
    expect(purchase).not.toHaveProperty('initial_value');
  });

  it('fills in the reservation name and the reason, within their lengths', () => {
    const view = requestModal(
      input({
        service: 'mediaconnect',
        prefill: { reservationName: 'live-2027', reason: 'The live-2026 reservation ends soon.' },
      }),
    );
    expect(element(view, RESERVATION_NAME_BLOCK)).toMatchObject({ initial_value: 'live-2027' });
    expect(element(view, REASON_BLOCK)).toMatchObject({
      initial_value: 'The live-2026 reservation ends soon.',
    });

    const long = requestModal(
      input({
        service: 'mediaconnect',
        prefill: { reservationName: 'n'.repeat(300), reason: 'r'.repeat(5000) },
      }),
    );
    const name = element(long, RESERVATION_NAME_BLOCK);
    const reason = element(long, REASON_BLOCK);
    expect(name.type === 'plain_text_input' && name.initial_value?.length).toBe(128);
    expect(reason.type === 'plain_text_input' && reason.initial_value?.length).toBe(1000);
    expect(
      element(requestModal(input({ prefill: { reason: 'Keep testing' } })), REASON_BLOCK),
    ).toMatchObject({ initial_value: 'Keep testing' });
  });

  it('says on top why the form is pre-filled, fully escaped', () => {
    const view = requestModal(
      input({
        kind: 'renew',
        prefill: { note: 'Pre-filled from the renewal notice <@U0ME> <!here> & co.' },
      }),
    );
    expect(view.blocks[0]).toMatchObject({
      type: 'context',
      elements: [
        {
          text: ':information_source: Pre-filled from the renewal notice &lt;@U0ME&gt; &lt;!here&gt; &amp; co.',
        },
      ],
    });
    const both = requestModal(
      input({ error: 'AWS is slow.', prefill: { note: 'From a notice.' } }),
    );
    expect(both.blocks[0]).toMatchObject({
      type: 'section',
      text: { text: ':warning: AWS is slow.' },
    });
    expect(both.blocks[1]).toMatchObject({ type: 'context' });
    expect(modalViolations(both)).toEqual([]);
  });

  it('is the same form as without pre-fill when nothing is pre-filled', () => {
    for (const base of [input(), input({ kind: 'renew' }), input({ service: 'mediaconnect' })]) {
      expect(requestModal({ ...base, prefill: {} })).toEqual(requestModal(base));
      expect(requestModal({ ...base, prefill: { note: '  ', reason: ' ' } })).toEqual(
        requestModal(base),
      );
    }
  });
});

describe('requestSentModal', () => {
  const request: PurchaseRequest = {
    id: 'R7K2M9QX',
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: dfOffering(1).id, quantity: 3 },
    quote: deviceFarmQuote(3, 'Android <slot>'),
    requester: 'U0REQUESTR',
    reason: 'Release testing',
    createdAt: NOW,
    expiresAt: new Date('2026-11-23T10:00:00Z'),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
  };

  it('says where the request waits, what it commits and when it expires, with no form', () => {
    const view = requestSentModal(request, 'C0APPROVALS');
    const text = blockText(view);
    expect(text).toContain(
      'Request *R7K2M9QX* is waiting for approval in <#C0APPROVALS>: buy *3 slots* of *Android &lt;slot&gt;*, committing *$750.00 per month*.',
    );
    expect(text).toContain('It expires 23 Nov 2026, 10:00 UTC');
    expect(view.submit).toBeUndefined();
    expect(modalViolations(view)).toEqual([]);
    expect(blockText(requestSentModal(request))).toContain('is waiting for approval: buy');
  });

  const mcRequest = (start?: string): PurchaseRequest => ({
    ...request,
    action: {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn: `${ARN_PREFIX.replace('111122223333', '')}MC10`,
      reservationName: 'live-2026',
      ...(start && { start }),
    },
    quote: mediaConnectQuote('10 Mbps'),
  });

  it('says a MediaConnect term without a start starts when approved, at most the quote', () => {
    const text = blockText(requestSentModal(mcRequest(), 'C0APPROVALS'));
    expect(text).toContain('as `live-2026`, starting when approved, committing *at most $1,098.00');
    const given = blockText(requestSentModal(mcRequest('2026-11-01T00:00:00Z'), 'C0APPROVALS'));
    expect(given).toContain('starting 1 Nov 2026, 00:00 UTC, committing *$1,098.00 over');
    expect(given).not.toContain('when approved');
  });
});

describe('loadingModal', () => {
  it('opens at once with no form', () => {
    const view = loadingModal();
    expect(view.submit).toBeUndefined();
    expect(view.blocks.some((b) => b.type === 'input')).toBe(false);
    expect(blockText(view)).toContain('Reading offerings');
    expect(modalViolations(view)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Reading a submission

type Field = { value?: string | null; selected_option?: { value: string } | null };

function values(fields: Record<string, Record<string, Field>>): ViewStateValues {
  return fields;
}

const options = { maxQuantity: 50, now: NOW };
const DF_PURCHASE: RequestModalMetadata = { kind: 'purchase', service: 'devicefarm' };
const DF_RENEW: RequestModalMetadata = { kind: 'renew', service: 'devicefarm' };
const MC_PURCHASE: RequestModalMetadata = { kind: 'purchase', service: 'mediaconnect' };

describe('readRequestForm', () => {
  const dfValues = (
    over: {
      offering?: string | null;
      quantity?: string | null;
      promotion?: string | null;
      reason?: string | null;
    } = {},
  ) =>
    values({
      [OFFERING_BLOCK.devicefarm]: {
        [OFFERING_ACTION]: {
          selected_option:
            over.offering === null ? null : { value: over.offering ?? dfOffering(1).id },
        },
      },
      [QUANTITY_BLOCK]: {
        [QUANTITY_ACTION]: { value: over.quantity === undefined ? '3' : over.quantity },
      },
      [PROMOTION_BLOCK]: {
        [PROMOTION_ACTION]: { selected_option: over.promotion ? { value: over.promotion } : null },
      },
      [REASON_BLOCK]: {
        [REASON_ACTION]: { value: over.reason === undefined ? ' Release testing ' : over.reason },
      },
    });

  it('reads a Device Farm purchase', () => {
    expect(readRequestForm(dfValues(), DF_PURCHASE, options)).toEqual({
      ok: true,
      action: {
        service: 'devicefarm',
        kind: 'purchase',
        offeringId: dfOffering(1).id,
        quantity: 3,
      },
      reason: 'Release testing',
    });
    expect(
      readRequestForm(dfValues({ promotion: 'promo-android-free-month' }), DF_PURCHASE, options),
    ).toMatchObject({
      ok: true,
      action: { promotionId: 'promo-android-free-month' },
    });
  });

  it('reads a renewal to 0, ignoring any promotion', () => {
    expect(
      readRequestForm(dfValues({ quantity: '0', promotion: 'promo-1' }), DF_RENEW, options),
    ).toEqual({
      ok: true,
      action: { service: 'devicefarm', kind: 'renew', offeringId: dfOffering(1).id, quantity: 0 },
      reason: 'Release testing',
    });
  });

  it('reports every problem at once, under its own block, as plain text', () => {
    const result = readRequestForm(
      dfValues({ offering: null, quantity: '0', reason: '   ' }),
      DF_PURCHASE,
      options,
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        [OFFERING_BLOCK.devicefarm]: 'Choose an offering.',
        [QUANTITY_BLOCK]: 'A purchase buys at least 1 slot; use a whole number from 1 to 50.',
        [REASON_BLOCK]: 'Say why this is needed; approvers read it before deciding.',
      },
    });
    const over = readRequestForm(dfValues({ quantity: '51' }), DF_PURCHASE, {
      ...options,
      maxQuantity: 50,
    });
    expect(over.ok === false && over.errors[QUANTITY_BLOCK]).toMatch(/is more than 50/);
    const missing = readRequestForm(values({}), DF_PURCHASE, options);
    expect(missing.ok === false && Object.keys(missing.errors).sort()).toEqual(
      [OFFERING_BLOCK.devicefarm, QUANTITY_BLOCK, REASON_BLOCK].sort(),
    );
  });

  it('checks a selected value as strictly as typed input', () => {
    const result = readRequestForm(
      dfValues({ offering: 'not-an-id', promotion: '<x>' }),
      DF_PURCHASE,
      options,
    );
    expect(result.ok === false && result.errors[OFFERING_BLOCK.devicefarm]).toMatch(
      /^"not-an-id" is not a Device Farm offering id/,
    );
    expect(result.ok === false && result.errors[PROMOTION_BLOCK]).toMatch(
      /^"<x>" is not a promotion id/,
    );
  });

  const mcValues = (over: { name?: string; start?: string | null; offering?: string } = {}) =>
    values({
      [OFFERING_BLOCK.mediaconnect]: {
        [OFFERING_ACTION]: { selected_option: { value: over.offering ?? `${ARN_PREFIX}MC10` } },
      },
      [RESERVATION_NAME_BLOCK]: { [RESERVATION_NAME_ACTION]: { value: over.name ?? 'live-2026' } },
      [START_BLOCK]: { [START_ACTION]: { value: over.start ?? null } },
      [REASON_BLOCK]: { [REASON_ACTION]: { value: 'Live events' } },
    });

  it('reads a MediaConnect purchase, leaving an empty start out (starts when approved)', () => {
    expect(readRequestForm(mcValues(), MC_PURCHASE, options)).toEqual({
      ok: true,
      action: {
        service: 'mediaconnect',
        kind: 'purchase',
        offeringArn: `${ARN_PREFIX}MC10`,
        reservationName: 'live-2026',
      },
      reason: 'Live events',
    });
    const blank = readRequestForm(mcValues({ start: '   ' }), MC_PURCHASE, options);
    expect(blank.ok && blank.action).not.toHaveProperty('start');
    expect(
      readRequestForm(mcValues({ start: '2026-11-01T00:00:00Z' }), MC_PURCHASE, options),
    ).toMatchObject({
      ok: true,
      action: { start: '2026-11-01T00:00:00Z' },
    });
  });

  it.each([
    ['with an account', `${ARN_PREFIX}MC10`],
    ['without an account', 'arn:aws:mediaconnect:us-west-2::offering:MC10'],
  ])('takes an offering ARN %s', (_, arn) => {
    const result = readRequestForm(mcValues({ offering: arn }), MC_PURCHASE, options);
    expect(result).toMatchObject({ ok: true, action: { offeringArn: arn } });
  });

  it('reports an offering ARN of the wrong shape under the offering block', () => {
    const result = readRequestForm(
      mcValues({ offering: 'arn:aws:mediaconnect:us-west-2::reservation:x' }),
      MC_PURCHASE,
      options,
    );
    expect(result.ok === false && result.errors[OFFERING_BLOCK.mediaconnect]).toMatch(
      /is the ARN of a reservation, not of an offering/,
    );
  });

  it('reports a bad name or start under its block, unescaped', () => {
    const result = readRequestForm(
      mcValues({ name: 'a<b>', start: '2026-10-31T23:59:59Z' }),
      MC_PURCHASE,
      options,
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        [RESERVATION_NAME_BLOCK]:
          'The reservation name "a<b>" is not allowed; use 1 to 128 letters, digits, "-", "_" or "." (no spaces).',
        [START_BLOCK]:
          'The start 2026-10-31T23:59:59Z is before this month; MediaConnect accepts a start from 2026-11-01T00:00:00Z (the 1st of this month, 00:00 UTC) up to now, 2026-11-22T10:00:00Z.',
      },
    });
  });
});

describe('readRequestModalMetadata', () => {
  it.each([
    '',
    'R7K2M9QX',
    '{}',
    '[]',
    'null',
    '{"kind":"renew","service":"mediaconnect"}',
    '{"kind":"buy","service":"devicefarm"}',
  ])('refuses %j', (text) => {
    expect(readRequestModalMetadata(text)).toBeUndefined();
  });
});

describe('blockForField', () => {
  it('maps the request service problem fields to input blocks of the form shown', () => {
    expect(blockForField('offering', 'mediaconnect')).toBe(OFFERING_BLOCK.mediaconnect);
    expect(blockForField('quantity', 'devicefarm')).toBe(QUANTITY_BLOCK);
    expect(blockForField('promotion', 'devicefarm')).toBe(PROMOTION_BLOCK);
    expect(blockForField('reservationName', 'mediaconnect')).toBe(RESERVATION_NAME_BLOCK);
    expect(blockForField('start', 'mediaconnect')).toBe(START_BLOCK);
    expect(blockForField('reason', 'devicefarm')).toBe(REASON_BLOCK);
    expect(blockForField('requester', 'devicefarm')).toBeUndefined();
    expect(blockForField('quantity', 'mediaconnect')).toBeUndefined();
  });
});
