/**
 * Every Block Kit type the bot's views can produce has a renderer here: the views are scanned
 * for `type: '…'` literals, so a new block or element in a view fails this test until the page
 * can draw it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BLOCK_RENDERERS } from './blocks.js';
import { ELEMENT_RENDERERS } from './elements.js';
import { TEXT_RENDERERS } from './text.js';

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), '../../../slack/views');

/** Values of `type` in the views that are not blocks or elements. */
const NOT_BLOCKS = new Set(['modal', 'home', 'ephemeral', 'in_channel']);
const TEXT_TYPES = new Set(['plain_text', 'mrkdwn']);

function typesInViews(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of readdirSync(VIEWS)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const source = readFileSync(join(VIEWS, file), 'utf8');
    for (const m of source.matchAll(/\btype:\s*'([a-z_]+)'/g)) {
      const type = m[1]!;
      found.set(type, [...new Set([...(found.get(type) ?? []), file])]);
    }
  }
  return found;
}

describe('renderer coverage of the bot’s views', () => {
  const found = typesInViews();

  it('finds the views’ types', () => {
    expect(found.size).toBeGreaterThan(5);
    expect([...found.keys()]).toEqual(expect.arrayContaining(['section', 'button']));
  });

  it('has a renderer for every block and element type the views use', () => {
    const missing = [...found]
      .filter(([type]) => !NOT_BLOCKS.has(type) && !TEXT_TYPES.has(type))
      .filter(([type]) => !(type in BLOCK_RENDERERS) && !(type in ELEMENT_RENDERERS))
      .map(([type, files]) => `${type} (in ${files.join(', ')})`);
    expect(missing, `no renderer for: ${missing.join('; ')}`).toEqual([]);
  });

  it('renders every text object type the views use', () => {
    const missing = [...found.keys()].filter((t) => TEXT_TYPES.has(t) && !(t in TEXT_RENDERERS));
    expect(missing).toEqual([]);
  });
});
