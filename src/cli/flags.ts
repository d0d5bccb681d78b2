/**
 * The flags of the project's command-line tools (`npm run audit`, `npm run db:copy`), read the
 * same way: every problem is named by its flag and none repeats a value (a misplaced URL may hold
 * a password). The tools check the values themselves, with zod, through `flagProblems`.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';

export type FlagSpec = Readonly<Record<string, { type: 'string' | 'boolean'; short?: string }>>;

export interface FlagWords<N extends string> {
  /** What to say about an argument without a flag. */
  readonly positional: (value: string) => string;
  /** The flags, for "unknown flag …; the flags are …". */
  readonly flagList: string;
  /** A flag with its value, for "needs a value, e.g. …". */
  readonly example: Readonly<Record<N, string>>;
}

export interface FlagReading<N extends string> {
  /** A string flag given without a value reads as ''. */
  readonly values: Partial<Record<N, string | boolean>>;
  readonly problems: string[];
}

export function readFlags<N extends string>(
  argv: readonly string[],
  flags: FlagSpec & Record<N, unknown>,
  words: FlagWords<N>,
): FlagReading<N> {
  const { tokens } = parseArgs({
    args: [...argv],
    options: flags,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  const values: Partial<Record<N, string | boolean>> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      problems.push(words.positional(token.value));
      continue;
    }
    const name = token.name as N;
    if (!Object.hasOwn(flags, name)) {
      problems.push(`unknown flag ${token.rawName}; the flags are ${words.flagList}`);
      continue;
    }
    if (values[name] !== undefined) {
      problems.push(`${token.rawName} is given more than once`);
      continue;
    }
    if (flags[name]!.type === 'boolean') {
      if (token.value !== undefined) problems.push(`${token.rawName} takes no value`);
      values[name] = true;
      continue;
    }
    // `--a --b x` would read "--b" as a's value: a value must not look like a flag.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      problems.push(`${token.rawName} needs a value, e.g. ${words.example[name]}`);
      values[name] = '';
      continue;
    }
    values[name] = token.value;
  }
  return { values, problems };
}

/** A string flag's value, `undefined` when absent or given without a value. */
export function flagValue<N extends string>(reading: FlagReading<N>, name: N): string | undefined {
  const value = reading.values[name];
  return value === '' || typeof value !== 'string' ? undefined : value;
}

/**
 * The messages of a failed zod parse of the flags, less those about a flag already reported as
 * given without a value (it is not "required" as well).
 */
export function flagProblems<N extends string>(
  reading: FlagReading<N>,
  error: z.ZodError,
): string[] {
  return error.issues
    .filter((issue) => reading.values[String(issue.path[0]) as N] !== '')
    .map((issue) => issue.message);
}
