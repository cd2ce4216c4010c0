// `npm run demo`: testloop's main job, `testloop ci`, end to end on the small shop repository of
// examples/. The shop is copied into .testloop/demo/shop (or TESTLOOP_DEMO_DIR/shop) and made a real git
// repository: `main` holds examples/shop, the branch `coupons` adds examples/change on top. Four earlier CI
// runs of main (examples/history, one with a timed-out test that passed on its re-run) are recorded first.
// Then `testloop ci --base main` selects the tests the change can affect, runs them with coverage, reports
// the changed lines no test runs, writes test skeletons for them (real tests when TESTLOOP_LLM_BASE_URL
// names a model endpoint), records the run, triages the history and writes the HTML report.
// Extra arguments go to `testloop ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const root = fileURLToPath(new URL('..', import.meta.url));
const examples = join(root, 'examples');
const bin = join(root, 'bin', 'testloop.js');
const out = resolve(process.env.TESTLOOP_DEMO_DIR ?? join(root, '.testloop', 'demo'));
const repo = join(out, 'shop');
const report = join(out, 'report');
const log = (line) => console.error(`testloop demo: ${line}`);

// A fresh clone is built by `npm ci` (prepare); a checkout that skipped it is built here.
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  log('building dist/');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(examples, 'shop'), repo, { recursive: true });
linkRunner(repo);

const git = (...args) =>
  execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Shop Dev',
      GIT_AUTHOR_EMAIL: 'dev@shop.example',
      GIT_COMMITTER_NAME: 'Shop Dev',
      GIT_COMMITTER_EMAIL: 'dev@shop.example',
      GIT_AUTHOR_DATE: '2026-11-28T10:00:00Z',
      GIT_COMMITTER_DATE: '2026-11-28T10:00:00Z',
    },
  }).trim();
git('init', '--quiet', '--initial-branch=main');
git('config', 'commit.gpgsign', 'false');
git('add', '-A');
git('commit', '--quiet', '-m', 'shop: cart, pricing, shipping and inventory');
const base = git('rev-parse', 'HEAD');
git('checkout', '--quiet', '-b', 'coupons');
cpSync(join(examples, 'change'), repo, { recursive: true });
git('add', '-A');
git('commit', '--quiet', '-m', 'pricing: coupon codes and loyalty points');
log(`shop repository in ${relative(process.cwd(), repo) || '.'}: main ${base.slice(0, 7)}, branch coupons`);
log(`the change: ${git('diff', '--stat', 'main').split('\n').at(-1).trim()}`);

// The history a CI would have built up: every run of main recorded by `testloop ingest`.
const runs = JSON.parse(readFileSync(join(examples, 'history', 'runs.json'), 'utf8'));
for (const run of runs) {
  const ingest = spawnSync(
    process.execPath,
    [
      bin,
      'ingest',
      join(examples, 'history', run.report),
      '--commit',
      base,
      '--branch',
      'main',
      '--run-id',
      run.runId,
      '--attempt',
      String(run.attempt),
      '--job',
      'test',
      '--started-at',
      run.startedAt,
    ],
    { cwd: repo, encoding: 'utf8' },
  );
  if (ingest.status !== 0) {
    process.stderr.write(ingest.stderr);
    log(`recording ${run.report} failed`);
    process.exit(ingest.status ?? 2);
  }
}
log(`recorded ${runs.length} earlier CI runs of main (examples/history)`);

log('testloop ci --base main --format text --format html:<report>');
const ci = spawnSync(
  process.execPath,
  [bin, 'ci', '--base', 'main', '--format', 'text', '--format', `html:${report}`, ...process.argv.slice(2)],
  { cwd: repo, stdio: 'inherit' },
);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
log(`done in ${seconds} s, exit status ${ci.status}`);
log(`HTML report: ${join(report, 'index.html')}`);
process.exitCode = ci.status ?? 2;

/**
 * The shop uses testloop's own vitest and @vitest/coverage-v8: each installed package is linked into the
 * shop's node_modules, so the runner's binary (node_modules/.bin/vitest) and its imports resolve as in an
 * installed project, while the caches (.cache, .vite) stay the shop's own.
 */
function linkRunner(dir) {
  const modules = join(root, 'node_modules');
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (!entry.startsWith('.vite') && entry !== '.cache')
      symlinkSync(join(modules, entry), join(dir, 'node_modules', entry));
  }
}
