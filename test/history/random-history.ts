import { type AttemptStatus, type RunInfo, type TestAttempt, testIdOf } from '../../src/junit/types.ts';
import { seededRandom as seeded } from '../helpers/mutate.ts';

export interface Report {
  run: RunInfo;
  attempts: TestAttempt[];
}

/** Text that trips up storage: quoting, array literals, NUL, unpaired surrogates, astral characters. */
const AWKWARD = [
  'expected 1 to be 2',
  'NULL',
  '{a,b}',
  '"quoted", \\backslash\\',
  'tab\there\nnew line',
  'nul\0byte',
  'lone \uD800 surrogate',
  'emoji 🧪 and ünïcödé',
  '',
  'x'.repeat(3000),
];

/**
 * A CI history: runs over a month on a few branches, several jobs, CI re-runs, in-run retries of failed
 * tests, timestamps in several offsets and with ties. At least `minAttempts` attempts in total.
 */
export function randomHistory(seed: number, minAttempts: number): Report[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const files = ['src/a.test.ts', 'src/b.test.ts', 'test/ü/c.test.ts', 'pkg/Z.test.ts', ''];
  const tests = Array.from({ length: 90 }, (_, i) => {
    const file = pick(files);
    const suite =
      random() < 0.3 ? [] : random() < 0.5 ? [`Suite ${i % 7}`] : [`Outer ${i % 3}`, `inner "${i % 5}"`];
    const name = `${pick(['adds', 'Adds', 'éclair', '_under', 'zeta', '10 items', '9 items'])} ${i}`;
    return { testId: testIdOf(file, suite, name), file, suite, name, flaky: random() < 0.15 };
  });
  const branches = ['main', 'main', 'feature/x', 'ünï/branch', undefined];
  const jobs = ['unit', 'e2e', undefined];
  const offsets = ['Z', '+02:00', '-07:30'];
  const reports: Report[] = [];
  let total = 0;
  for (let i = 0; total < minAttempts; i++) {
    const runId = random() < 0.1 ? `run-${i % 10}x` : `run-${String(i).padStart(4, '0')}`;
    const branch = pick(branches);
    const commit = Math.floor(random() * 0xffffffff).toString(16);
    const day = 1 + Math.floor(random() * 28);
    const hour = random() < 0.2 ? 12 : Math.floor(random() * 24);
    const startedAt = `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00${pick(offsets)}`;
    const ciAttempts = random() < 0.1 ? 2 : 1;
    for (let attempt = 1; attempt <= ciAttempts; attempt++) {
      for (const job of random() < 0.5 ? [pick(jobs)] : ['unit', 'e2e']) {
        const run: RunInfo = {
          runId,
          commit,
          attempt,
          startedAt,
          ...(branch ? { branch } : {}),
          ...(job ? { job } : {}),
        };
        if (random() < 0.5)
          run.environment = { os: pick(['linux', 'macos']), node: pick(['20.19.0', '22.1.0']), 'z-key': 'ü' };
        const attempts: TestAttempt[] = [];
        for (const test of tests) {
          if (random() < 0.2) continue;
          let retry = 0;
          for (;;) {
            const status: AttemptStatus =
              test.flaky && random() < 0.4 ? 'failed' : pick(['passed', 'passed', 'skipped', 'error']);
            const failed = status === 'failed' || status === 'error';
            attempts.push({
              testId: test.testId,
              file: test.file,
              suite: test.suite,
              name: test.name,
              status,
              durationMs: pick([0, 1, 0.1 + 0.2, 1e-7, 123456.789, Math.round(random() * 5000) / 10]),
              retry,
              ...(failed ? { message: pick(AWKWARD), stack: pick(AWKWARD) } : {}),
              ...(random() < 0.1 ? { output: pick(AWKWARD) } : {}),
            });
            if (!failed || retry >= 2) break;
            retry++;
          }
        }
        total += attempts.length;
        reports.push({ run, attempts });
      }
    }
  }
  return reports;
}
