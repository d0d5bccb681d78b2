import { describe, expect, it } from 'vitest';
import { contextTexts, sectionTexts } from '../../../test/helpers/blocks.js';
import {
  context,
  divider,
  header,
  internalErrorMessage,
  itemList,
  type KnownBlock,
  LIMITS,
  type Limits,
  layout,
  limitViolations,
  section,
} from './message.js';

const lines = (n: number, width = 20) =>
  Array.from({ length: n }, (_, i) => `• item ${i} `.padEnd(width, 'x'));

const note = (omitted: number, shown: number) =>
  shown > 0 ? `…and ${omitted} more not shown` : `${omitted} not shown`;

function shownItems(blocks: readonly KnownBlock[], prefix = '• item'): string[] {
  return sectionTexts(blocks)
    .flatMap((t) => t.split('\n'))
    .filter((l) => l.startsWith(prefix));
}

describe('layout', () => {
  it('packs a short list into one section, in order, with no note', () => {
    const blocks = layout([header('Title'), itemList(lines(3), note)]);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(shownItems(blocks)).toEqual(lines(3));
    expect(contextTexts(blocks)).toEqual([]);
  });

  it('emits nothing for an empty list', () => {
    expect(layout([itemList([], note)])).toEqual([]);
  });

  it('fills sections up to the character limit, never beyond', () => {
    const items = lines(400, 100);
    const blocks = layout([itemList(items, note)]);
    const texts = sectionTexts(blocks);
    expect(texts.length).toBeGreaterThan(1);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
    // Packed: each full section could not have taken one more line.
    for (const t of texts.slice(0, -1))
      expect(t.length + 1 + 100).toBeGreaterThan(LIMITS.sectionText);
  });

  it('stops at the message text budget and says exactly how many items were left out', () => {
    const items = lines(1000, 100);
    const blocks = layout([itemList(items, note)]);
    const shown = shownItems(blocks).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(1000);
    expect(contextTexts(blocks)).toEqual([`…and ${1000 - shown} more not shown`]);
    expect(limitViolations({ text: 'x', blocks })).toEqual([]);
  });

  it('stops at the block budget when items are short', () => {
    const small: Limits = { ...LIMITS, blocks: 6, sectionText: 50 };
    const blocks = layout([header('T'), itemList(lines(100, 20), note)], small);
    // header + 4 sections + the note
    expect(blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'context',
    ]);
    const shown = shownItems(blocks).length;
    expect(shown).toBe(8); // two 20-character lines per 50-character section
    expect(contextTexts(blocks)).toEqual([`…and ${100 - shown} more not shown`]);
    expect(limitViolations({ text: 'x', blocks }, small)).toEqual([]);
  });

  it('shares the budget between lists: a long list cannot starve a short one', () => {
    const small: Limits = { ...LIMITS, blocks: 10, sectionText: 50 };
    const a = lines(100, 20).map((l) => l.replace('item', 'a'));
    const b = lines(3, 20).map((l) => l.replace('item', 'b'));
    const blocks = layout([itemList(a, note), divider(), itemList(b, note)], small);
    expect(shownItems(blocks, '• b')).toHaveLength(3);
    const shownA = shownItems(blocks, '• a').length;
    expect(shownA).toBeGreaterThan(0);
    expect(contextTexts(blocks)).toEqual([`…and ${100 - shownA} more not shown`]);
    expect(blocks.length).toBeLessThanOrEqual(10);
  });

  it('reports items as not shown when no room is left at all', () => {
    const tiny: Limits = { ...LIMITS, blocks: 3 };
    const blocks = layout([header('T'), section('fixed'), itemList(lines(5), note)], tiny);
    expect(contextTexts(blocks)).toEqual(['5 not shown']);
    expect(blocks.length).toBeLessThanOrEqual(3);
  });

  it('truncates a single over-long line instead of breaking the section limit', () => {
    const blocks = layout([itemList([`• ${'y'.repeat(5000)}`], note)]);
    const [text] = sectionTexts(blocks);
    expect(text?.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(text?.endsWith('…')).toBe(true);
  });

  it('clamps fixed blocks handed to it', () => {
    const tooLong: KnownBlock = {
      type: 'header',
      text: { type: 'plain_text', text: 'h'.repeat(400) },
    };
    const [block] = layout([tooLong]);
    expect(block?.type === 'header' && block.text.text.length).toBe(LIMITS.headerText);
  });
});

describe('block builders', () => {
  it('keep header, section and context within limits', () => {
    const blocks = [
      header('h'.repeat(200)),
      section('s'.repeat(4000)),
      context(...Array.from({ length: 20 }, () => 'c')),
    ];
    expect(limitViolations({ text: 'fallback', blocks })).toEqual([]);
  });
});

describe('limitViolations', () => {
  it('accepts a small, well-formed message', () => {
    expect(limitViolations({ text: 'hi', blocks: [section('hello')] })).toEqual([]);
  });

  it('names each broken limit', () => {
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
      {
        type: 'section',
        fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'f' })),
      },
      {
        type: 'context',
        elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'c' })),
      },
      ...Array.from({ length: 50 }, () => divider()),
    ];
    const problems = limitViolations({ text: ' ', blocks });
    expect(problems).toEqual(
      expect.arrayContaining([
        'fallback text is empty',
        '55 blocks > 50',
        'block 0 (header): header text too long',
        'block 1 (section): text has 3001 characters',
        'block 2 (section): text has 0 characters',
        'block 3 (section): too many fields',
        'block 4 (context): too many elements',
      ]),
    );
  });

  it('counts the text of the whole message', () => {
    const blocks = Array.from({ length: 6 }, () => section('s'.repeat(3000)));
    expect(limitViolations({ text: 'x', blocks })).toEqual([
      `18000 characters of text > ${LIMITS.messageText}`,
    ]);
  });
});

describe('internalErrorMessage', () => {
  it('is a warning that changes nothing and shows no detail', () => {
    const message = internalErrorMessage();
    expect(limitViolations(message)).toEqual([]);
    expect(sectionTexts(message.blocks).join()).toContain('nothing was changed');
  });
});
