import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readStdin } from '../util/stdin.ts';
import { runCli } from './run.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  version,
  stdout: (text) => process.stdout.write(text),
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stdoutDrained: () =>
    process.stdout.writableNeedDrain
      ? once(process.stdout, 'drain').then(() => undefined)
      : Promise.resolve(),
  stderr: (text) => process.stderr.write(text),
  readStdin,
});
process.exitCode = exitCode;
