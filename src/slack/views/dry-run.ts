/**
 * Dry run (SLOTS_DRY_RUN=true): the banner every request card and the Home tab carry, and the
 * call a dry run did not send, shown exactly as it would have gone to AWS.
 */
import type { types } from '@slack/bolt';
import type { DryRunCall } from '../../domain/requests.js';
import { context } from './message.js';
import { code, escapeMrkdwn, truncate } from './mrkdwn.js';

export const DRY_RUN_BANNER_BLOCK = 'dry_run_banner';

/** The sentence of the banner, for surfaces that are not Block Kit. */
export const DRY_RUN_TEXT =
  ':test_tube: *Dry run* — slots-bot sends no purchase or renewal to AWS (`SLOTS_DRY_RUN=true`). ' +
  'An approved request shows the call it would have sent, and nothing is bought.';

/** A context block saying slots-bot runs dry; the first block of every card and of the Home tab. */
export function dryRunBanner(): types.ContextBlock {
  return { ...context(DRY_RUN_TEXT), block_id: DRY_RUN_BANNER_BLOCK };
}

/**
 * A value longer than this is cut. AWS parameters are ids, ARNs, quantities and names of at most
 * a few hundred characters; the cap only keeps a corrupt row within a section's 3000 characters.
 */
const VALUE_SHOWN_MAX = 400;
/** The parameter lines together; beyond this the rest are counted, not shown. */
const PARAMETERS_SHOWN_CHARS = 2_200;

/**
 * `*Not sent to AWS:* `devicefarm:PurchaseOffering` in `us-west-2`` and a code block with one
 * parameter per line, `name: value`, the value as JSON (strings quoted), so what is shown is what
 * would have been sent. Escaped mrkdwn within one section.
 */
export function dryRunCallText(call: DryRunCall): string {
  const lines: string[] = [];
  let used = 0;
  const entries = Object.entries(call.parameters);
  for (const [name, value] of entries) {
    const line = `${truncate(name, 100)}: ${truncate(jsonValue(value), VALUE_SHOWN_MAX)}`;
    if (used + line.length > PARAMETERS_SHOWN_CHARS) break;
    lines.push(line);
    used += line.length + 1;
  }
  const more = entries.length - lines.length;
  if (more > 0) lines.push(`… and ${more} more`);
  const block = lines.length > 0 ? lines.join('\n') : '(no parameters)';
  return [
    `*Not sent to AWS:* ${code(truncate(call.operation, 100))} in ${code(truncate(call.region, 60))}`,
    `\`\`\`${inCodeBlock(block)}\`\`\``,
  ].join('\n');
}

function jsonValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Escaped for mrkdwn; a triple backtick in a value would end the block, so it is broken up. */
function inCodeBlock(text: string): string {
  return escapeMrkdwn(text).replace(/```/g, '`\u200b`\u200b`');
}
