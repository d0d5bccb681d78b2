import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { BlockKit } from '../../protocol.js';
import { BLOCK_RENDERERS, Blocks } from './blocks.js';
import { ELEMENT_RENDERERS } from './elements.js';
import type { FormEdits } from './form.js';
import { testEnv } from './test-env.js';

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const option = (text: string, value: string, description?: string) => ({
  text: plain(text),
  value,
  ...(description && { description: plain(description) }),
});

function html(blocks: BlockKit[], edits: FormEdits = {}, errors: Record<string, string> = {}) {
  return render(<Blocks blocks={blocks} env={testEnv({ errors }, edits)} />);
}

const APPROVE = {
  type: 'button',
  action_id: 'request_approve',
  text: plain('Approve'),
  style: 'primary',
  value: 'R7K2M9QX',
  confirm: {
    title: plain('Approve request R7K2M9QX?'),
    text: mrkdwn('This commits *$750.00 per month*.'),
    confirm: plain('Approve and buy'),
    deny: plain('Not yet'),
    style: 'primary',
  },
};

const OFFERINGS = [
  option('Android · Unmetered device slot — $250.00/slot/mo', 'OFF-ANDROID'),
  option('iOS · Unmetered device slot — $250.00/slot/mo', 'OFF-IOS'),
];

describe('block renderers', () => {
  it('section: text, fields and an accessory', () => {
    const out = html([
      {
        type: 'section',
        block_id: 'status',
        text: mrkdwn('*Device Farm* slots held: *3*'),
        fields: [mrkdwn('*Android*\n2 slots'), mrkdwn('*iOS*\n1 slot')],
        accessory: { ...APPROVE, confirm: undefined },
      },
    ]);
    expect(out).toContain('data-block-type="section"');
    expect(out).toContain('<strong>Device Farm</strong> slots held: <strong>3</strong>');
    expect(out).toContain('<strong>Android</strong><br/>2 slots');
    expect(out).toContain('data-action-id="request_approve"');
  });

  it('actions: buttons with styles, values and confirm dialogs', () => {
    const out = html([
      {
        type: 'actions',
        block_id: 'request_actions',
        elements: [
          APPROVE,
          {
            type: 'button',
            action_id: 'request_reject',
            text: plain('Reject'),
            style: 'danger',
            value: 'R7K2M9QX',
          },
          {
            type: 'button',
            action_id: 'request_cancel',
            text: plain('Cancel request'),
            value: 'R7K2M9QX',
          },
        ],
      },
    ]);
    expect(out).toContain('data-block-type="actions"');
    expect(out).toMatch(
      /<button type="button" class="bk-button bk-button-primary" data-action-id="request_approve" data-has-confirm="true" value="R7K2M9QX">Approve<\/button>/,
    );
    expect(out).toContain('class="bk-button bk-button-danger" data-action-id="request_reject"');
    expect(out).toContain('data-action-id="request_cancel"');
    expect(out).toContain('>Cancel request</button>');
  });

  it('context: mrkdwn and images as alt text (nothing fetched)', () => {
    const out = html([
      {
        type: 'context',
        elements: [
          mrkdwn('Request `R7K2M9QX` · asked by <@U0ALICE>'),
          { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'logo' },
        ],
      },
    ]);
    expect(out).toContain('data-block-type="context"');
    expect(out).toContain('<code>R7K2M9QX</code>');
    expect(out).toContain('@Alice');
    expect(out).toContain('logo');
    expect(out).not.toContain('example.com');
  });

  it('divider and header', () => {
    const out = html([
      { type: 'header', text: plain(':receipt: Slots status') },
      { type: 'divider' },
    ]);
    expect(out).toContain('<h3 class="bk-header">🧾 Slots status</h3>');
    expect(out).toContain('data-block-type="divider"');
  });

  it('input with static_select: label bound, option groups, initial option', () => {
    const out = html([
      {
        type: 'input',
        block_id: 'request_offering_devicefarm',
        label: plain('Offering'),
        element: {
          type: 'static_select',
          action_id: 'request_offering',
          placeholder: plain('Choose an offering'),
          option_groups: [
            { label: plain('Android'), options: [OFFERINGS[0]] },
            { label: plain('iOS'), options: [OFFERINGS[1]] },
          ],
          initial_option: OFFERINGS[1],
        },
      },
    ]);
    const id = 't--request_offering_devicefarm--request_offering';
    expect(out).toContain(`<label class="bk-label" id="${id}--label" for="${id}">Offering</label>`);
    expect(out).toContain(`<select id="${id}"`);
    expect(out).toContain('<optgroup label="Android">');
    expect(out).toContain('<option value>Choose an offering</option>');
    expect(out).toContain('<option selected value="OFF-IOS">iOS · Unmetered');
  });

  it('radio_buttons: native radios with labels, descriptions and the initial option', () => {
    const options = [
      option('Device Farm device slots', 'devicefarm', 'Monthly slots'),
      option('MediaConnect bandwidth', 'mediaconnect'),
    ];
    const out = html([
      {
        type: 'actions',
        block_id: 'request_service',
        elements: [
          {
            type: 'radio_buttons',
            action_id: 'request_service_choice',
            options,
            initial_option: options[1],
          },
        ],
      },
    ]);
    expect(out).toContain('role="radiogroup"');
    expect(out).toMatch(
      /<input id="([^"]+)-0" type="radio"[^>]*value="devicefarm"\/><label for="\1-0">/,
    );
    expect(out).toContain('value="mediaconnect" checked');
    expect(out).toContain('<span class="bk-choice-description">Monthly slots</span>');
  });

  it('plain_text_input: multiline, initial value, placeholder, lengths, optional', () => {
    const out = html([
      {
        type: 'input',
        block_id: 'request_reason',
        optional: true,
        label: plain('Reason'),
        hint: plain('Approvers read this before deciding.'),
        element: {
          type: 'plain_text_input',
          action_id: 'request_reason_input',
          multiline: true,
          min_length: 3,
          max_length: 500,
          initial_value: 'Release testing',
          placeholder: plain('Why is this needed?'),
        },
      },
      {
        type: 'input',
        block_id: 'request_reservation_name',
        label: plain('Reservation name'),
        element: { type: 'plain_text_input', action_id: 'name', max_length: 64 },
      },
    ]);
    expect(out).toMatch(
      /<textarea[^>]*placeholder="Why is this needed\?"[^>]*>Release testing<\/textarea>/,
    );
    expect(out).toMatch(/<textarea[^>]*maxlength="500"/i);
    expect(out).toMatch(/<textarea[^>]*minlength="3"/i);
    expect(out).toContain('(optional)');
    expect(out).toContain('Approvers read this before deciding.');
    expect(out).toMatch(
      /<input id="t--request_reservation_name--name"[^>]*type="text"[^>]*maxlength="64"/i,
    );
  });

  it('number_input: bounds, decimals, initial value', () => {
    const out = html([
      {
        type: 'input',
        block_id: 'request_quantity',
        label: plain('Slots to buy'),
        element: {
          type: 'number_input',
          action_id: 'request_quantity_input',
          is_decimal_allowed: false,
          min_value: '1',
          max_value: '10',
          initial_value: '3',
        },
      },
    ]);
    expect(out).toContain('for="t--request_quantity--request_quantity_input"');
    expect(out).toMatch(/<input id="t--request_quantity--request_quantity_input"[^>]*value="3"/);
    expect(out).toContain('inputmode="numeric"');
    expect(out).toContain('data-min="1"');
    expect(out).toContain('data-max="10"');
  });

  it('checkboxes, datepicker and overflow', () => {
    const options = [option('Email me', 'email'), option('Post in channel', 'post')];
    const out = html([
      {
        type: 'input',
        block_id: 'notify',
        label: plain('Notify'),
        element: {
          type: 'checkboxes',
          action_id: 'notify_choice',
          options,
          initial_options: [options[1]],
        },
      },
      {
        type: 'input',
        block_id: 'day',
        label: plain('Day'),
        element: { type: 'datepicker', action_id: 'day_pick', initial_date: '2026-12-24' },
      },
      {
        type: 'section',
        text: mrkdwn('More'),
        accessory: { type: 'overflow', action_id: 'more', options },
      },
    ]);
    expect(out).toMatch(/type="checkbox"[^>]*value="post" checked/);
    expect(out).not.toMatch(/value="email" checked/);
    expect(out).toContain('type="date"');
    expect(out).toContain('value="2026-12-24"');
    expect(out).toContain('data-action-id="more"');
    expect(out).toContain('<option value="post">Post in channel</option>');
  });

  it('image and rich_text', () => {
    const out = html([
      { type: 'image', image_url: 'https://example.com/x.png', alt_text: 'a chart' },
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: 'Hi ', style: { bold: true } },
              { type: 'user', user_id: 'U0BOB' },
              { type: 'emoji', name: 'tada' },
            ],
          },
        ],
      },
    ]);
    expect(out).toContain('a chart');
    expect(out).not.toContain('example.com');
    expect(out).toContain('<strong>Hi </strong>');
    expect(out).toContain('@Bob');
    expect(out).toContain('🎉');
  });

  it('an unknown block or element is named, not fatal', () => {
    const out = html([
      { type: 'video', title: plain('x') },
      { type: 'actions', elements: [{ type: 'users_select', action_id: 'who' }] },
      { type: 'section', text: mrkdwn('still here') },
    ]);
    expect(out).toContain('[unsupported block: video]');
    expect(out).toContain('[unsupported element: users_select]');
    expect(out).toContain('still here');
  });

  it('shows an edited value and an error under its field', () => {
    const out = html(
      [
        {
          type: 'input',
          block_id: 'request_quantity',
          label: plain('Slots to buy'),
          element: { type: 'number_input', action_id: 'q', is_decimal_allowed: false },
        },
      ],
      { request_quantity: { q: { type: 'number_input', value: '99' } } },
      { request_quantity: 'At most 10 slots.' },
    );
    expect(out).toContain('value="99"');
    expect(out).toContain('data-testid="field-error"');
    expect(out).toContain('At most 10 slots.');
  });

  it('has a renderer for every type it claims', () => {
    expect(Object.keys(BLOCK_RENDERERS).sort()).toEqual(
      ['actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'section'].sort(),
    );
    expect(Object.keys(ELEMENT_RENDERERS)).toEqual(
      expect.arrayContaining(['button', 'static_select', 'radio_buttons', 'number_input']),
    );
  });
});
