import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureDependencies,
  type Install,
  NATIVE_DEPENDENCIES,
} from '../../../src/integrations/github/setup.ts';

let dir: string;
let calls: { command: string; args: readonly string[]; cwd: string }[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testloop-action-path-'));
  calls = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const recording =
  (status: number, output = ''): Install =>
  (command, args, cwd) => {
    calls.push({ command, args, cwd });
    return { status, output };
  };

describe("the Action's pre step", () => {
  it('installs nothing when the packages are there', () => {
    for (const name of NATIVE_DEPENDENCIES) mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    expect(ensureDependencies(dir, recording(0)).status).toBe(0);
    expect(calls).toEqual([]);
  });

  it('installs the production dependencies from the lockfile when one is missing', () => {
    for (const name of NATIVE_DEPENDENCIES.slice(1))
      mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    const result = ensureDependencies(dir, recording(0));
    expect(result).toEqual({ status: 0, message: 'testloop: installed oxc-parser and their dependencies' });
    expect(calls).toEqual([
      { command: 'npm', args: ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], cwd: dir },
    ]);
  });

  it('fails the step with the reason when npm cannot install', () => {
    const result = ensureDependencies(dir, recording(1, 'npm error code ENOTFOUND\nnpm error network'));
    expect(result.status).toBe(1);
    expect(result.message).toMatch(/^::error::testloop could not install its dependencies in .* exited 1\)/);
    expect(result.message).toContain('npm error code ENOTFOUND');
  });
});
