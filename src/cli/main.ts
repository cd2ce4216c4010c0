import { readFileSync } from 'node:fs';
import { readStdin } from '../util/stdin.ts';
import { runCli } from './run.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// A reader that stops early (`| head`) closes the pipe: what is left to print has nowhere to go, and the
// run's own exit status still stands.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  version,
  stdout: (text) => process.stdout.write(text),
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stdoutDrained: () =>
    process.stdout.writableNeedDrain && !process.stdout.destroyed
      ? new Promise<void>((resolve) => {
          process.stdout.once('drain', resolve);
          process.stdout.once('close', resolve);
        })
      : Promise.resolve(),
  stderr: (text) => process.stderr.write(text),
  readStdin,
});
process.exitCode = exitCode;
