import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoverageInput } from '../coverage/load.ts';

/** The report a runner's coverage run left in `dir`: istanbul JSON, else lcov, else raw V8 (node:test). */
export function coverageInputs(dir: string): CoverageInput[] {
  if (existsSync(join(dir, 'coverage-final.json')))
    return [{ path: join(dir, 'coverage-final.json'), format: 'istanbul', fromRun: true }];
  if (existsSync(join(dir, 'lcov.info')))
    return [{ path: join(dir, 'lcov.info'), format: 'lcov', fromRun: true }];
  const raw = existsSync(dir) && readdirSync(dir).some((name) => name.endsWith('.json'));
  return raw ? [{ path: dir, format: 'v8', fromRun: true }] : [];
}
