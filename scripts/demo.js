// The main job on this repository's own history: select the tests the last few commits can affect,
// run them with coverage, then report which changed lines no test runs. Extra arguments go to `gaps`.
import { spawnSync } from 'node:child_process';

const run = (command, args, options = {}) => spawnSync(command, args, { stdio: 'inherit', ...options });
const commits = Number(spawnSync('git', ['rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).stdout.trim());
const base = `HEAD~${Math.max(1, Math.min(3, commits - 1))}`;

console.error(`testloop demo: changes since ${base}`);
const selection = run(process.execPath, ['bin/testloop.js', 'select', '--base', base], {
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
});
if (selection.status !== 0) process.exit(selection.status ?? 2);
const tests = selection.stdout.split('\n').filter(Boolean);
console.error(`testloop demo: select chose ${tests.length} test file(s); running them with coverage`);

const vitest = run(process.execPath, [
  'node_modules/vitest/vitest.mjs',
  'run',
  '--coverage.enabled',
  '--coverage.provider=v8',
  '--coverage.reporter=lcov',
  '--coverage.include=src/**',
  '--reporter=dot',
  ...tests,
]);
if (vitest.status !== 0)
  console.error(`testloop demo: tests exited ${vitest.status}; reporting gaps from the coverage they wrote`);

const gaps = run(process.execPath, [
  'bin/testloop.js',
  'gaps',
  '--base',
  base,
  '--coverage',
  'coverage/lcov.info',
  '--include',
  'src/**',
  ...process.argv.slice(2),
]);
process.exitCode = gaps.status ?? 2;
