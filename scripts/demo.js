// The main job on this repository's own history: `testloop ci` on the last few commits. It selects the
// tests they can affect, runs them with coverage, reports the changed lines no test runs, writes offline
// test skeletons for them (a model endpoint in TESTLOOP_LLM_BASE_URL makes them real tests), records the
// run and triages the history, then writes the HTML report. Extra arguments go to `testloop ci`.
import { spawnSync } from 'node:child_process';

const commits = Number(spawnSync('git', ['rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).stdout.trim());
const base = `HEAD~${Math.max(1, Math.min(3, commits - 1))}`;

console.error(`testloop demo: testloop ci for the changes since ${base}`);
const ci = spawnSync(
  process.execPath,
  [
    'bin/testloop.js',
    'ci',
    '--base',
    base,
    '--format',
    'text',
    '--format',
    'html:.testloop/report',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
console.error('testloop demo: HTML report in .testloop/report/index.html');
process.exitCode = ci.status ?? 2;
