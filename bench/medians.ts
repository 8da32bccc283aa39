// The medians of several bench runs (their result files), as one Markdown table: on a shared or
// busy machine one run says little, the median of three says more.
//   npx tsx bench/medians.ts bench/results/postgres-quick-A.json B.json C.json
import { readFileSync } from 'node:fs';
import type { BenchResult, RunStats } from './bench.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: npx tsx bench/medians.ts RESULT.json [RESULT.json …]\n');
  process.exit(2);
}
const results = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as BenchResult);
const median = (values: number[]) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const show = (value: number, unit = '') => (Number.isFinite(value) ? `${round(value)}${unit}` : '–');

const lines = [
  `Medians of ${results.length} runs (${results.map((result) => result.startedAt).join(', ')}), ${results[0]!.engine}, ${results[0]!.mode}.`,
  '',
  '| scenario | baseline req/s | guarded req/s | throughput ratio | baseline p50 | guarded p50 | p50 ratio | baseline p99 | guarded p99 | p99 ratio |',
  '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
];
for (const row of results[0]!.scenarios) {
  const rows = results.map((result) => result.scenarios.find((other) => other.id === row.id)).filter((found) => found !== undefined);
  // A run that completed no request has no latency: left out, not counted as 0 ms.
  const of = (pick: (r: (typeof rows)[number]) => RunStats | undefined, field: keyof RunStats) =>
    median(rows.map((r) => { const stats = pick(r); return stats && stats.requests > 0 ? stats[field] : NaN; }));
  const ratio = (pick: (r: (typeof rows)[number]) => number | undefined) => median(rows.map((r) => pick(r) ?? NaN));
  const completed = rows.filter((r) => (r.guarded?.requests ?? 0) > 0).length;
  const p99Ratio = median(rows.map((r) => (r.guarded?.requests && r.baseline?.requests ? r.guarded.p99 / Math.max(r.baseline.p99, 0.01) : NaN)));
  if (row.bare)
    lines.push(
      `| ${row.title}: bare graphql-yoga (the floor) | ${show(of((r) => r.bare, 'requestsPerSecond'))} | ${show(of((r) => r.guarded, 'requestsPerSecond'))} | ${show(ratio((r) => r.bareThroughputRatio), '×')} | ` +
        `${show(of((r) => r.bare, 'p50'), ' ms')} | ${show(of((r) => r.guarded, 'p50'), ' ms')} | ${show(ratio((r) => r.bareP50Ratio), '×')} | ${show(of((r) => r.bare, 'p99'), ' ms')} | ${show(of((r) => r.guarded, 'p99'), ' ms')} | – |`,
    );
  lines.push(
    `| ${row.title}${completed < rows.length ? ` (guarded completed no request in ${rows.length - completed} of ${rows.length} runs: those left out)` : ''} | ${show(of((r) => r.baseline, 'requestsPerSecond'))} | ${show(of((r) => r.guarded, 'requestsPerSecond'))} | ${show(ratio((r) => r.throughputRatio), '×')} | ` +
      `${show(of((r) => r.baseline, 'p50'), ' ms')} | ${show(of((r) => r.guarded, 'p50'), ' ms')} | ${show(ratio((r) => r.p50Ratio), '×')} | ` +
      `${show(of((r) => r.baseline, 'p99'), ' ms')} | ${show(of((r) => r.guarded, 'p99'), ' ms')} | ${show(p99Ratio, '×')} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
