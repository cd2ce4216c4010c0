import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runTestloop } from '../helpers/cli.ts';

const cwd = mkdtempSync(join(tmpdir(), 'testloop-help-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const COMMANDS = ['gaps', 'select', 'generate', 'ingest', 'triage', 'ci', 'mcp', 'lsp'];
const cli = (...args: string[]) => runTestloop(args, { cwd });

/** The command lines under "Examples:", without their comments. */
function examples(help: string): string[] {
  const section = help.slice(help.indexOf('\nExamples:\n'), help.indexOf('\nExit status:'));
  return section
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && line !== 'Examples:');
}

describe('testloop help', () => {
  it('lists the commands in a fixed order: the single steps, then ci, then mcp and lsp', () => {
    const run = cli('--help');
    expect(run.status).toBe(0);
    const listed = run.stdout
      .slice(run.stdout.indexOf('Commands:\n'), run.stdout.indexOf('\n\nOptions:'))
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[0]);
    expect(listed).toEqual(COMMANDS);
    expect(run.stdout).toContain('Examples:\n');
    expect(run.stdout).toContain('testloop help <command>');
  });

  it.each(COMMANDS)('help %s prints the help of that command', (command) => {
    const run = cli('help', command);
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith(`Usage: testloop ${command} [options]`)).toBe(true);
    expect(run.stdout).toBe(cli(command, '--help').stdout);
  });

  it('refuses help for an unknown command with exit 2', () => {
    for (const name of ['frobnicate', 'toString']) {
      expect(cli('help', name)).toMatchObject({
        status: 2,
        stdout: '',
        stderr: `testloop: error TESTLOOP_USAGE: unknown command "${name}". Run testloop --help for the list\n`,
      });
    }
  });
});

describe('testloop <command> --help', () => {
  it.each(COMMANDS)(
    '%s: one usage line, meaningful placeholders, examples using its own flags',
    (command) => {
      const { status, stdout } = cli(command, '--help');
      expect(status).toBe(0);
      expect(stdout.match(/Usage:/g)).toHaveLength(1);
      expect(stdout).not.toContain('<value>');
      const shown = examples(stdout);
      expect(shown.length).toBeGreaterThanOrEqual(2);
      expect(shown.length).toBeLessThanOrEqual(3);
      for (const line of shown) {
        expect(line).toMatch(new RegExp(`testloop ${command}( |$)`));
        for (const flag of line.match(/(?<=\s)--[a-z-]+/g) ?? []) {
          const name = flag.slice(2).replace(/^no-/, '');
          expect(stdout, `${line}: ${flag}`).toMatch(new RegExp(`^  --(\\[no-\\])?${name}[ \\n]`, 'm'));
        }
      }
    },
  );

  it('names the operands: the changed files of select, the reports of ingest', () => {
    expect(cli('select', '--help').stdout).toMatch(
      /^Usage: testloop select \[options\] \[<changed-file>…\]\n/,
    );
    expect(cli('ingest', '--help').stdout).toMatch(/^Usage: testloop ingest \[options\] <report\|folder>…\n/);
  });

  it('says what each value looks like', () => {
    const gaps = cli('gaps', '--help').stdout;
    for (const flag of [
      '--base <ref>',
      '--diff-file <file|->',
      '--fail-under <percent>',
      '--max-diff-mb <MiB>',
    ])
      expect(gaps).toContain(`  ${flag} `);
    const ci = cli('ci', '--help').stdout;
    for (const flag of ['--budget <duration>', '--format <kind[:path]>', '--generate <llm|stub|off>'])
      expect(ci).toContain(`  ${flag} `);
    expect(cli('select', '--help').stdout).toContain('  --format <list|json|vitest|jest|node>\n');
    expect(cli('ingest', '--help').stdout).toContain('  --environment <key=value> ');
  });
});

describe('a reader that stops early', () => {
  it('closing the pipe (`| head`) ends the run quietly, with its own exit status', async () => {
    const child = spawn(process.execPath, [BIN, 'ci', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The read end is gone before the first write: every write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
