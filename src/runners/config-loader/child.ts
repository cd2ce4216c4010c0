// The frame of a config child process (bundled into each runner's child): it prints the answer of
// `load` on one marked line and ends, or the reason it failed on another and exits 1.
import { ANSWER, FAILED, failureLine, type LoadedRunnerConfig } from './protocol.ts';

export async function answerAndExit(load: () => Promise<LoadedRunnerConfig>): Promise<never> {
  let line: string;
  let code = 0;
  try {
    line = `\n${ANSWER}${JSON.stringify(await load())}\n`;
  } catch (error) {
    line = `\n${FAILED} ${failureLine(error instanceof Error ? error.message : String(error))}\n`;
    code = 1;
  }
  // A config may leave handles open (watchers, servers): once the answer is out, the process ends.
  const stream = code === 0 ? process.stdout : process.stderr;
  await new Promise<void>((done) => stream.write(line, () => done()));
  process.exit(code);
}
