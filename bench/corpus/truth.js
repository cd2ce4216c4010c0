// `node bench/corpus/truth.js <name> [--only m01,m02] [--timeout=S]`: records the truth of a corpus entry
// (bench/corpus/<name>.json, checkout in $TESTLOOP_CORPUS_DIR/<name>). The suite runs once on the clean tree
// (filling `testFiles` and `baselineFailing` when absent), then, for every mutation without `failing` (or
// every one named by --only), on the mutated tree: its failing test files and the runner's related answer
// (with its time) are recorded, the file is restored, and the entry is written back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyMutation,
  checkoutOf,
  fillCommand,
  readEntry,
  readListedFiles,
  readReport,
  runCommand,
  writeEntry,
} from './lib.js';

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('--'));
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined;
const recheck = args.includes('--recheck');
const timeoutArg = args.find((a) => a.startsWith('--timeout='));
const timeoutMs = timeoutArg ? Number(timeoutArg.slice('--timeout='.length)) * 1000 : 15 * 60_000;
if (!name) {
  process.stderr.write(
    'usage: node bench/corpus/truth.js <name> [--only m01,m02] [--recheck] [--timeout=seconds]\n',
  );
  process.exit(2);
}

const log = (line) => process.stderr.write(`${line}\n`);
const entry = readEntry(name);
const checkout = checkoutOf(entry);
if (checkout.problem) {
  log(`truth: ${checkout.problem}`);
  process.exit(1);
}
const { root, cwd } = checkout;
const scratch = mkdtempSync(join(tmpdir(), `corpus-${name}-`));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Runs the suite and reads its report; throws when there is none (the suite crashed or timed out). */
async function runSuite(label, files = []) {
  const out = join(scratch, `${label}.json`);
  rmSync(out, { force: true });
  const only = files.map((f) => ` ${JSON.stringify(join(root, f))}`).join('');
  const run = await runCommand(`${fillCommand(entry.suite, { out })}${only}`, cwd, { timeoutMs });
  if (run.timedOut) throw new Error(`${label}: the suite ran over ${timeoutMs / 1000} s`);
  try {
    return { ...readReport(out, root, cwd), ms: run.ms };
  } catch (error) {
    const tail = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${label}: no report from the suite (exit ${run.status}): ${error.message}\n${tail}`);
  }
}

if (!entry.testFiles || !entry.baselineFailing) {
  log(`${name}: clean suite …`);
  const clean = await runSuite('clean');
  entry.testFiles ??= clean.files;
  entry.baselineFailing ??= clean.failing;
  log(
    `${name}: ${clean.files.length} test files, ${clean.failing.length} failing on the clean tree (${clean.ms} ms)`,
  );
  writeEntry(entry);
}
const baseline = new Set(entry.baselineFailing);

/**
 * A test file failing outside the runner's related answer is run again alone on the mutated tree, and if it
 * fails again, on the clean tree (the mutation restored): a change breaks a test every time and only with
 * the change, a timing-dependent test on a loaded machine sometimes and either way. Returns the files that
 * pass the second time or fail without the change too (flaky, not failing). Without a related answer
 * (node:test) no file is suspect.
 */
async function flakyOf(mutation, failing, relatedFiles, restore) {
  const suspects = relatedFiles ? failing.filter((f) => !relatedFiles.includes(f)) : [];
  if (suspects.length === 0) return [];
  const again = await runSuite(`${mutation.id}-again`, suspects);
  const flaky = suspects.filter((f) => !again.failing.includes(f));
  const still = suspects.filter((f) => again.failing.includes(f));
  if (still.length > 0) {
    restore();
    const clean = await runSuite(`${mutation.id}-clean`, still);
    flaky.push(...still.filter((f) => clean.failing.includes(f)));
  }
  return flaky.sort();
}

let failures = 0;
if (recheck) {
  // --recheck: only the flaky check, on the recorded truth (no full suite run).
  await eachMutation(
    (mutation) => mutation.failing && (!only || only.has(mutation.id)),
    async (mutation, restore) => {
      const flaky = await flakyOf(mutation, mutation.failing, mutation.related?.files, restore);
      mutation.failing = mutation.failing.filter((f) => !flaky.includes(f));
      if (flaky.length > 0) mutation.flaky = [...new Set([...(mutation.flaky ?? []), ...flaky])].sort();
      log(
        `${mutation.id}: ${mutation.failing.length} failing${flaky.length ? `, ${flaky.join(', ')} flaky` : ''}`,
      );
    },
  );
  process.exit(failures > 0 ? 1 : 0);
}
await eachMutation(
  (mutation) => (only ? only.has(mutation.id) : !mutation.failing),
  async (mutation, restore) => {
    const suite = await runSuite(mutation.id);
    const failing = suite.failing.filter((f) => !baseline.has(f));
    // Runners without a related-tests mode (node:test) have no `related` command.
    const related = entry.related
      ? await runCommand(fillCommand(entry.related, { file: join(root, mutation.file) }), cwd, { timeoutMs })
      : undefined;
    if (related && related.status !== 0) {
      throw new Error(
        `${mutation.id}: the related command exited ${related.status}:\n${related.stderr.slice(-2000)}`,
      );
    }
    const relatedFiles = related ? readListedFiles(related.stdout, root, cwd) : [];
    const flaky = await flakyOf(mutation, failing, related ? relatedFiles : undefined, restore);
    mutation.failing = failing.filter((f) => !flaky.includes(f));
    if (flaky.length > 0) mutation.flaky = flaky;
    else delete mutation.flaky;
    if (related) mutation.related = { files: relatedFiles, ms: related.ms };
    log(
      `${mutation.id} ${mutation.file}:${mutation.line}: ${mutation.failing.length} failing${flaky.length ? ` (${flaky.length} flaky: ${flaky.join(', ')})` : ''}, ${related ? `related ${relatedFiles.length} (${related.ms} ms)` : 'no related command'}${mutation.failing.length === 0 ? '  !!! no test fails: choose another mutation' : ''}`,
    );
  },
);
process.exit(failures > 0 ? 1 : 0);

/**
 * Runs `work` on each mutation `wanted` picks, with the mutation applied and always restored; the entry is
 * written after each one, so a stopped run keeps what it recorded. A failure is counted and logged.
 */
async function eachMutation(wanted, work) {
  for (const mutation of entry.mutations) {
    if (!wanted(mutation)) continue;
    let restore;
    try {
      restore = applyMutation(root, mutation);
      await work(mutation, restore);
    } catch (error) {
      failures++;
      log(`${mutation.id}: ${error.message}`);
    } finally {
      restore?.();
    }
    writeEntry(entry);
  }
}
