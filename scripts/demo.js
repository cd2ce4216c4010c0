// The main job on this repository's own history: run the test suite with coverage, then report
// which lines of the last few commits no test runs. Extra arguments go to `testloop gaps`.
import { spawnSync } from 'node:child_process';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
const commits = spawnSync('git', ['rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const depth = Math.max(1, Math.min(5, Number(commits) - 1));

const tests = run(process.execPath, [
  'node_modules/vitest/vitest.mjs',
  'run',
  '--coverage.enabled',
  '--coverage.provider=v8',
  '--coverage.reporter=lcov',
  '--coverage.include=src/**',
  '--reporter=dot',
]);
if (tests !== 0) console.error(`tests exited ${tests}; reporting gaps from the coverage they wrote`);
process.exitCode = run(process.execPath, [
  'bin/testloop.js',
  'gaps',
  '--base',
  `HEAD~${depth}`,
  '--coverage',
  'coverage/lcov.info',
  ...process.argv.slice(2),
]);
