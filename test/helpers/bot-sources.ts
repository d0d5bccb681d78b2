/** The bot's own source files, for tests that check what the code calls (scopes, IAM actions). */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * `[path from the root, text]` of every non-test `.ts` file under `src/`, less the sandbox and the
 * simulator: they stand in for Slack and AWS (they answer calls); they are not the bot.
 */
export function botSources(): [string, string][] {
  return readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !/[/\\]src[/\\](sandbox|sim)[/\\]/.test(f))
    .map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')]);
}
