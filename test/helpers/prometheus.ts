/**
 * A strict reader of Prometheus's text exposition format (0.0.4), for tests: `# HELP` and
 * `# TYPE` lines, samples with labels, nothing else. Any line it cannot read throws, naming the
 * line, and so does a sample of a family with no `# TYPE`, a family declared twice, a repeated
 * series, or a histogram whose buckets do not end in `+Inf` equal to its `_count`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_count`, …). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly samples: Sample[];
}

export interface Exposition {
  readonly families: ReadonlyMap<string, Family>;
  /** The value of the one sample `name` with exactly these labels (all of them), if any. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample named `name` whose labels include `labels`. */
  samples(name: string, labels?: Record<string, string>): Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_START = new RegExp(`^(${NAME})`);
/** As Prometheus reads a value (Go's ParseFloat): the special values in any case. */
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)|nan)$/i;
const TIMESTAMP = /^-?\d+$/;

const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Exposition {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const help = HELP_LINE.exec(line);
      if (help) {
        if (helps.has(help[1]!)) throw new Error(`${where}: a second HELP for ${help[1]}`);
        helps.set(help[1]!, unescapeHelp(help[2]!, where));
        return;
      }
      const type = TYPE_LINE.exec(line);
      if (!type) throw new Error(`${where}: neither a HELP nor a TYPE line`);
      const name = type[1]!;
      if (families.has(name)) throw new Error(`${where}: a second TYPE for ${name}`);
      if ([...families.values()].some((f) => f.samples.some((s) => s.name === name))) {
        throw new Error(`${where}: TYPE for ${name} after its samples`);
      }
      families.set(name, {
        name,
        type: type[2] as MetricType,
        help: undefined,
        samples: [],
      });
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample of ${sample.name}, which has no TYPE`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: the series is repeated`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const [name, help] of helps) {
    const family = families.get(name);
    if (!family) throw new Error(`HELP for ${name}, which has no TYPE`);
    families.set(name, { ...family, help });
  }
  for (const family of families.values()) checkFamily(family);

  const matches = (s: Sample, labels: Record<string, string>) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const all = () => [...families.values()].flatMap((f) => f.samples);
  return {
    families,
    samples: (name, labels = {}) => all().filter((s) => s.name === name && matches(s, labels)),
    value(name, labels = {}) {
      const found = all().filter(
        (s) =>
          s.name === name &&
          matches(s, labels) &&
          Object.keys(s.labels).length === Object.keys(labels).length,
      );
      return found[0]?.value;
    },
  };
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const family of families.values()) {
    if (SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === sampleName)) {
      return family;
    }
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const start = SAMPLE_START.exec(line);
  if (!start) throw new Error(`${where}: not a sample`);
  const name = start[1]!;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const eq = rest.indexOf('=');
      const label = rest.slice(0, eq);
      if (eq < 0 || !LABEL_NAME.test(label)) throw new Error(`${where}: bad label name`);
      if (label in labels) throw new Error(`${where}: label ${label} twice`);
      rest = rest.slice(eq + 1);
      if (!rest.startsWith('"')) throw new Error(`${where}: label value not quoted`);
      let value = '';
      let j = 1;
      for (;;) {
        const c = rest[j];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const next = rest[j + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`${where}: bad escape in a label value`);
          j += 2;
          continue;
        }
        if (c === '\n') throw new Error(`${where}: raw newline in a label value`);
        value += c;
        j += 1;
      }
      labels[label] = value;
      rest = rest.slice(j + 1);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`${where}: expected , or } after a label`);
    }
    rest = rest.slice(1);
  }
  if (!rest.startsWith(' ')) throw new Error(`${where}: no space before the value`);
  const parts = rest.slice(1).split(' ');
  if (parts.length > 2 || !VALUE.test(parts[0] ?? '')) throw new Error(`${where}: bad value`);
  if (parts.length === 2 && !TIMESTAMP.test(parts[1]!)) throw new Error(`${where}: bad timestamp`);
  return { name, labels, value: numberOf(parts[0]!) };
}

function numberOf(text: string): number {
  const special = text.toLowerCase().replace(/^\+/, '');
  if (special === 'nan') return Number.NaN;
  if (special === 'inf' || special === 'infinity') return Number.POSITIVE_INFINITY;
  if (special === '-inf' || special === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\') return '\\';
    throw new Error(`${where}: bad escape in HELP`);
  });
}

/** Histograms: per series, cumulative buckets ending in `+Inf` equal to `_count`. */
function checkFamily(family: Family): void {
  if (family.type !== 'histogram') return;
  const series = new Map<string, { buckets: Sample[]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push(s);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else entry.sum = s.value;
  }
  for (const [key, { buckets, count, sum }] of series) {
    const where = `${family.name}${key}`;
    if (count === undefined || sum === undefined) throw new Error(`${where}: no _count or _sum`);
    const last = buckets.at(-1);
    if (last?.labels.le !== '+Inf') throw new Error(`${where}: buckets do not end in +Inf`);
    if (last.value !== count) throw new Error(`${where}: +Inf bucket is not _count`);
    buckets.reduce((previous, b) => {
      if (b.value < previous) throw new Error(`${where}: buckets are not cumulative`);
      return b.value;
    }, 0);
  }
}
