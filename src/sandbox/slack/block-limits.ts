/**
 * The Block Kit limits Slack enforces when a message or a view arrives, so an engineer changing
 * a card sees here that Slack would refuse it. Only the common limits (see
 * `/work/shared/slack/README.md` §7); each problem reads like Slack's own
 * (`[ERROR] must be at most 3000 characters [json-pointer:/blocks/0/text/text]`).
 */

export type Surface = 'message' | 'modal' | 'home';

const MAX_BLOCKS: Readonly<Record<Surface, number>> = { message: 50, modal: 100, home: 100 };
const ID_MAX = 255;
const SECTION_TEXT_MAX = 3000;
const SECTION_FIELDS_MAX = 10;
const HEADER_TEXT_MAX = 150;
const BUTTON_TEXT_MAX = 75;
const BUTTON_VALUE_MAX = 2000;
const ACTIONS_ELEMENTS_MAX = 25;
const CONTEXT_ELEMENTS_MAX = 10;
const OPTIONS_MAX = 100;
const VIEW_TEXT_MAX = 24;
const PRIVATE_METADATA_MAX = 3000;

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string | undefined =>
  isRecord(v) && typeof v.text === 'string' ? v.text : undefined;

/** Problems with `blocks` on `surface`; empty when Slack would take them. */
export function blockProblems(blocks: unknown, surface: Surface, at = '/blocks'): string[] {
  const problems: string[] = [];
  const fail = (what: string, path: string) =>
    problems.push(`[ERROR] ${what} [json-pointer:${path}]`);
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks)) {
    fail('must be an array', at);
    return problems;
  }
  if (blocks.length > MAX_BLOCKS[surface]) {
    fail(`no more than ${MAX_BLOCKS[surface]} items allowed`, at);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const path = `${at}/${i}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      fail('must be a block object with a type', path);
      return;
    }
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > ID_MAX)
        fail(`must be at most ${ID_MAX} characters`, `${path}/block_id`);
      if (blockIds.has(block.block_id)) fail('block_id must be unique', `${path}/block_id`);
      blockIds.add(block.block_id);
    }
    checkBlock(block, path, fail);
  });
  return problems;
}

function checkBlock(block: Json, path: string, fail: (what: string, path: string) => void): void {
  const maxText = (value: unknown, max: number, where: string) => {
    const text = textOf(value);
    if (text !== undefined && text.length > max) fail(`must be at most ${max} characters`, where);
  };
  switch (block.type) {
    case 'header': {
      const text = block.text;
      if (!isRecord(text) || text.type !== 'plain_text')
        fail('must be a plain_text object', `${path}/text`);
      maxText(text, HEADER_TEXT_MAX, `${path}/text/text`);
      break;
    }
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        fail('must provide text or fields', path);
      }
      maxText(block.text, SECTION_TEXT_MAX, `${path}/text/text`);
      if (Array.isArray(block.fields)) {
        if (block.fields.length > SECTION_FIELDS_MAX) {
          fail(`no more than ${SECTION_FIELDS_MAX} items allowed`, `${path}/fields`);
        }
        block.fields.forEach((f, j) => {
          maxText(f, 2000, `${path}/fields/${j}/text`);
        });
      }
      if (isRecord(block.accessory)) checkElement(block.accessory, `${path}/accessory`, fail);
      break;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length > ACTIONS_ELEMENTS_MAX) {
        fail(`no more than ${ACTIONS_ELEMENTS_MAX} items allowed`, `${path}/elements`);
      }
      elements.forEach((e, j) => {
        if (isRecord(e)) checkElement(e, `${path}/elements/${j}`, fail);
      });
      break;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length > CONTEXT_ELEMENTS_MAX) {
        fail(`no more than ${CONTEXT_ELEMENTS_MAX} items allowed`, `${path}/elements`);
      }
      break;
    }
    case 'input': {
      maxText(block.label, 2000, `${path}/label/text`);
      maxText(block.hint, 2000, `${path}/hint/text`);
      if (isRecord(block.element)) checkElement(block.element, `${path}/element`, fail);
      else fail('must provide an element', `${path}/element`);
      break;
    }
  }
}

function checkElement(
  element: Json,
  path: string,
  fail: (what: string, path: string) => void,
): void {
  if (typeof element.action_id === 'string' && element.action_id.length > ID_MAX) {
    fail(`must be at most ${ID_MAX} characters`, `${path}/action_id`);
  }
  if (element.type === 'button') {
    const text = textOf(element.text);
    if (text === undefined) fail('must provide text', `${path}/text`);
    else if (text.length > BUTTON_TEXT_MAX) {
      fail(`must be at most ${BUTTON_TEXT_MAX} characters`, `${path}/text/text`);
    }
    if (typeof element.value === 'string' && element.value.length > BUTTON_VALUE_MAX) {
      fail(`must be at most ${BUTTON_VALUE_MAX} characters`, `${path}/value`);
    }
  }
  if (Array.isArray(element.options) && element.options.length > OPTIONS_MAX) {
    fail(`no more than ${OPTIONS_MAX} items allowed`, `${path}/options`);
  }
  if (Array.isArray(element.option_groups) && element.option_groups.length > OPTIONS_MAX) {
    fail(`no more than ${OPTIONS_MAX} items allowed`, `${path}/option_groups`);
  }
}

/** Problems with a whole view (`views.open/push/update/publish`); empty when Slack takes it. */
export function viewProblems(view: unknown, expected: 'modal' | 'home'): string[] {
  if (!isRecord(view)) return ['[ERROR] must be an object [json-pointer:/view]'];
  const problems: string[] = [];
  const fail = (what: string, path: string) =>
    problems.push(`[ERROR] ${what} [json-pointer:${path}]`);
  if (view.type !== expected) fail(`must be ${expected}`, '/view/type');
  if (expected === 'modal') {
    const title = textOf(view.title);
    if (title === undefined) fail('must provide a title', '/view/title');
    else if (title.length > VIEW_TEXT_MAX)
      fail(`must be at most ${VIEW_TEXT_MAX} characters`, '/view/title/text');
    for (const key of ['submit', 'close'] as const) {
      const text = textOf(view[key]);
      if (text !== undefined && text.length > VIEW_TEXT_MAX) {
        fail(`must be at most ${VIEW_TEXT_MAX} characters`, `/view/${key}/text`);
      }
    }
    const hasInput =
      Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInput && view.submit === undefined)
      fail('must provide submit when there are inputs', '/view/submit');
  }
  for (const key of ['callback_id', 'external_id'] as const) {
    const v = view[key];
    if (typeof v === 'string' && v.length > ID_MAX)
      fail(`must be at most ${ID_MAX} characters`, `/view/${key}`);
  }
  if (
    typeof view.private_metadata === 'string' &&
    view.private_metadata.length > PRIVATE_METADATA_MAX
  ) {
    fail(`must be at most ${PRIVATE_METADATA_MAX} characters`, '/view/private_metadata');
  }
  if (!Array.isArray(view.blocks)) fail('must provide blocks', '/view/blocks');
  problems.push(...blockProblems(view.blocks, expected, '/view/blocks'));
  return problems;
}
