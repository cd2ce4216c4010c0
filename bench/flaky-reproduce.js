// `testloop triage --fix`'s first step on the flaky-kinds fixture (test/fixtures/triage/flaky-kinds): for
// each seeded kind and runner, whether the product reproduces it within the default budget, under which
// condition, in how many runs and seconds, the failure rate it measures and the validation runs M a fix
// of that rate must pass. No model: reproduction only. The causes a history would give (the manifest's)
// order the conditions, as `triage --fix` does with triage's own causes; `--no-causes` leaves them out.
// Alone: `npm run build && node bench/flaky-reproduce.js [--runner=vitest|jest] [--kind=a,b] [--no-causes]`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagsOf, GIT_ENV } from './common.js';

const flags = flagsOf(process.argv.slice(2));
const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = join(here, '../test/fixtures/triage/flaky-kinds');
const { fixTests } = await import(join(here, '../dist/index.js'));
const manifest = JSON.parse(readFileSync(join(fixture, 'manifest.json'), 'utf8'));
const kinds = manifest.kinds.filter((k) => !flags.kind || flags.kind.split(',').includes(k.kind));
const runners = Object.keys(manifest.projects).filter((r) => !flags.runner || r === flags.runner);

const repo = mkdtempSync(join(tmpdir(), 'testloop-bench-reproduce-'));
cpSync(fixture, repo, { recursive: true });
const modules = join(here, '../node_modules');
for (const dir of ['', ...Object.values(manifest.projects)])
  symlinkSync(modules, join(repo, dir, 'node_modules'));
const git = (...args) => spawnSync('git', args, { cwd: repo, env: { ...process.env, ...GIT_ENV } });
git('init', '-q');
git('add', '-A');
git('commit', '-qm', 'fixture');

console.log(`kind                 runner  reproduced  condition   runs  seconds  rate    M`);
try {
  for (const runner of runners) {
    for (const kind of kinds) {
      const testId = `${manifest.projects[runner]}/${kind.testId}`;
      const causes =
        flags['no-causes'] === undefined
          ? new Map([[testId, [{ cause: kind.cause, score: 0.9, evidence: [], fix: '' }]]])
          : undefined;
      const { fixes } = await fixTests({
        cwd: repo,
        tests: [testId],
        noModelReason: 'reproduction only',
        ...(causes ? { causes } : {}),
      });
      const f = fixes[0];
      console.log(
        `${kind.kind.padEnd(20)} ${runner.padEnd(6)}  ${String(f.reproduced).padEnd(10)}  ${String(f.condition ?? '-').padEnd(10)} ${String(f.reproductionRuns).padStart(5)}  ${f.reproductionSeconds.toFixed(1).padStart(7)}  ${f.failureRate.toFixed(2).padStart(4)}  ${String(f.requiredRuns ?? '-').padStart(3)}`,
      );
    }
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
}
