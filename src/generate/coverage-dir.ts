import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoverageInput } from '../coverage/load.ts';
import type { CoverageReport } from '../coverage/types.ts';

/** The report a runner's coverage run left in `dir`: istanbul JSON, else lcov, else raw V8 (node:test). */
export function coverageInputs(dir: string): CoverageInput[] {
  if (existsSync(join(dir, 'coverage-final.json')))
    return [{ path: join(dir, 'coverage-final.json'), format: 'istanbul', fromRun: true }];
  if (existsSync(join(dir, 'lcov.info')))
    return [{ path: join(dir, 'lcov.info'), format: 'lcov', fromRun: true }];
  const raw = existsSync(dir) && readdirSync(dir).some((name) => name.endsWith('.json'));
  return raw ? [{ path: dir, format: 'v8', fromRun: true }] : [];
}

/**
 * A run's reports that name no file at all: the instrumenter recorded nothing (the files asked for are
 * listed even when no test loads them), which no test can change.
 */
export function coversNoFile(reports: readonly CoverageReport[]): boolean {
  return reports.every((report) => report.files.length === 0);
}
