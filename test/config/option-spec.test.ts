import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { helpText } from '../../src/cli/help.ts';
import { parseFlags } from '../../src/cli/parse-flags.ts';
import { runCli } from '../../src/cli/run.ts';
import { GENERATE_OPTIONS } from '../../src/config/generate-options.ts';
import { findConfig } from '../../src/config/load-config.ts';
import { type OptionTable, resolveTableOptions } from '../../src/config/option-table.ts';
import { TRIAGE_OPTIONS } from '../../src/config/triage-options.ts';

const cwd = mkdtempSync(join(tmpdir(), 'testloop-option-spec-'));
const configFile = join(cwd, 'testloop.config.json');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
afterEach(() => rmSync(configFile, { force: true }));

function writeConfig(values: Record<string, unknown>): void {
  writeFileSync(configFile, JSON.stringify(values));
}

/** The one stderr line a command prints for an option it refuses, run in this process. */
async function refusal(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const stderr: string[] = [];
  const status = await runCli(argv, {
    cwd,
    env,
    isTTY: false,
    version: '0.0.0-test',
    stdout: () => {},
    stderr: (text) => stderr.push(text),
    readStdin: () => Promise.resolve(Buffer.alloc(0)),
  });
  expect(status).toBe(2);
  return stderr.join('').trim();
}

/** A command's options as its flags, variables and config file give them. */
async function optionsOf(
  table: OptionTable,
  command: string,
  argv: string[],
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const flags = parseFlags(table, argv, command);
  return resolveTableOptions(table, command, await findConfig(cwd), env, flags.values);
}

const fix = (detail: string) => `${detail}. Fix the value or remove it`;

describe('option declarations: each rule through the flag, the variable and the config file', () => {
  it('integer: a whole number only', async () => {
    expect(await refusal(['generate', '--concurrency', '1.5'])).toBe(
      `testloop: error TESTLOOP_CONFIG: --concurrency: ${fix('Invalid input: expected int, received number (location: concurrency)')}`,
    );
    writeConfig({ triage: { explainTop: 2.5 } });
    expect(await refusal(['triage'])).toBe(
      `testloop: error TESTLOOP_CONFIG: testloop.config.json: ${fix('Invalid input: expected int, received number (location: explainTop)')}`,
    );
    expect(await optionsOf(GENERATE_OPTIONS, 'generate', ['--concurrency', '8'])).toEqual({ concurrency: 8 });
  });

  it('url: an endpoint or webhook that is not a URL', async () => {
    expect(await refusal(['triage', '--notify', 'slack'])).toBe(
      `testloop: error TESTLOOP_CONFIG: --notify: ${fix('Invalid URL (location: notify)')}`,
    );
    writeConfig({ baseUrl: 'localhost' });
    expect(await refusal(['generate'])).toBe(
      `testloop: error TESTLOOP_CONFIG: testloop.config.json: ${fix('Invalid URL (location: baseUrl)')}`,
    );
  });

  it('duration: a string such as 90s, passed on as written', async () => {
    expect(await refusal(['ci', '--budget', 'soon'])).toBe(
      `testloop: error TESTLOOP_CONFIG: --budget: ${fix('expected a duration such as 90s, 2m, 1m30s or 500ms (location: budget)')}`,
    );
    expect(await refusal(['triage'], { TESTLOOP_LLM_TIMEOUT: '5 minutes' })).toBe(
      `testloop: error TESTLOOP_CONFIG: TESTLOOP_LLM_TIMEOUT: ${fix('expected a duration such as 90s, 2m, 1m30s or 500ms (location: llmTimeout)')}`,
    );
    expect(await optionsOf(GENERATE_OPTIONS, 'generate', ['--budget', '1m30s'])).toEqual({ budget: '1m30s' });
  });

  it('enum items: each item of a list among the choices', async () => {
    expect(await refusal(['ci', '--skip', 'run,nope'])).toBe(
      `testloop: error TESTLOOP_CONFIG: --skip: ${fix('Invalid option: expected one of "select"|"run"|"gaps"|"generate"|"ingest"|"triage"|"fix" (location: skip.1)')}`,
    );
    expect(await refusal(['triage'], { TESTLOOP_FAIL_ON: 'flaky,slow' })).toBe(
      `testloop: error TESTLOOP_CONFIG: TESTLOOP_FAIL_ON: ${fix('Invalid option: expected one of "flaky"|"broken" (location: failOn.1)')}`,
    );
    expect(await optionsOf(TRIAGE_OPTIONS, 'triage', ['--fail-on', 'flaky,broken'])).toEqual({
      failOn: ['flaky', 'broken'],
    });
  });

  it('pattern: each item of a list in the declared shape', async () => {
    expect(await refusal(['ingest', '--environment', 'os=linux', '--environment', 'node', 'r.xml'])).toBe(
      `testloop: error TESTLOOP_CONFIG: --environment: ${fix('expected key=value (location: environment.1)')}`,
    );
    writeConfig({ ingest: { environment: ['=linux'] } });
    expect(await refusal(['ingest', 'r.xml'])).toBe(
      `testloop: error TESTLOOP_CONFIG: testloop.config.json: ${fix('expected key=value (location: environment.0)')}`,
    );
  });

  it("command-only: read from the flag and the command's section, never the top level or a variable", async () => {
    writeConfig({ write: true, patch: 'tests.diff' });
    const env = { TESTLOOP_WRITE: '0', TESTLOOP_PATCH: 'generated.diff' };
    expect(await optionsOf(TRIAGE_OPTIONS, 'triage', [], env)).toEqual({});
    expect(await optionsOf(TRIAGE_OPTIONS, 'triage', ['--patch', 'fix.diff'], env)).toEqual({
      patch: 'fix.diff',
    });
    // generate reads both from the same places.
    expect(await optionsOf(GENERATE_OPTIONS, 'generate', [], env)).toEqual({
      write: false,
      patch: 'generated.diff',
    });
    writeConfig({ write: true, triage: { patch: 5 } });
    expect(await refusal(['triage'], env)).toBe(
      `testloop: error TESTLOOP_CONFIG: testloop.config.json: ${fix('Invalid input: expected string, received number (location: patch)')}`,
    );
    expect(
      helpText(TRIAGE_OPTIONS, { command: 'triage', summary: '', examples: [], exitCodes: '' }),
    ).toContain(
      "--patch <file>              --fix: write the accepted fixes to this patch file\n                              flag or the config's triage section only\n",
    );
  });

  it('documented variable: TESTLOOP_LLM_BASE_URL sets baseUrl, and an error names it', async () => {
    expect(await optionsOf(TRIAGE_OPTIONS, 'triage', [], { TESTLOOP_LLM_MODEL: 'm' })).toEqual({
      model: 'm',
    });
    // The generic name still works, and wins when both are set.
    expect(
      await optionsOf(GENERATE_OPTIONS, 'generate', [], { TESTLOOP_MODEL: 'a', TESTLOOP_LLM_MODEL: 'b' }),
    ).toEqual({ model: 'a' });
    expect(await refusal(['generate'], { TESTLOOP_LLM_BASE_URL: 'the local server' })).toBe(
      `testloop: error TESTLOOP_CONFIG: TESTLOOP_LLM_BASE_URL: ${fix('Invalid URL (location: baseUrl)')}`,
    );
    expect(
      helpText(GENERATE_OPTIONS, { command: 'generate', summary: '', examples: [], exitCodes: '' }),
    ).toContain('env TESTLOOP_LLM_BASE_URL\n');
  });
});
