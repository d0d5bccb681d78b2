import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus.js';

const GOOD = [
  '# HELP a_total Things, with a \\\\ and a \\n.',
  '# TYPE a_total counter',
  'a_total{x="1",y="q\\"uote\\\\d\\n"} 3',
  'a_total 4 1700000000000',
  '# TYPE g gauge',
  'g NaN',
  'g{k="v"} -Inf',
  '# TYPE h histogram',
  'h_bucket{le="0.5",s="a"} 1',
  'h_bucket{le="+Inf",s="a"} 2',
  'h_sum{s="a"} 1.25e0',
  'h_count{s="a"} 2',
  '',
].join('\n');

describe('parsePrometheusText', () => {
  it('reads HELP, TYPE and samples with labels, escapes and special values', () => {
    const m = parsePrometheusText(GOOD);
    expect(m.families.get('a_total')).toMatchObject({
      type: 'counter',
      help: 'Things, with a \\ and a \n.',
    });
    expect(m.value('a_total', { x: '1', y: 'q"uote\\d\n' })).toBe(3);
    expect(m.value('a_total')).toBe(4);
    expect(m.value('g')).toBeNaN();
    expect(m.value('g', { k: 'v' })).toBe(Number.NEGATIVE_INFINITY);
    expect(m.value('h_count', { s: 'a' })).toBe(2);
    expect(m.samples('h_bucket')).toHaveLength(2);
    expect(m.value('h_count')).toBeUndefined();
  });

  it.each([
    ['a comment that is neither HELP nor TYPE', '# just a comment'],
    ['a TYPE of no known type', '# TYPE x widget'],
    ['a sample with no TYPE', 'x 1'],
    ['a value that is not a number', '# TYPE x gauge\nx one'],
    ['no value', '# TYPE x gauge\nx'],
    ['an unquoted label value', '# TYPE x gauge\nx{a=b} 1'],
    ['an unterminated label value', '# TYPE x gauge\nx{a="b} 1'],
    ['a bad escape', '# TYPE x gauge\nx{a="\\t"} 1'],
    ['a label twice', '# TYPE x gauge\nx{a="1",a="2"} 1'],
    ['a bad label name', '# TYPE x gauge\nx{1a="1"} 1'],
    ['junk after the value', '# TYPE x gauge\nx 1 2 3'],
    ['a bad timestamp', '# TYPE x gauge\nx 1 soon'],
    ['a series twice', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2'],
    ['a TYPE twice', '# TYPE x gauge\n# TYPE x gauge'],
    ['HELP without TYPE', '# HELP x what'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1'],
    [
      'a histogram whose +Inf is not its count',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2',
    ],
    [
      'buckets that are not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1',
    ],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
