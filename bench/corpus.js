// `npm run bench:corpus` (= `node scripts/build.js && node bench/corpus.js [name…]`): `testloop select` on
// the real repositories of bench/corpus/*.json, checkouts in $TESTLOOP_CORPUS_DIR. For every mutation with
// recorded truth: apply it, run `testloop select --changed <file> --format json` cold (its cache removed)
// and warm, restore. One row per repository (recall against the failing test files, fraction of the test
// files selected by testloop and by the runner's own related answer, times), then every miss. Exit 1 when a
// mutation's recall is below 1.
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  applyMutation,
  BENCH_CORPUS_DIR,
  checkoutOf,
  median,
  readEntry,
  runCommand,
  TESTLOOP_ROOT,
} from './corpus/lib.js';

const wanted = new Set(process.argv.slice(2).filter((a) => !a.startsWith('--')));
const names = readdirSync(BENCH_CORPUS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .filter((n) => wanted.size === 0 || wanted.has(n))
  .sort();
// --testloop=<bin> measures another build (a checkout of the base branch, say) on the same checkouts.
const binArg = process.argv.find((a) => a.startsWith('--testloop='));
const bin = binArg ? resolve(binArg.slice('--testloop='.length)) : join(TESTLOOP_ROOT, 'bin', 'testloop.js');
const log = (line) => process.stderr.write(`${line}\n`);

async function select(root, file) {
  const run = await runCommand(
    `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} select --changed ${JSON.stringify(file)} --format json`,
    root,
    {
      timeoutMs: 5 * 60_000,
    },
  );
  if (run.status !== 0 || run.timedOut) {
    throw new Error(
      `testloop select exited ${run.timedOut ? 'on timeout' : run.status}: ${run.stderr.trim().slice(-1500)}`,
    );
  }
  return { result: JSON.parse(run.stdout), ms: run.ms };
}

const fraction = (files, testFiles) => files.filter((f) => testFiles.has(f)).length / testFiles.size;

async function measureRepository(name) {
  const entry = readEntry(name);
  const row = { name, mutations: 0, misses: [], over: [], problem: undefined };
  const checkout = checkoutOf(entry);
  if (checkout.problem) return { ...row, problem: checkout.problem };
  const { root } = checkout;
  const testFiles = new Set(entry.testFiles ?? []);
  const recorded = entry.mutations.filter((m) => Array.isArray(m.failing));
  if (recorded.length === 0 || testFiles.size === 0)
    return { ...row, problem: 'no recorded truth (run bench/corpus/truth.js)' };
  const cacheDir = join(root, 'node_modules', '.cache', 'testloop');
  const stats = { hit: 0, failing: 0, recalls: [], ours: [], theirs: [], cold: [], warm: [], runnerMs: [] };
  for (const mutation of recorded) {
    const restore = applyMutation(root, mutation);
    let cold;
    let warm;
    try {
      rmSync(cacheDir, { recursive: true, force: true });
      cold = await select(root, mutation.file);
      warm = await select(root, mutation.file);
    } catch (error) {
      row.misses.push({ mutation, error: error.message, missed: mutation.failing });
      continue;
    } finally {
      restore();
    }
    const result = warm.result;
    const selected = new Set(result.tests.map((t) => t.file));
    if (result.all) for (const f of testFiles) selected.add(f);
    const missed = mutation.failing.filter((f) => !selected.has(f));
    const coldMissed = mutation.failing.filter(
      (f) => !cold.result.all && !cold.result.tests.some((t) => t.file === f),
    );
    stats.failing += mutation.failing.length;
    stats.hit += mutation.failing.length - missed.length;
    if (mutation.failing.length > 0)
      stats.recalls.push((mutation.failing.length - missed.length) / mutation.failing.length);
    if (missed.length > 0 || coldMissed.length > 0)
      row.misses.push({ mutation, result, missed: [...new Set([...missed, ...coldMissed])] });
    const ours = fraction([...selected], testFiles);
    const theirs = mutation.related ? fraction(mutation.related.files, testFiles) : Number.NaN;
    stats.ours.push(ours);
    if (mutation.related) {
      stats.theirs.push(theirs);
      stats.runnerMs.push(mutation.related.ms);
      if (ours > theirs + 0.02) {
        const theirsSet = new Set(mutation.related.files);
        const extra = result.tests.filter((t) => !theirsSet.has(t.file) && testFiles.has(t.file));
        row.over.push({ mutation, ours, theirs, result, extra });
      }
    }
    stats.cold.push(cold.ms);
    stats.warm.push(warm.ms);
    log(
      `${name} ${mutation.id}: ${selected.size} selected${result.all ? ' (all)' : ''}, ${mutation.failing.length - missed.length}/${mutation.failing.length} failing hit, cold ${cold.ms} ms, warm ${warm.ms} ms`,
    );
  }
  row.mutations = recorded.length;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  row.recallPooled = stats.failing ? stats.hit / stats.failing : 1;
  row.recallMin = stats.recalls.length ? Math.min(...stats.recalls) : 1;
  row.ours = mean(stats.ours);
  row.theirs = stats.theirs.length ? mean(stats.theirs) : Number.NaN;
  row.cold = median(stats.cold);
  row.warm = median(stats.warm);
  row.runnerMs = median(stats.runnerMs);
  row.testFiles = testFiles.size;
  return row;
}

const rows = [];
for (const name of names) rows.push(await measureRepository(name));

const pct = (x) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)}%`);
const ms = (x) => (Number.isNaN(x) ? '-' : `${Math.round(x)}`);
const header = [
  'repository',
  'tests',
  'mutations',
  'recall pooled',
  'recall min',
  'testloop selects',
  'runner selects',
  'cold ms',
  'warm ms',
  'runner ms',
];
const lines = [header, header.map(() => '---')];
for (const row of rows) {
  if (row.problem) lines.push([row.name, '-', '-', row.problem.split('\n')[0], '', '', '', '', '', '']);
  else
    lines.push([
      row.name,
      String(row.testFiles),
      String(row.mutations),
      row.recallPooled.toFixed(3),
      row.recallMin.toFixed(3),
      pct(row.ours),
      pct(row.theirs),
      ms(row.cold),
      ms(row.warm),
      ms(row.runnerMs),
    ]);
}
console.log(lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n'));

let missing = 0;
for (const row of rows) {
  for (const miss of row.misses) {
    missing++;
    const { mutation, result } = miss;
    console.log(`\nMISS ${row.name} ${mutation.id} (${mutation.file}:${mutation.line}, ${mutation.kind}):`);
    if (miss.error) console.log(`  ${miss.error}`);
    for (const f of miss.missed) console.log(`  missed ${f}`);
    if (result) {
      console.log(
        `  testloop: ${result.tests.length} selected, all=${result.all}${result.reason ? ` (${result.reason})` : ''}, unresolved=${result.stats?.unresolved}`,
      );
      for (const w of result.warnings ?? []) console.log(`  warning: ${w}`);
      if (result.untested?.length) console.log(`  untested: ${result.untested.join(', ')}`);
    }
  }
}
for (const row of rows) {
  for (const over of row.over) {
    const reasons = new Map();
    for (const t of over.extra) for (const r of t.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 4);
    console.log(
      `\nOVER ${row.name} ${over.mutation.id} (${over.mutation.file}): testloop ${pct(over.ours)} vs runner ${pct(over.theirs)}${over.result.all ? `, all: ${over.result.reason}` : ''}; ${over.extra.length} beyond the runner's answer, by reason:`,
    );
    for (const [reason, count] of top) console.log(`  ${count}× ${reason}`);
  }
}
process.exit(missing > 0 ? 1 : 0);
