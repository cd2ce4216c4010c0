import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(bin: string, args: string[]) {
  return spawnSync(process.execPath, [`node_modules/${bin}`, ...args], { cwd: root, encoding: 'utf8' });
}

// Type checking and lint run inside the suite, so the single test command covers them.
describe('project checks', () => {
  it('type-checks with tsc --noEmit', () => {
    const result = run('typescript/bin/tsc', ['--noEmit']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes biome check (lint and format)', () => {
    const result = run('@biomejs/biome/bin/biome', ['check', '--reporter=summary', '.']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
