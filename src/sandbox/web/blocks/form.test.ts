import { describe, expect, it } from 'vitest';
import type { BlockKit } from '../../protocol.js';
import { clientErrors, REQUIRED_MESSAGE, stateValues, withEdit } from './form.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const ANDROID = { text: plain('Android'), value: 'OFF-ANDROID' };
const IOS = { text: plain('iOS'), value: 'OFF-IOS' };

const input = (block_id: string, element: BlockKit, optional = false): BlockKit => ({
  type: 'input',
  block_id,
  label: plain(block_id),
  optional,
  element,
});

const FORM: BlockKit[] = [
  {
    type: 'actions',
    block_id: 'request_service',
    elements: [
      {
        type: 'radio_buttons',
        action_id: 'request_service_choice',
        options: [
          { text: plain('Device Farm'), value: 'devicefarm' },
          { text: plain('MediaConnect'), value: 'mediaconnect' },
        ],
        initial_option: { text: plain('Device Farm'), value: 'devicefarm' },
      },
      { type: 'button', action_id: 'noop', text: plain('Help') },
    ],
  },
  input('offering', {
    type: 'static_select',
    action_id: 'pick',
    option_groups: [
      { label: plain('Android'), options: [ANDROID] },
      { label: plain('iOS'), options: [IOS] },
    ],
  }),
  input('quantity', {
    type: 'number_input',
    action_id: 'q',
    is_decimal_allowed: false,
    min_value: '1',
    max_value: '10',
    initial_value: '2',
  }),
  input('reason', { type: 'plain_text_input', action_id: 'r', multiline: true }, true),
  input(
    'notify',
    {
      type: 'checkboxes',
      action_id: 'n',
      options: [ANDROID, IOS],
      initial_options: [IOS],
    },
    true,
  ),
  input('day', { type: 'datepicker', action_id: 'd' }, true),
  { type: 'section', text: { type: 'mrkdwn', text: 'no state here' } },
];

describe('state.values', () => {
  it('has Slack’s shapes for every stateful element, initial values included', () => {
    expect(stateValues(FORM, {})).toEqual({
      request_service: {
        request_service_choice: {
          type: 'radio_buttons',
          selected_option: { text: plain('Device Farm'), value: 'devicefarm' },
        },
      },
      offering: { pick: { type: 'static_select', selected_option: null } },
      quantity: { q: { type: 'number_input', value: '2' } },
      reason: { r: { type: 'plain_text_input', value: null } },
      notify: { n: { type: 'checkboxes', selected_options: [IOS] } },
      day: { d: { type: 'datepicker', selected_date: null } },
    });
  });

  it('takes edits, and keeps them across an update for ids that still exist', () => {
    let edits = withEdit({}, 'offering', 'pick', { type: 'static_select', selected_option: IOS });
    edits = withEdit(edits, 'reason', 'r', { type: 'plain_text_input', value: 'Release week' });
    edits = withEdit(edits, 'gone', 'x', { type: 'plain_text_input', value: 'old' });
    const updated = FORM.filter((b) => b.block_id !== 'quantity');
    const values = stateValues(updated, edits);
    expect(values.offering).toEqual({ pick: { type: 'static_select', selected_option: IOS } });
    expect(values.reason).toEqual({ r: { type: 'plain_text_input', value: 'Release week' } });
    expect(values.gone).toBeUndefined();
    expect(values.quantity).toBeUndefined();
  });

  it('uses the option object as listed, even when initial_option differs in detail', () => {
    const blocks = [
      input('offering', {
        type: 'static_select',
        action_id: 'pick',
        options: [ANDROID, IOS],
        initial_option: { value: 'OFF-IOS', text: plain('iOS (old text)') },
      }),
    ];
    expect(stateValues(blocks, {}).offering?.pick).toEqual({
      type: 'static_select',
      selected_option: IOS,
    });
  });
});

describe('client-side checks', () => {
  it('refuses an empty required field and says so under it', () => {
    expect(clientErrors(FORM, {})).toEqual({ offering: REQUIRED_MESSAGE });
  });

  it('passes a complete form', () => {
    const edits = withEdit({}, 'offering', 'pick', { type: 'static_select', selected_option: IOS });
    expect(clientErrors(FORM, edits)).toEqual({});
  });

  it.each([
    ['abc', 'Please enter a whole number.'],
    ['1.5', 'Please enter a whole number.'],
    ['0', 'Please enter a number between 1 and 10.'],
    ['11', 'Please enter a number between 1 and 10.'],
    [null, REQUIRED_MESSAGE],
  ])('checks number input %j', (value, message) => {
    let edits = withEdit({}, 'offering', 'pick', { type: 'static_select', selected_option: IOS });
    edits = withEdit(edits, 'quantity', 'q', { type: 'number_input', value });
    expect(clientErrors(FORM, edits)).toEqual({ quantity: message });
  });

  it('allows decimals when the element does', () => {
    const blocks = [
      input('mbps', { type: 'number_input', action_id: 'm', is_decimal_allowed: true }),
    ];
    const edits = withEdit({}, 'mbps', 'm', { type: 'number_input', value: '2.5' });
    expect(clientErrors(blocks, edits)).toEqual({});
  });

  it('checks text lengths', () => {
    const blocks = [
      input('name', { type: 'plain_text_input', action_id: 'n', min_length: 3, max_length: 5 }),
    ];
    const at = (value: string) =>
      clientErrors(blocks, withEdit({}, 'name', 'n', { type: 'plain_text_input', value }));
    expect(at('ab')).toEqual({ name: 'Please use at least 3 characters.' });
    expect(at('abcdef')).toEqual({ name: 'Please use no more than 5 characters.' });
    expect(at('abcd')).toEqual({});
  });
});
